package io.inferstream.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.RouteSpec;
import io.inferstream.schemas.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The JSON bodies of the registry API (snake_case on the wire; null fields are left out). Specs are
 * shown as stored in the topic, plus what the registry knows beside them: each version's aliases
 * and status, and the model's shadow comparison.
 */
public final class ApiViews {
  private ApiViews() {}

  /** One task manager's latest report about a version's session. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TaskManagerStatus(
      String taskManager,
      String state,
      String device,
      Long loadMillis,
      String cause,
      long timestampMillis) {}

  /**
   * A version's status across task managers: {@code ready} if any reports READY, else {@code
   * loading}, else {@code failed} (with the latest cause), else {@code unloaded}, else {@code
   * registered} (nobody has reported).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record VersionStatus(
      String state,
      String device,
      Long loadMillis,
      String cause,
      List<TaskManagerStatus> taskManagers) {
    public static final String READY = "ready";
    public static final String LOADING = "loading";
    public static final String FAILED = "failed";
    public static final String UNLOADED = "unloaded";
    public static final String REGISTERED = "registered";

    public static final VersionStatus NONE =
        new VersionStatus(REGISTERED, null, null, null, List.of());
  }

  /** Shadow comparison counts summed over the reporters of the current primary/shadow pair. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ShadowSummary(
      String primaryVersion,
      String shadowVersion,
      long primaryInferences,
      long shadowInferences,
      long compared,
      long agreed,
      long disagreed,
      Double agreementRatio,
      double maxAbsDifference,
      int reporters,
      long timestampMillis) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record VersionView(
      String model,
      Long revision,
      String version,
      String artifactUri,
      String sha256,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      long createdMillis,
      List<String> aliases,
      VersionStatus status) {

    static VersionView of(ModelSpec spec, ModelVersionSpec v, VersionStatus status, boolean top) {
      List<String> aliases = new ArrayList<>();
      sorted(spec.aliases())
          .forEach(
              (alias, target) -> {
                if (target.equals(v.version())) {
                  aliases.add(alias);
                }
              });
      return new VersionView(
          top ? spec.name() : null,
          top ? spec.revision() : null,
          v.version(),
          v.artifactUri(),
          v.sha256(),
          v.inputs(),
          v.outputs(),
          v.createdMillis(),
          aliases,
          status);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ModelView(
      String name,
      long revision,
      List<VersionView> versions,
      Map<String, String> aliases,
      RouteSpec route,
      BatchingConfig batching,
      int replicas,
      Device device,
      double costWeight,
      long idleUnloadTimeoutSeconds,
      String latest,
      ShadowSummary shadow) {}

  /** Aliases in name order, so the JSON reads the same every time. */
  static SortedMap<String, String> sorted(Map<String, String> aliases) {
    return new TreeMap<>(aliases);
  }

  /** One entry of {@code GET /api/v1/models}. */
  public record ModelSummary(
      String name,
      long revision,
      List<String> versions,
      Map<String, String> aliases,
      String latest,
      Map<String, String> status) {}

  public record ModelList(List<ModelSummary> models) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RoutingView(
      String model,
      long revision,
      Map<String, Integer> split,
      String shadow,
      Map<String, String> resolved) {
    static RoutingView of(ModelSpec spec) {
      Map<String, String> resolved = new LinkedHashMap<>();
      for (String target : spec.route().split().keySet()) {
        ModelVersionSpec v = spec.resolve(target);
        resolved.put(target, v == null ? null : v.version());
      }
      String shadow = spec.route().shadow();
      if (shadow != null) {
        ModelVersionSpec v = spec.resolve(shadow);
        resolved.put(shadow, v == null ? null : v.version());
      }
      return new RoutingView(spec.name(), spec.revision(), spec.route().split(), shadow, resolved);
    }
  }

  public record SettingsView(
      String model,
      long revision,
      BatchingConfig batching,
      int replicas,
      Device device,
      double costWeight,
      long idleUnloadTimeoutSeconds) {
    static SettingsView of(ModelSpec spec) {
      return new SettingsView(
          spec.name(),
          spec.revision(),
          spec.batching(),
          spec.replicas(),
          spec.device(),
          spec.costWeight(),
          spec.idleUnloadTimeoutSeconds());
    }
  }

  public record AliasView(
      String model, long revision, String alias, String version, Map<String, String> aliases) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DeletedView(
      String model, long revision, String version, String alias, boolean modelDeleted) {}

  public record Health(String status, boolean writable) {}
}
