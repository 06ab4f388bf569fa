package io.beacon.spark;

import io.beacon.model.Hit;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A {@link Hit} as a Spark struct and back: one field per record component of {@code Hit}, in declaration
 * order and under the component's name, so the decoded hit travels through the stream (de-duplication shuffle
 * included) as columns and {@link #toHit} gives back the very hit {@code HitCodec} decoded, without decoding
 * JSON again. Derived from the record by reflection: a new field of {@code Hit} needs no change here unless
 * its type has no mapping below (then the class fails to load, naming it).
 */
final class HitRow {

  /** The struct of a hit. */
  static final StructType SCHEMA;
  private static final Method[] ACCESSORS;
  private static final boolean[] IS_MAP;
  private static final Constructor<Hit> CONSTRUCTOR;

  static {
    RecordComponent[] components = Hit.class.getRecordComponents();
    List<StructField> fields = new ArrayList<>();
    ACCESSORS = new Method[components.length];
    IS_MAP = new boolean[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      fields.add(DataTypes.createStructField(c.getName(), sparkType(c), !c.getType().isPrimitive()));
      ACCESSORS[i] = c.getAccessor();
      IS_MAP[i] = c.getType() == Map.class;
      types[i] = c.getType();
    }
    SCHEMA = DataTypes.createStructType(fields);
    try {
      CONSTRUCTOR = Hit.class.getDeclaredConstructor(types);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("Hit has no canonical constructor", e);
    }
  }

  private HitRow() {
  }

  private static DataType sparkType(RecordComponent c) {
    Class<?> t = c.getType();
    if (t == String.class) {
      return DataTypes.StringType;
    } else if (t == int.class || t == Integer.class) {
      return DataTypes.IntegerType;
    } else if (t == long.class || t == Long.class) {
      return DataTypes.LongType;
    } else if (t == boolean.class || t == Boolean.class) {
      return DataTypes.BooleanType;
    } else if (t == double.class || t == Double.class) {
      return DataTypes.DoubleType;
    } else if (t == Map.class && c.getGenericType() instanceof ParameterizedType p
        && isString(p.getActualTypeArguments()[0]) && isString(p.getActualTypeArguments()[1])) {
      return DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true);
    }
    throw new IllegalStateException("Hit." + c.getName() + ": no Spark type for " + c.getGenericType()
        + " (add one to HitRow)");
  }

  private static boolean isString(Type t) {
    return t == String.class;
  }

  /** The hit's fields in {@link #SCHEMA}'s order (a map stays a {@code java.util.Map}: Spark converts it). */
  static Row toRow(Hit hit) {
    Object[] values = new Object[ACCESSORS.length];
    try {
      for (int i = 0; i < values.length; i++) {
        values[i] = ACCESSORS[i].invoke(hit);
      }
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("reading a Hit", e);
    }
    return RowFactory.create(values);
  }

  /**
   * The hit's fields for an encoder-built row (a Dataset's rows, e.g. the session state's output): maps as Scala
   * maps, which is what Spark's row encoder reads ({@link #toRow} is for UDF results, whose converter also takes
   * Java maps).
   */
  static Row toEncoderRow(Hit hit) {
    Row row = toRow(hit);
    Object[] values = new Object[row.length()];
    for (int i = 0; i < values.length; i++) {
      Object v = row.get(i);
      values[i] = IS_MAP[i] && v != null
          ? scala.collection.JavaConverters.mapAsScalaMap((Map<?, ?>) v) : v;
    }
    return RowFactory.create(values);
  }

  /** The hit of a struct of {@link #SCHEMA} (as Spark hands it to a task: maps are Scala maps). */
  static Hit toHit(Row row) {
    Object[] args = new Object[ACCESSORS.length];
    for (int i = 0; i < args.length; i++) {
      if (row.isNullAt(i)) {
        continue; // only boxed components are nullable
      }
      args[i] = IS_MAP[i] ? new HashMap<>(row.getJavaMap(i)) : row.get(i);
    }
    try {
      return CONSTRUCTOR.newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("building a Hit", e);
    }
  }
}
