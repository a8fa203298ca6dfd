package io.inferstream.schemas;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Everything the job needs to serve a model: its versions, aliases (the stages {@code dev}, {@code
 * staging}, {@code prod} among them), the default route (a weighted split and an optional shadow),
 * batching, replicas, device, cost weight and idle unload timeout. The registry publishes it keyed
 * {@code model/<name>}, with a {@code revision} that grows by one per change.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ModelSpec(
    String name,
    long revision,
    List<ModelVersionSpec> versions,
    Map<String, String> aliases,
    RouteSpec route,
    BatchingConfig batching,
    int replicas,
    Device device,
    double costWeight,
    long idleUnloadTimeoutSeconds)
    implements Serializable {

  public static final String LATEST = "latest";
  public static final String PROD = "prod";

  public ModelSpec {
    versions = List.copyOf(versions);
    aliases = aliases == null ? Map.of() : Map.copyOf(aliases);
    route = route == null ? RouteSpec.DEFAULT : route;
    device = device == null ? Device.AUTO : device;
    costWeight = costWeight > 0 ? costWeight : 1.0;
    if (idleUnloadTimeoutSeconds < 0) {
      throw new IllegalArgumentException(
          "idle_unload_timeout_seconds must be >= 0 (0 = the job's default), got "
              + idleUnloadTimeoutSeconds);
    }
    if (replicas < 1) {
      throw new IllegalArgumentException("replicas must be >= 1, got " + replicas);
    }
  }

  /** A copy with another revision. */
  public ModelSpec withRevision(long newRevision) {
    return copy(draft -> draft.revision = newRevision);
  }

  /** A copy with other versions (kept in the given order). */
  public ModelSpec withVersions(List<ModelVersionSpec> newVersions) {
    return copy(draft -> draft.versions = newVersions);
  }

  /** A copy with other aliases. */
  public ModelSpec withAliases(Map<String, String> newAliases) {
    return copy(draft -> draft.aliases = newAliases);
  }

  /** A copy with another default route. */
  public ModelSpec withRoute(RouteSpec newRoute) {
    return copy(draft -> draft.route = newRoute);
  }

  /** A copy with other batching. */
  public ModelSpec withBatching(BatchingConfig newBatching) {
    return copy(draft -> draft.batching = newBatching);
  }

  /** A copy with another number of replicas. */
  public ModelSpec withReplicas(int newReplicas) {
    return copy(draft -> draft.replicas = newReplicas);
  }

  /** A copy with another device. */
  public ModelSpec withDevice(Device newDevice) {
    return copy(draft -> draft.device = newDevice);
  }

  /** A copy with another cost weight. */
  public ModelSpec withCostWeight(double newCostWeight) {
    return copy(draft -> draft.costWeight = newCostWeight);
  }

  /** A copy with another idle unload timeout (0 = the job's default). */
  public ModelSpec withIdleUnloadTimeoutSeconds(long newIdleUnloadTimeoutSeconds) {
    return copy(draft -> draft.idleUnloadTimeoutSeconds = newIdleUnloadTimeoutSeconds);
  }

  private ModelSpec copy(Consumer<Draft> edit) {
    Draft draft = new Draft(this);
    edit.accept(draft);
    return draft.build();
  }

  /** The fields of a spec being copied: the one place that calls the ten-argument constructor. */
  private static final class Draft {
    private final String name;
    private long revision;
    private List<ModelVersionSpec> versions;
    private Map<String, String> aliases;
    private RouteSpec route;
    private BatchingConfig batching;
    private int replicas;
    private Device device;
    private double costWeight;
    private long idleUnloadTimeoutSeconds;

    private Draft(ModelSpec spec) {
      name = spec.name;
      revision = spec.revision;
      versions = spec.versions;
      aliases = spec.aliases;
      route = spec.route;
      batching = spec.batching;
      replicas = spec.replicas;
      device = spec.device;
      costWeight = spec.costWeight;
      idleUnloadTimeoutSeconds = spec.idleUnloadTimeoutSeconds;
    }

    private ModelSpec build() {
      return new ModelSpec(
          name,
          revision,
          versions,
          aliases,
          route,
          batching,
          replicas,
          device,
          costWeight,
          idleUnloadTimeoutSeconds);
    }
  }

  /**
   * Resolves a reference: a semantic version, an alias, {@code latest}, or {@code null} for the
   * default ({@code prod}, else the latest version).
   *
   * @return the version, or {@code null} when nothing matches
   */
  public ModelVersionSpec resolve(String requested) {
    if (requested == null || requested.isEmpty()) {
      String prod = aliases.get(PROD);
      return prod != null ? version(prod) : latest();
    }
    if (LATEST.equals(requested)) {
      return latest();
    }
    String aliased = aliases.get(requested);
    if (aliased != null) {
      return version(aliased);
    }
    if (SemanticVersion.isVersion(requested)) {
      return version(SemanticVersion.parse(requested).toString());
    }
    return null;
  }

  public ModelVersionSpec version(String version) {
    for (ModelVersionSpec spec : versions) {
      if (spec.version().equals(version)) {
        return spec;
      }
    }
    return null;
  }

  public ModelVersionSpec latest() {
    return versions.stream()
        .max(Comparator.comparing(v -> SemanticVersion.parse(v.version())))
        .orElse(null);
  }
}
