package io.inferstream.job.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.job.records.RegistryUpdate;
import io.inferstream.schemas.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The model specs an operator serves, held in Flink broadcast state as the registry's JSON (specs
 * and artifact URIs, never model bytes) and parsed once per revision into a per-operator cache.
 *
 * <p>An update whose revision is not newer than the one held is ignored: broadcast order can differ
 * between tasks, and a replayed registry topic repeats old revisions. A tombstone deletes.
 */
public final class ModelSpecs {
  /** model name → spec JSON. */
  public static final MapStateDescriptor<String, String> DESCRIPTOR =
      new MapStateDescriptor<>("model-specs", Types.STRING, Types.STRING);

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private record Parsed(String json, ModelSpec spec) {}

  private final Map<String, Parsed> cache = new HashMap<>();

  /** What applying an update did. */
  public enum Change {
    ADDED,
    UPDATED,
    DELETED,
    IGNORED
  }

  /** The spec of a model, or null when it is not served. */
  public ModelSpec get(ReadOnlyBroadcastState<String, String> state, String model)
      throws Exception {
    String json = state.get(model);
    if (json == null) {
      cache.remove(model);
      return null;
    }
    Parsed parsed = cache.get(model);
    if (parsed == null || !parsed.json.equals(json)) {
      parsed = new Parsed(json, parse(json));
      cache.put(model, parsed);
    }
    return parsed.spec;
  }

  /** Applies a registry record to broadcast state unless it is stale. */
  public Change apply(BroadcastState<String, String> state, RegistryUpdate update)
      throws Exception {
    ModelSpec held = get(state, update.model);
    if (update.isTombstone()) {
      if (held == null) {
        return Change.IGNORED;
      }
      state.remove(update.model);
      cache.remove(update.model);
      return Change.DELETED;
    }
    if (held != null && update.revision <= held.revision()) {
      return Change.IGNORED;
    }
    state.put(update.model, update.spec);
    return held == null ? Change.ADDED : Change.UPDATED;
  }

  public static ModelSpec parse(String json) {
    try {
      return MAPPER.readValue(json, ModelSpec.class);
    } catch (IOException e) {
      throw new UncheckedIOException("invalid model spec JSON", e);
    }
  }

  public static String toJson(ModelSpec spec) {
    try {
      return MAPPER.writeValueAsString(spec);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
