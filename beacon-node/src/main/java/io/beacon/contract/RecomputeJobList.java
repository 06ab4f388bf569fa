package io.beacon.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A property's latest correction jobs, newest first ({@code {"jobs": [...]}}): the reply to a list request. */
public record RecomputeJobList(List<RecomputeJob> jobs) {
  public RecomputeJobList {
    jobs = List.copyOf(jobs);
  }

  public JsonObject toJson() {
    JsonArray a = new JsonArray();
    jobs.forEach(j -> a.add(j.toJson()));
    return new JsonObject().put("jobs", a);
  }

  public static RecomputeJobList fromJson(JsonObject json) {
    List<RecomputeJob> jobs = new ArrayList<>();
    for (Object o : json.getJsonArray("jobs", new JsonArray())) {
      jobs.add(RecomputeJob.fromJson((JsonObject) o));
    }
    return new RecomputeJobList(jobs);
  }
}
