package io.inferstream.registry;

import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.RouteSpec;
import io.inferstream.schemas.SemanticVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The registry's changes to a model spec, as pure functions: each takes the current spec and
 * returns the next one (or {@code null} for "delete the model"), or refuses with a {@link
 * RegistryException} that says why. Revisions are not touched here: the writer sets {@link
 * #nextRevision} on whatever an edit returns.
 */
public final class ModelEdits {
  /** Model and alias names: safe in URLs, record keys and file names. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private ModelEdits() {}

  /** What a new model gets unless an upload or repository says otherwise. */
  public record Defaults(BatchingConfig batching) {}

  // ---------------------------------------------------------------- names

  public static String checkModelName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw RegistryException.badRequest(
          "invalid model name '"
              + name
              + "': use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }

  /** A semantic version in its normal form ({@code 1} becomes {@code 1.0.0}). */
  public static String checkVersion(String version) {
    try {
      return SemanticVersion.parse(version).toString();
    } catch (InferenceException e) {
      throw RegistryException.badRequest(e.getMessage());
    }
  }

  public static String checkAlias(String alias) {
    if (alias == null || !NAME.matcher(alias).matches()) {
      throw RegistryException.badRequest(
          "invalid alias '"
              + alias
              + "': use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (SemanticVersion.isVersion(alias)) {
      throw RegistryException.badRequest(
          "invalid alias '" + alias + "': it would read as a version; aliases are names");
    }
    if (ModelSpec.LATEST.equals(alias)) {
      throw RegistryException.badRequest(
          "invalid alias 'latest': it always means the highest version and cannot be moved");
    }
    return alias;
  }

  // ---------------------------------------------------------------- revisions

  /**
   * The revision of the next record for a model: one more than the current spec's, or, for a model
   * that does not exist (any more), one more than the last revision seen for its name (a deleted
   * and re-created model keeps counting up, so a reader that drops older revisions never drops the
   * new one).
   */
  public static long nextRevision(ModelSpec current, long lastRevisionSeen) {
    long base = current != null ? Math.max(current.revision(), lastRevisionSeen) : lastRevisionSeen;
    return base + 1;
  }

  // ---------------------------------------------------------------- versions

  /**
   * Adds an uploaded version. A new model gets it as {@code prod}, the default route and the
   * default batching; an existing version is a 409 that names its checksum.
   */
  public static ModelSpec addVersion(
      ModelSpec current, String model, ModelVersionSpec version, Defaults defaults) {
    if (current == null) {
      return new ModelSpec(
          model,
          0,
          List.of(version),
          Map.of(ModelSpec.PROD, version.version()),
          RouteSpec.DEFAULT,
          defaults.batching(),
          1,
          Device.AUTO,
          1.0,
          0);
    }
    requireNew(current, version.version());
    List<ModelVersionSpec> versions = new ArrayList<>(current.versions());
    versions.add(version);
    return withSortedVersions(current, versions);
  }

  /** Refuses (409) an existing version, naming its checksum. */
  public static void requireNew(ModelSpec current, String version) {
    ModelVersionSpec existing = current == null ? null : current.version(version);
    if (existing != null) {
      throw RegistryException.conflict(
          "model '"
              + current.name()
              + "' already has version "
              + version
              + " (sha256 "
              + existing.sha256()
              + "); versions are immutable: upload under a new version number");
    }
  }

  /**
   * Adds every version of {@code repository} that {@code current} lacks (for seeding). A model the
   * registry does not hold is taken as the repository describes it.
   *
   * @return the new spec, or {@code current} itself when nothing is missing
   */
  public static ModelSpec mergeVersions(ModelSpec current, ModelSpec repository) {
    if (current == null) {
      return repository;
    }
    List<ModelVersionSpec> versions = new ArrayList<>(current.versions());
    for (ModelVersionSpec version : repository.versions()) {
      if (current.version(version.version()) == null) {
        versions.add(version);
      }
    }
    return versions.size() == current.versions().size()
        ? current
        : withSortedVersions(current, versions);
  }

  /**
   * Removes a version; refused (409) while an alias or the route points at it.
   *
   * @return the spec without it, or {@code null} when it was the last version (delete the model)
   */
  public static ModelSpec removeVersion(ModelSpec current, String version) {
    requireVersion(current, version);
    List<String> users = new ArrayList<>();
    current
        .aliases()
        .forEach(
            (alias, target) -> {
              if (target.equals(version)) {
                users.add("alias '" + alias + "'");
              }
            });
    if (current.route().split().containsKey(version)) {
      users.add("the route's split");
    }
    if (version.equals(current.route().shadow())) {
      users.add("the route's shadow");
    }
    if (!users.isEmpty()) {
      throw RegistryException.conflict(
          "version "
              + version
              + " of model '"
              + current.name()
              + "' is in use by "
              + String.join(" and ", users)
              + "; move the alias or change the routing first");
    }
    List<ModelVersionSpec> versions = new ArrayList<>(current.versions());
    versions.removeIf(v -> v.version().equals(version));
    return versions.isEmpty() ? null : withSortedVersions(current, versions);
  }

  // ---------------------------------------------------------------- aliases

  /**
   * Points an alias at a version (creating or moving it: a promotion). The target may be a version,
   * another alias (promote whatever {@code staging} points at) or {@code latest}; the alias stores
   * the concrete version.
   */
  public static ModelSpec setAlias(ModelSpec current, String alias, String target) {
    checkAlias(alias);
    if (target == null || target.isBlank()) {
      throw RegistryException.badRequest("body must name the alias's \"version\"");
    }
    ModelVersionSpec resolved = resolveTarget(current, target);
    Map<String, String> aliases = new TreeMap<>(current.aliases());
    aliases.put(alias, resolved.version());
    return current.withAliases(aliases);
  }

  /** Removes an alias; refused (409) while the route uses it. */
  public static ModelSpec removeAlias(ModelSpec current, String alias) {
    if (!current.aliases().containsKey(alias)) {
      throw RegistryException.notFound(
          "model '" + current.name() + "' has no alias '" + alias + "'");
    }
    List<String> users = new ArrayList<>();
    if (current.route().split().containsKey(alias)) {
      users.add("the route's split");
    }
    if (alias.equals(current.route().shadow())) {
      users.add("the route's shadow");
    }
    if (!users.isEmpty()) {
      throw RegistryException.conflict(
          "alias '"
              + alias
              + "' of model '"
              + current.name()
              + "' is in use by "
              + String.join(" and ", users)
              + "; change the routing first");
    }
    Map<String, String> aliases = new TreeMap<>(current.aliases());
    aliases.remove(alias);
    return current.withAliases(aliases);
  }

  // ---------------------------------------------------------------- routing

  /**
   * Sets the default route. Every split target and the shadow must resolve now (an alias, an
   * existing version, or {@code latest}); weights are non-negative with a positive sum. Version
   * targets are stored in normal form ({@code 2} becomes {@code 2.0.0}).
   */
  public static ModelSpec setRoute(ModelSpec current, Map<String, Integer> split, String shadow) {
    if (split == null || split.isEmpty()) {
      throw RegistryException.badRequest(
          "routing needs a \"split\" naming at least one alias or version, e.g. {\"prod\": 100}");
    }
    Map<String, Integer> normalised = new LinkedHashMap<>();
    long total = 0;
    for (Map.Entry<String, Integer> entry : split.entrySet()) {
      String target = normaliseTarget(current, entry.getKey(), "split target");
      Integer weight = entry.getValue();
      if (weight == null || weight < 0) {
        throw RegistryException.badRequest(
            "split weight of '" + entry.getKey() + "' must be an integer >= 0, got " + weight);
      }
      if (normalised.putIfAbsent(target, weight) != null) {
        throw RegistryException.badRequest(
            "split names " + target + " twice (as '" + entry.getKey() + "')");
      }
      total += weight;
    }
    if (total <= 0) {
      throw RegistryException.badRequest("split weights must add up to more than 0");
    }
    String shadowTarget =
        shadow == null || shadow.isEmpty() ? null : normaliseTarget(current, shadow, "shadow");
    RouteSpec route;
    try {
      route = new RouteSpec(normalised, shadowTarget);
    } catch (IllegalArgumentException e) {
      throw RegistryException.badRequest(e.getMessage());
    }
    return current.withRoute(route);
  }

  // ---------------------------------------------------------------- settings

  /** Applies a settings patch (fields left null keep their value); invalid values are 400s. */
  public static ModelSpec applySettings(ModelSpec current, SettingsPatch patch) {
    BatchingConfig batching = current.batching();
    if (patch.maxBatchSize() != null
        || patch.preferredBatchSize() != null
        || patch.maxQueueDelayMicroseconds() != null) {
      try {
        batching =
            new BatchingConfig(
                patch.maxBatchSize() != null ? patch.maxBatchSize() : batching.maxBatchSize(),
                patch.preferredBatchSize() != null
                    ? patch.preferredBatchSize()
                    : batching.preferredBatchSize(),
                patch.maxQueueDelayMicroseconds() != null
                    ? patch.maxQueueDelayMicroseconds()
                    : batching.maxQueueDelayMicroseconds());
      } catch (IllegalArgumentException e) {
        throw RegistryException.badRequest("batching." + e.getMessage());
      }
    }
    int replicas = patch.replicas() != null ? patch.replicas() : current.replicas();
    if (replicas < 1 || replicas > SettingsPatch.MAX_REPLICAS) {
      throw RegistryException.badRequest(
          "replicas must be within 1.." + SettingsPatch.MAX_REPLICAS + ", got " + replicas);
    }
    double costWeight = patch.costWeight() != null ? patch.costWeight() : current.costWeight();
    if (!(costWeight > 0) || Double.isInfinite(costWeight)) {
      throw RegistryException.badRequest("cost_weight must be a number > 0, got " + costWeight);
    }
    long idle =
        patch.idleUnloadTimeoutSeconds() != null
            ? patch.idleUnloadTimeoutSeconds()
            : current.idleUnloadTimeoutSeconds();
    if (idle < 0) {
      throw RegistryException.badRequest(
          "idle_unload_timeout_seconds must be >= 0 (0 = the job's default), got " + idle);
    }
    return current
        .withBatching(batching)
        .withReplicas(replicas)
        .withDevice(patch.device() != null ? patch.device() : current.device())
        .withCostWeight(costWeight)
        .withIdleUnloadTimeoutSeconds(idle);
  }

  // ---------------------------------------------------------------- helpers

  /** The version a reference names; 404 for a model version that does not exist. */
  public static ModelVersionSpec requireVersion(ModelSpec current, String version) {
    ModelVersionSpec spec = current.version(version);
    if (spec == null) {
      throw RegistryException.notFound(
          "model '" + current.name() + "' has no version " + version + known(current));
    }
    return spec;
  }

  private static ModelVersionSpec resolveTarget(ModelSpec current, String target) {
    ModelVersionSpec resolved = null;
    if (SemanticVersion.isVersion(target)) {
      resolved = current.version(SemanticVersion.parse(target).toString());
    } else if (current.aliases().containsKey(target) || ModelSpec.LATEST.equals(target)) {
      resolved = current.resolve(target);
    }
    if (resolved == null) {
      throw RegistryException.badRequest(
          "'"
              + target
              + "' is neither a version nor an alias of model '"
              + current.name()
              + "'"
              + known(current));
    }
    return resolved;
  }

  private static String normaliseTarget(ModelSpec current, String target, String what) {
    if (target == null || target.isBlank()) {
      throw RegistryException.badRequest(what + " must be an alias or a version");
    }
    if (SemanticVersion.isVersion(target)) {
      String version = SemanticVersion.parse(target).toString();
      if (current.version(version) == null) {
        throw RegistryException.badRequest(
            what
                + " '"
                + target
                + "': model '"
                + current.name()
                + "' has no such version"
                + known(current));
      }
      return version;
    }
    if (!ModelSpec.LATEST.equals(target) && !current.aliases().containsKey(target)) {
      throw RegistryException.badRequest(
          what
              + " '"
              + target
              + "' is neither a version nor an alias of model '"
              + current.name()
              + "'"
              + known(current));
    }
    return target;
  }

  private static String known(ModelSpec spec) {
    List<String> versions = spec.versions().stream().map(ModelVersionSpec::version).toList();
    return " (versions: "
        + String.join(", ", versions)
        + (spec.aliases().isEmpty()
            ? ""
            : "; aliases: " + String.join(", ", spec.aliases().keySet()))
        + ")";
  }

  private static ModelSpec withSortedVersions(ModelSpec current, List<ModelVersionSpec> versions) {
    List<ModelVersionSpec> sorted = new ArrayList<>(versions);
    sorted.sort(Comparator.comparing(v -> SemanticVersion.parse(v.version())));
    return current.withVersions(sorted);
  }
}
