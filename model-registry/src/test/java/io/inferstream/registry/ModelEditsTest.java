package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelStatusEvent.State;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.TensorSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry's spec edits and status folding, without Kafka or HTTP. */
class ModelEditsTest {
  private static final ModelEdits.Defaults DEFAULTS =
      new ModelEdits.Defaults(new BatchingConfig(32, List.of(), 2000));

  private static ModelVersionSpec version(String v, char sha) {
    TensorSpec io = new TensorSpec("input", DataType.FP32, new long[] {-1, 4});
    return new ModelVersionSpec(
        v, "http://r/a/" + sha, String.valueOf(sha).repeat(64), List.of(io), List.of(io), 0);
  }

  private static ModelSpec twoVersions() {
    ModelSpec spec = ModelEdits.addVersion(null, "m", version("1.0.0", 'a'), DEFAULTS);
    return ModelEdits.addVersion(spec, "m", version("2.0.0", 'b'), DEFAULTS);
  }

  @Test
  void firstVersionIsProdAndLaterOnesAreNotPromotedByThemselves() {
    ModelSpec spec = twoVersions();
    assertThat(spec.aliases()).containsExactly(Map.entry("prod", "1.0.0"));
    assertThat(spec.route().split()).containsExactly(Map.entry("prod", 100));
    assertThat(spec.batching().maxBatchSize()).isEqualTo(32);
    assertThatThrownBy(() -> ModelEdits.addVersion(spec, "m", version("1.0.0", 'c'), DEFAULTS))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("a".repeat(64))
        .satisfies(e -> assertThat(((RegistryException) e).status()).isEqualTo(409));
  }

  @Test
  void promoteMovesAnAliasToAnExistingVersionOnly() {
    ModelSpec promoted = ModelEdits.setAlias(twoVersions(), "prod", "2.0.0");
    assertThat(promoted.aliases()).containsEntry("prod", "2.0.0");
    assertThatThrownBy(() -> ModelEdits.setAlias(promoted, "prod", "9.0.0"))
        .isInstanceOf(RegistryException.class);
    assertThatThrownBy(() -> ModelEdits.checkAlias("1.2.3")).isInstanceOf(RegistryException.class);
    assertThatThrownBy(() -> ModelEdits.checkAlias("latest")).isInstanceOf(RegistryException.class);
  }

  @Test
  void routeTargetsMustResolveAndInUseVersionsCannotBeDeleted() {
    ModelSpec spec = ModelEdits.setAlias(twoVersions(), "canary", "2.0.0");
    ModelSpec routed = ModelEdits.setRoute(spec, Map.of("prod", 90, "canary", 10), "2.0.0");
    assertThat(routed.route().split()).containsEntry("canary", 10);
    assertThat(routed.route().shadow()).isEqualTo("2.0.0");
    assertThatThrownBy(() -> ModelEdits.setRoute(spec, Map.of("nope", 100), null))
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> ModelEdits.setRoute(spec, Map.of("prod", 0), null))
        .isInstanceOf(RegistryException.class);
    assertThatThrownBy(() -> ModelEdits.removeVersion(routed, "2.0.0"))
        .isInstanceOf(RegistryException.class)
        .satisfies(e -> assertThat(((RegistryException) e).status()).isEqualTo(409));
    assertThatThrownBy(() -> ModelEdits.removeAlias(routed, "canary"))
        .isInstanceOf(RegistryException.class);
  }

  @Test
  void anAliasTheRouteUsesCannotBeRemoved() {
    ModelSpec one = ModelEdits.addVersion(null, "m", version("1.0.0", 'a'), DEFAULTS);
    assertThatThrownBy(() -> ModelEdits.removeAlias(one, "prod"))
        .hasMessageContaining("in use by the route");
  }

  @Test
  void statusFoldsTheLatestEventPerTaskManager() {
    StatusBoard board = new StatusBoard();
    ModelVersionSpec v = version("1.0.0", 'a');
    assertThat(board.status("m", v).state()).isEqualTo("registered");
    board.apply(event(v, State.LOADING, "tm-1", 1, null));
    assertThat(board.status("m", v).state()).isEqualTo("loading");
    board.apply(event(v, State.FAILED, "tm-1", 2, "no CUDA"));
    assertThat(board.status("m", v).state()).isEqualTo("failed");
    assertThat(board.status("m", v).cause()).isEqualTo("no CUDA");
    board.apply(event(v, State.READY, "tm-2", 3, null));
    assertThat(board.status("m", v).state()).isEqualTo("ready"); // any task manager ready
    assertThat(board.status("m", v).taskManagers()).hasSize(2);
    board.apply(event(v, State.LOADING, "tm-2", 1, null)); // older than what tm-2 reported
    assertThat(board.status("m", v).state()).isEqualTo("ready");
  }

  private static ModelStatusEvent event(
      ModelVersionSpec v, State state, String tm, long at, String cause) {
    return new ModelStatusEvent("m", v.version(), v.sha256(), state, tm, "cpu", cause, 5, at, null);
  }
}
