package io.inferstream.job.model;

import io.inferstream.schemas.ModelSpec;
import java.io.Serializable;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model specs the job serves, with each model's replica keys. Today it is built once from a
 * model repository; the registry will feed the same specs through broadcast state.
 */
public final class ModelCatalog implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Map<String, ModelSpec> specs = new LinkedHashMap<>();
  private final Map<String, String[]> replicaKeys = new LinkedHashMap<>();

  public ModelCatalog(List<ModelSpec> models, int parallelism, int maxParallelism) {
    for (ModelSpec spec : models) {
      specs.put(spec.name(), spec);
      replicaKeys.put(
          spec.name(),
          ReplicaKeys.choose(spec.name(), spec.replicas(), parallelism, maxParallelism));
    }
  }

  /** The spec of a model, or null when the job does not serve it. */
  public ModelSpec spec(String model) {
    return specs.get(model);
  }

  public Collection<ModelSpec> specs() {
    return specs.values();
  }

  /**
   * The key a request is routed by: one of its model's replica keys, chosen by the request id so
   * that a retried request goes the same way. Unknown models key by name (the router answers 404).
   */
  public String routingKey(String model, String requestId) {
    String[] keys = replicaKeys.get(model);
    if (keys == null) {
      return model;
    }
    if (keys.length == 1) {
      return keys[0];
    }
    return keys[Math.floorMod(requestId.hashCode(), keys.length)];
  }
}
