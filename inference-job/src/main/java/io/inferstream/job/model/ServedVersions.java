package io.inferstream.job.model;

import io.inferstream.job.records.ServingTarget;
import io.inferstream.job.runtime.ModelSessions;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * Zero-downtime swaps, per router subtask: for each reference a request can name (an alias, a split
 * target, {@code latest}), the version this subtask last sent traffic to. When the spec moves a
 * reference to another version, traffic stays on the old one until this task manager's session
 * cache reports the new one ready; meanwhile the new one is preloaded. A reference that never had
 * traffic here goes straight to its version (loaded lazily by its first batch).
 */
public final class ServedVersions {
  private final Map<String, ModelVersionSpec> served = new HashMap<>();

  /** The version to send a request for {@code reference} to. */
  public ModelVersionSpec choose(
      ModelSpec spec, String reference, ModelVersionSpec wanted, ModelSessions sessions) {
    String key = key(spec.name(), reference);
    ModelVersionSpec previous = served.get(key);
    if (previous == null
        || sameArtifact(previous, wanted)
        || sessions.isReady(ServingTarget.of(spec, wanted))) {
      served.put(key, wanted);
      return wanted;
    }
    sessions.preload(ServingTarget.of(spec, wanted));
    return previous;
  }

  /**
   * After a spec update: preloads every version the update moves a served reference to, so the swap
   * can happen before the next request asks.
   */
  public void preloadMoved(ModelSpec spec, ModelSessions sessions) {
    String prefix = key(spec.name(), "");
    for (Map.Entry<String, ModelVersionSpec> entry : served.entrySet()) {
      if (!entry.getKey().startsWith(prefix)) {
        continue;
      }
      ModelVersionSpec wanted = spec.resolve(entry.getKey().substring(prefix.length()));
      if (wanted != null && !sameArtifact(wanted, entry.getValue())) {
        sessions.preload(ServingTarget.of(spec, wanted));
      }
    }
  }

  /** A deleted model starts from nothing if it comes back. */
  public void forget(String model) {
    served.keySet().removeIf(key -> key.startsWith(key(model, "")));
  }

  /** References with traffic on this subtask (for tests). */
  int size() {
    return served.size();
  }

  private static boolean sameArtifact(ModelVersionSpec a, ModelVersionSpec b) {
    return a.version().equals(b.version()) && a.sha256().equals(b.sha256());
  }

  private static String key(String model, String reference) {
    return model + '\u0000' + reference;
  }
}
