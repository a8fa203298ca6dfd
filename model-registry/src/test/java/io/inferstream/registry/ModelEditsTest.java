package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.RouteSpec;
import io.inferstream.testing.ModelSpecBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ModelEditsTest {
  private static final ModelEdits.Defaults DEFAULTS =
      new ModelEdits.Defaults(new BatchingConfig(32, List.of(), 2000));

  private static ModelVersionSpec version(String v) {
    return ModelSpecBuilder.affineVersion(v, "http://registry/api/v1/artifacts/" + sha(v), sha(v));
  }

  private static String sha(String v) {
    return String.valueOf(v.charAt(0)).repeat(64);
  }

  /** affine with 1.0.0 (prod) and 2.0.0. */
  private static ModelSpec twoVersions() {
    ModelSpec one =
        ModelEdits.addVersion(null, "affine", version("1.0.0"), DEFAULTS).withRevision(1);
    return ModelEdits.addVersion(one, "affine", version("2.0.0"), DEFAULTS).withRevision(2);
  }

  @Test
  void theFirstVersionOfANewModelIsProdWithTheDefaultRouteAndBatching() {
    ModelSpec spec = ModelEdits.addVersion(null, "affine", version("1.0.0"), DEFAULTS);
    assertThat(spec.name()).isEqualTo("affine");
    assertThat(spec.aliases()).isEqualTo(Map.of("prod", "1.0.0"));
    assertThat(spec.route()).isEqualTo(RouteSpec.DEFAULT);
    assertThat(spec.batching()).isEqualTo(new BatchingConfig(32, List.of(), 2000));
    assertThat(spec.replicas()).isEqualTo(1);
    assertThat(spec.device()).isEqualTo(Device.AUTO);
    assertThat(spec.costWeight()).isEqualTo(1.0);
  }

  @Test
  void laterVersionsLeaveAliasesAloneAndStaySorted() {
    ModelSpec spec = twoVersions();
    ModelSpec three = ModelEdits.addVersion(spec, "affine", version("10.0.0"), DEFAULTS);
    ModelSpec withPatch = ModelEdits.addVersion(three, "affine", version("3.0.0"), DEFAULTS);
    assertThat(withPatch.versions())
        .extracting(ModelVersionSpec::version)
        .containsExactly("1.0.0", "2.0.0", "3.0.0", "10.0.0");
    assertThat(withPatch.aliases()).isEqualTo(Map.of("prod", "1.0.0"));
  }

  @Test
  void aDuplicateVersionIsAConflictThatNamesTheStoredChecksum() {
    refused(() -> ModelEdits.addVersion(twoVersions(), "affine", version("2.0.0"), DEFAULTS), 409)
        .hasMessageContaining("already has version 2.0.0 (sha256 " + sha("2") + ")");
  }

  @Test
  void namesVersionsAndAliasesAreChecked() {
    assertThat(ModelEdits.checkModelName("digits-mlp_v2.1")).isEqualTo("digits-mlp_v2.1");
    refused(() -> ModelEdits.checkModelName("-leading"), 400)
        .hasMessageContaining("invalid model name");
    refused(() -> ModelEdits.checkModelName("a/b"), 400);
    refused(() -> ModelEdits.checkModelName("x".repeat(65)), 400);
    assertThat(ModelEdits.checkVersion("1")).isEqualTo("1.0.0");
    assertThat(ModelEdits.checkVersion("1.2")).isEqualTo("1.2.0");
    refused(() -> ModelEdits.checkVersion("v1"), 400).hasMessageContaining("invalid version 'v1'");
    refused(() -> ModelEdits.checkVersion("1.2.3.4"), 400);
    assertThat(ModelEdits.checkAlias("canary")).isEqualTo("canary");
    refused(() -> ModelEdits.checkAlias("2.0"), 400)
        .hasMessageContaining("would read as a version");
    refused(() -> ModelEdits.checkAlias("latest"), 400).hasMessageContaining("'latest'");
    refused(() -> ModelEdits.checkAlias("has space"), 400);
  }

  @Test
  void promoteMovesAnAliasToAnExistingVersion() {
    ModelSpec promoted = ModelEdits.setAlias(twoVersions(), "prod", "2.0.0");
    assertThat(promoted.aliases()).isEqualTo(Map.of("prod", "2.0.0"));
    assertThat(promoted.resolve(null).version()).isEqualTo("2.0.0");
  }

  @Test
  void anAliasCanBeSetFromAnotherAliasOrLatestAndStoresTheVersion() {
    ModelSpec staged = ModelEdits.setAlias(twoVersions(), "staging", "latest");
    assertThat(staged.aliases()).containsEntry("staging", "2.0.0");
    ModelSpec copied = ModelEdits.setAlias(staged, "canary", "prod");
    assertThat(copied.aliases()).containsEntry("canary", "1.0.0");
    assertThat(ModelEdits.setAlias(twoVersions(), "old", "1").aliases())
        .containsEntry("old", "1.0.0");
  }

  @Test
  void anAliasMustPointAtSomethingThatExists() {
    refused(() -> ModelEdits.setAlias(twoVersions(), "prod", "3.0.0"), 400)
        .hasMessageContaining("'3.0.0' is neither a version nor an alias")
        .hasMessageContaining("versions: 1.0.0, 2.0.0");
    refused(() -> ModelEdits.setAlias(twoVersions(), "prod", "nightly"), 400);
  }

  @Test
  void anAliasTheRouteUsesCannotBeDeleted() {
    refused(() -> ModelEdits.removeAlias(twoVersions(), "prod"), 409)
        .hasMessageContaining("alias 'prod' of model 'affine' is in use by the route's split");
    ModelSpec staged = ModelEdits.setAlias(twoVersions(), "staging", "2.0.0");
    ModelSpec shadowed = ModelEdits.setRoute(staged, Map.of("prod", 100), "staging");
    refused(() -> ModelEdits.removeAlias(shadowed, "staging"), 409)
        .hasMessageContaining("the route's shadow");
    ModelSpec unshadowed = ModelEdits.setRoute(shadowed, Map.of("prod", 100), null);
    assertThat(ModelEdits.removeAlias(unshadowed, "staging").aliases())
        .doesNotContainKey("staging");
    refused(() -> ModelEdits.removeAlias(unshadowed, "nope"), 404);
  }

  @Test
  void routingTargetsMustResolveAndWeightsMustAddUp() {
    ModelSpec spec = ModelEdits.setAlias(twoVersions(), "canary", "2.0.0");
    Map<String, Integer> split = new LinkedHashMap<>();
    split.put("prod", 90);
    split.put("canary", 10);
    ModelSpec routed = ModelEdits.setRoute(spec, split, "2");
    assertThat(routed.route().split()).isEqualTo(Map.of("prod", 90, "canary", 10));
    assertThat(routed.route().shadow()).isEqualTo("2.0.0");

    refused(() -> ModelEdits.setRoute(spec, Map.of("staging", 100), null), 400)
        .hasMessageContaining("split target 'staging' is neither a version nor an alias");
    refused(() -> ModelEdits.setRoute(spec, Map.of("3.0.0", 100), null), 400)
        .hasMessageContaining("has no such version");
    refused(() -> ModelEdits.setRoute(spec, Map.of("prod", 100), "staging"), 400)
        .hasMessageContaining("shadow 'staging'");
    refused(() -> ModelEdits.setRoute(spec, Map.of("prod", -1, "canary", 5), null), 400)
        .hasMessageContaining("split weight of 'prod' must be an integer >= 0");
    refused(() -> ModelEdits.setRoute(spec, Map.of("prod", 0, "canary", 0), null), 400)
        .hasMessageContaining("add up to more than 0");
    refused(() -> ModelEdits.setRoute(spec, Map.of(), null), 400);
    refused(() -> ModelEdits.setRoute(spec, Map.of("2", 50, "2.0.0", 50), null), 400)
        .hasMessageContaining("twice");
    assertThat(ModelEdits.setRoute(spec, Map.of("latest", 1), null).route().split())
        .isEqualTo(Map.of("latest", 1));
  }

  @Test
  void aVersionInUseCannotBeDeletedAndTheMessageSaysByWhom() {
    refused(() -> ModelEdits.removeVersion(twoVersions(), "1.0.0"), 409)
        .hasMessageContaining("version 1.0.0 of model 'affine' is in use by alias 'prod'");
    ModelSpec routed = ModelEdits.setRoute(twoVersions(), Map.of("prod", 50, "2.0.0", 50), null);
    refused(() -> ModelEdits.removeVersion(routed, "2.0.0"), 409)
        .hasMessageContaining("the route's split");
    ModelSpec shadowed = ModelEdits.setRoute(twoVersions(), Map.of("prod", 100), "2.0.0");
    refused(() -> ModelEdits.removeVersion(shadowed, "2.0.0"), 409)
        .hasMessageContaining("the route's shadow");
    refused(() -> ModelEdits.removeVersion(twoVersions(), "9.0.0"), 404);
  }

  @Test
  void anUnusedVersionIsRemovedAndTheLastOneDeletesTheModel() {
    ModelSpec without = ModelEdits.removeVersion(twoVersions(), "2.0.0");
    assertThat(without.versions()).extracting(ModelVersionSpec::version).containsExactly("1.0.0");

    ModelSpec latestRoute = ModelEdits.setRoute(without, Map.of("latest", 100), null);
    ModelSpec noAlias = ModelEdits.removeAlias(latestRoute, "prod");
    assertThat(ModelEdits.removeVersion(noAlias, "1.0.0")).isNull();
  }

  @Test
  void revisionsGrowByOneAndSurviveADelete() {
    ModelSpec spec = twoVersions();
    assertThat(ModelEdits.nextRevision(spec, 2)).isEqualTo(3);
    assertThat(ModelEdits.nextRevision(null, 0)).isEqualTo(1);
    // deleted at revision 3: a re-created model continues at 4
    assertThat(ModelEdits.nextRevision(null, 3)).isEqualTo(4);
  }

  @Test
  void mergeAddsOnlyMissingVersionsAndKeepsTheRest() {
    ModelSpec held = ModelEdits.setAlias(twoVersions(), "prod", "2.0.0");
    ModelSpec repo =
        ModelSpecBuilder.model("affine")
            .version(version("1.0.0"))
            .version(version("3.0.0"))
            .alias("prod", "3.0.0")
            .batching(new BatchingConfig(256, List.of(64), 1000))
            .replicas(2)
            .device(Device.CPU)
            .build();
    ModelSpec merged = ModelEdits.mergeVersions(held, repo);
    assertThat(merged.versions())
        .extracting(ModelVersionSpec::version)
        .containsExactly("1.0.0", "2.0.0", "3.0.0");
    assertThat(merged.aliases()).isEqualTo(Map.of("prod", "2.0.0"));
    assertThat(merged.batching()).isEqualTo(held.batching());
    assertThat(ModelEdits.mergeVersions(merged, repo)).isSameAs(merged);
    assertThat(ModelEdits.mergeVersions(null, repo)).isSameAs(repo);
  }

  @Test
  void settingsChangeOnlyWhatThePatchNames() throws Exception {
    SettingsPatch patch =
        SettingsPatch.parse(
            new ObjectMapper()
                .readTree(
                    "{\"batching\":{\"max_batch_size\":64,\"preferred_batch_size\":[16,32]},"
                        + "\"replicas\":3,\"device\":\"cuda\",\"cost_weight\":2.5,"
                        + "\"idle_unload_timeout_seconds\":600}"));
    ModelSpec changed = ModelEdits.applySettings(twoVersions(), patch);
    assertThat(changed.batching()).isEqualTo(new BatchingConfig(64, List.of(16, 32), 2000));
    assertThat(changed.replicas()).isEqualTo(3);
    assertThat(changed.device()).isEqualTo(Device.CUDA);
    assertThat(changed.costWeight()).isEqualTo(2.5);
    assertThat(changed.idleUnloadTimeoutSeconds()).isEqualTo(600);
    assertThat(changed.versions()).isEqualTo(twoVersions().versions());

    SettingsPatch delayOnly =
        SettingsPatch.parse(
            new ObjectMapper().readTree("{\"batching\":{\"max_queue_delay_microseconds\":0}}"));
    assertThat(ModelEdits.applySettings(changed, delayOnly).batching())
        .isEqualTo(new BatchingConfig(64, List.of(16, 32), 0));
  }

  @Test
  void invalidSettingsNameTheirField() {
    settingsRefused("{\"replicas\":0}", "replicas must be an integer >= 1");
    settingsRefused("{\"replicas\":\"two\"}", "replicas must be an integer >= 1");
    settingsRefused("{\"device\":\"tpu\"}", "device: invalid device 'tpu'");
    settingsRefused("{\"cost_weight\":0}", "cost_weight must be a number > 0");
    settingsRefused("{\"idle_unload_timeout_seconds\":-5}", "idle_unload_timeout_seconds must be");
    settingsRefused("{\"batching\":{\"max_batch_size\":0}}", "batching.max_batch_size must be");
    settingsRefused(
        "{\"batching\":{\"max_queue_delay_microseconds\":1.5}}",
        "batching.max_queue_delay_microseconds must be");
    settingsRefused("{\"batching\":{\"max_batch\":4}}", "unknown setting 'batching.max_batch'");
    settingsRefused("{\"replica\":2}", "unknown setting 'replica'");
    settingsRefused("{}", "changes nothing");
    // a preferred size above the (unchanged) max_batch_size of 32
    refused(
            () ->
                ModelEdits.applySettings(
                    twoVersions(),
                    SettingsPatch.parse(
                        new ObjectMapper()
                            .readTree("{\"batching\":{\"preferred_batch_size\":[64]}}"))),
            400)
        .hasMessage("batching.preferred_batch_size 64 must be within 1..32");
  }

  private static void settingsRefused(String json, String message) {
    refused(() -> SettingsPatch.parse(new ObjectMapper().readTree(json)), 400)
        .hasMessageContaining(message);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> refused(
      ThrowingCallable call, int status) {
    return assertThatThrownBy(call)
        .isInstanceOf(RegistryException.class)
        .satisfies(e -> assertThat(((RegistryException) e).status()).isEqualTo(status));
  }
}
