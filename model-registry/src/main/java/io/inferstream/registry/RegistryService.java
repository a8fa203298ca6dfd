package io.inferstream.registry;

import io.inferstream.onnx.ModelRepository;
import io.inferstream.onnx.SignatureReader;
import io.inferstream.registry.ApiViews.AliasView;
import io.inferstream.registry.ApiViews.DeletedView;
import io.inferstream.registry.ApiViews.Health;
import io.inferstream.registry.ApiViews.ModelList;
import io.inferstream.registry.ApiViews.ModelSummary;
import io.inferstream.registry.ApiViews.ModelView;
import io.inferstream.registry.ApiViews.RoutingView;
import io.inferstream.registry.ApiViews.SettingsView;
import io.inferstream.registry.ApiViews.VersionView;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.SemanticVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the API does, without HTTP: reads from the topic's in-memory view, and writes through {@link
 * RegistryTopic#write} with the edits of {@link ModelEdits}. Uploads and seeding share one path:
 * validate, store the artifact, publish.
 */
final class RegistryService {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryService.class);
  static final String ARTIFACTS_PATH = "/api/v1/artifacts/";

  private final RegistrySettings settings;
  private final RegistryTopic topic;
  private final StatusBoard board;
  private final ArtifactStore store;
  private final OnnxValidator validator;
  private final Supplier<String> baseUrl;
  private final ModelEdits.Defaults defaults;

  RegistryService(
      RegistrySettings settings,
      RegistryTopic topic,
      StatusBoard board,
      ArtifactStore store,
      OnnxValidator validator,
      Supplier<String> baseUrl) {
    this.settings = settings;
    this.topic = topic;
    this.board = board;
    this.store = store;
    this.validator = validator;
    this.baseUrl = baseUrl;
    this.defaults = new ModelEdits.Defaults(settings.defaultBatching());
  }

  ArtifactStore store() {
    return store;
  }

  Health health() {
    return new Health(topic.ready() ? "ok" : "starting", topic.readOnlyReason() == null);
  }

  boolean ready() {
    return topic.ready();
  }

  // ---------------------------------------------------------------- reads

  ModelList list() {
    requireReady();
    List<ModelSummary> models = new ArrayList<>();
    for (ModelSpec spec : topic.models().values()) {
      Map<String, String> status = new LinkedHashMap<>();
      List<String> versions = new ArrayList<>();
      for (ModelVersionSpec v : spec.versions()) {
        versions.add(v.version());
        status.put(v.version(), board.status(spec.name(), v).state());
      }
      ModelVersionSpec latest = spec.latest();
      models.add(
          new ModelSummary(
              spec.name(),
              spec.revision(),
              versions,
              ApiViews.sorted(spec.aliases()),
              latest == null ? null : latest.version(),
              status));
    }
    return new ModelList(models);
  }

  ModelView model(String name) {
    return view(existing(name));
  }

  ModelView view(ModelSpec spec) {
    List<VersionView> versions = new ArrayList<>();
    for (ModelVersionSpec v : spec.versions()) {
      versions.add(VersionView.of(spec, v, board.status(spec.name(), v), false));
    }
    ModelVersionSpec latest = spec.latest();
    return new ModelView(
        spec.name(),
        spec.revision(),
        versions,
        ApiViews.sorted(spec.aliases()),
        spec.route(),
        spec.batching(),
        spec.replicas(),
        spec.device(),
        spec.costWeight(),
        spec.idleUnloadTimeoutSeconds(),
        latest == null ? null : latest.version(),
        board.shadow(spec.name()));
  }

  /** A version by reference: a version, an alias or {@code latest}. */
  VersionView version(String name, String ref) {
    ModelSpec spec = existing(name);
    ModelVersionSpec v =
        SemanticVersion.isVersion(ref)
            ? spec.version(ModelEdits.checkVersion(ref))
            : spec.resolve(ref);
    if (v == null) {
      throw RegistryException.notFound(
          "model '" + name + "' has no version or alias '" + ref + "'");
    }
    return VersionView.of(spec, v, board.status(name, v), true);
  }

  List<VersionView> versions(String name) {
    ModelSpec spec = existing(name);
    return spec.versions().stream()
        .map(v -> VersionView.of(spec, v, board.status(name, v), true))
        .toList();
  }

  RoutingView routing(String name) {
    return RoutingView.of(existing(name));
  }

  SettingsView settings(String name) {
    return SettingsView.of(existing(name));
  }

  Map<String, String> aliases(String name) {
    return ApiViews.sorted(existing(name).aliases());
  }

  // ---------------------------------------------------------------- uploads

  /**
   * Checks what can be checked before reading an upload's body: the model name, the version string,
   * and that the version is new.
   *
   * @return the version in normal form
   */
  String precheckUpload(String name, String version) {
    requireReady();
    ModelEdits.checkModelName(name);
    String normal = ModelEdits.checkVersion(version);
    ModelEdits.requireNew(topic.model(name), normal);
    return normal;
  }

  /**
   * Validates a staged upload, stores its artifact and publishes the model with the new version.
   */
  VersionView upload(String name, String version, StagedUpload staged, String declaredSha256) {
    String normal = precheckUpload(name, version);
    if (staged.size() == 0) {
      throw RegistryException.badRequest("the request body is empty: send the ONNX file's bytes");
    }
    if (declaredSha256 != null && !declaredSha256.equals(staged.sha256())) {
      throw RegistryException.badRequest(
          "sha256 mismatch: the body hashes to "
              + staged.sha256()
              + " but the request declared "
              + declaredSha256
              + " (the upload was corrupted or the wrong file was sent)");
    }
    SignatureReader.Signature signature = validator.read(staged.file());
    putArtifact(staged.sha256(), staged.file());
    ModelVersionSpec spec =
        new ModelVersionSpec(
            normal,
            artifactUri(staged.sha256()),
            staged.sha256(),
            signature.inputs(),
            signature.outputs(),
            System.currentTimeMillis());
    RegistryTopic.Written written =
        topic.write(name, current -> ModelEdits.addVersion(current, name, spec, defaults));
    LOG.info(
        "Registered {} {} (sha256 {}, {} bytes) as revision {}",
        name,
        normal,
        staged.sha256(),
        staged.size(),
        written.revision());
    return VersionView.of(written.spec(), spec, board.status(name, spec), true);
  }

  String artifactUri(String sha256) {
    return baseUrl.get() + ARTIFACTS_PATH + sha256;
  }

  // ---------------------------------------------------------------- other writes

  DeletedView deleteVersion(String name, String version) {
    String normal = ModelEdits.checkVersion(version);
    RegistryTopic.Written written =
        topic.write(name, current -> ModelEdits.removeVersion(required(current, name), normal));
    return new DeletedView(name, written.revision(), normal, null, written.spec() == null);
  }

  DeletedView deleteModel(String name) {
    RegistryTopic.Written written =
        topic.write(
            name,
            current -> {
              required(current, name);
              return null;
            });
    return new DeletedView(name, written.revision(), null, null, true);
  }

  AliasView setAlias(String name, String alias, String target) {
    ModelEdits.checkAlias(alias);
    RegistryTopic.Written written =
        topic.write(name, current -> ModelEdits.setAlias(required(current, name), alias, target));
    ModelSpec spec = written.spec();
    return new AliasView(
        name, spec.revision(), alias, spec.aliases().get(alias), ApiViews.sorted(spec.aliases()));
  }

  DeletedView deleteAlias(String name, String alias) {
    RegistryTopic.Written written =
        topic.write(name, current -> ModelEdits.removeAlias(required(current, name), alias));
    return new DeletedView(name, written.revision(), null, alias, false);
  }

  RoutingView setRouting(String name, Map<String, Integer> split, String shadow) {
    RegistryTopic.Written written =
        topic.write(name, current -> ModelEdits.setRoute(required(current, name), split, shadow));
    return RoutingView.of(written.spec());
  }

  SettingsView updateSettings(String name, SettingsPatch patch) {
    RegistryTopic.Written written =
        topic.write(name, current -> ModelEdits.applySettings(required(current, name), patch));
    return SettingsView.of(written.spec());
  }

  // ---------------------------------------------------------------- seeding

  /**
   * Registers every model version of a Triton-style repository that the registry lacks, keeping the
   * repository's batching, replicas and device for models it creates; existing versions (by number)
   * are left alone, so seeding again changes nothing.
   *
   * @return the versions registered, as {@code model:version}
   */
  List<String> seed(Path repository) {
    requireReady();
    SignatureReader reader =
        file -> {
          try {
            return validator.read(file);
          } catch (RegistryException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
          }
        };
    BatchingDefaults batching = new BatchingDefaults(settings);
    List<ModelSpec> specs =
        new ModelRepository(repository, reader, batching.maxBatchSize, batching.maxQueueDelay)
            .load();
    List<String> registered = new ArrayList<>();
    for (ModelSpec repo : specs) {
      String name = repo.name();
      try {
        ModelEdits.checkModelName(name);
      } catch (RegistryException e) {
        LOG.warn("Not seeding {}: {}", name, e.getMessage());
        continue;
      }
      ModelSpec held = topic.model(name);
      List<ModelVersionSpec> added = new ArrayList<>();
      List<ModelVersionSpec> versions = new ArrayList<>();
      for (ModelVersionSpec v : repo.versions()) {
        if (held != null && held.version(v.version()) != null) {
          if (!held.version(v.version()).sha256().equals(v.sha256())) {
            LOG.warn(
                "Not seeding {} {}: the registry holds other bytes (sha256 {}) under that version",
                name,
                v.version(),
                held.version(v.version()).sha256());
          }
          continue;
        }
        putArtifact(v.sha256(), Path.of(URI.create(v.artifactUri())));
        ModelVersionSpec stored =
            new ModelVersionSpec(
                v.version(),
                artifactUri(v.sha256()),
                v.sha256(),
                v.inputs(),
                v.outputs(),
                System.currentTimeMillis());
        versions.add(stored);
        added.add(stored);
      }
      if (added.isEmpty()) {
        continue;
      }
      ModelSpec fromRepository = repo.withRevision(0).withVersions(versions);
      RegistryTopic.Written written =
          topic.write(name, current -> ModelEdits.mergeVersions(current, fromRepository));
      for (ModelVersionSpec v : added) {
        registered.add(name + ":" + v.version());
      }
      LOG.info(
          "Seeded {} {} from {} as revision {}",
          name,
          added.stream().map(ModelVersionSpec::version).toList(),
          repository,
          written.revision());
    }
    return registered;
  }

  private record BatchingDefaults(int maxBatchSize, Duration maxQueueDelay) {
    BatchingDefaults(RegistrySettings settings) {
      this(
          settings.defaultBatching().maxBatchSize(),
          Duration.ofNanos(settings.defaultBatching().maxQueueDelayMicroseconds() * 1000));
    }
  }

  // ---------------------------------------------------------------- helpers

  private void putArtifact(String sha256, Path file) {
    try {
      store.put(sha256, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store artifact " + sha256, e);
    }
  }

  private void requireReady() {
    if (!topic.ready()) {
      throw RegistryException.unavailable("the registry is still reading its topic; retry shortly");
    }
  }

  private ModelSpec existing(String name) {
    requireReady();
    return required(topic.model(name), name);
  }

  private static ModelSpec required(ModelSpec spec, String name) {
    if (spec == null) {
      throw RegistryException.notFound("unknown model '" + name + "'");
    }
    return spec;
  }
}
