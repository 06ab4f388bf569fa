package io.beacon.store.topic;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.beacon.model.Hit;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON encoding of {@link Hit} for Kafka values: snake_case field names, nulls omitted. The one
 * codec of the hits topic, used by the collector, the bridge and the Spark job alike.
 */
public final class HitCodec {
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      // Newer producers may add optional fields; old consumers ignore them.
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private HitCodec() {}

  public static byte[] encode(Hit hit) {
    try {
      return JSON.writeValueAsBytes(hit);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode hit " + hit.requestId(), e);
    }
  }

  /** @throws IllegalArgumentException if the bytes are not a hit (the caller dead-letters them) */
  public static Hit decode(byte[] json) {
    try {
      Hit hit = JSON.readValue(json, Hit.class);
      if (hit == null) {
        // the JSON literal null: databind maps it to no object at all
        throw new IllegalArgumentException("not a hit: null");
      }
      if (hit.propertyId() == null || hit.clientId() == null || hit.requestId() == null || hit.ts() <= 0) {
        throw new IllegalArgumentException("hit lacks property_id, client_id, request_id or ts");
      }
      return hit;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("not a hit: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a hit: " + e.getMessage(), e);
    }
  }
}
