package io.inferstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelSpecTest {
  private static final ModelSpec SPEC =
      new ModelSpec(
          "affine",
          3,
          List.of(version("1.0.0"), version("2.0.0")),
          Map.of("prod", "1.0.0"),
          new RouteSpec(Map.of("prod", 100), null),
          new BatchingConfig(64, List.of(8), 2000),
          2,
          Device.CPU,
          2.5,
          600);

  @Test
  void eachCopyChangesExactlyItsOwnField() {
    List<ModelVersionSpec> versions = List.of(version("3.0.0"));
    Map<String, String> aliases = Map.of("prod", "2.0.0", "staging", "1.0.0");
    RouteSpec route = new RouteSpec(Map.of("prod", 90, "staging", 10), "2.0.0");
    BatchingConfig batching = new BatchingConfig(8, List.of(), 100);

    assertThat(SPEC.withRevision(4)).isEqualTo(spec(4, SPEC.versions(), SPEC.aliases(), null));
    assertThat(SPEC.withVersions(versions))
        .isEqualTo(spec(3, versions, SPEC.aliases(), SPEC.route()));
    assertThat(SPEC.withAliases(aliases)).isEqualTo(spec(3, SPEC.versions(), aliases, null));
    assertThat(SPEC.withRoute(route)).isEqualTo(spec(3, SPEC.versions(), SPEC.aliases(), route));
    assertThat(SPEC.withBatching(batching).batching()).isEqualTo(batching);
    assertThat(SPEC.withReplicas(5).replicas()).isEqualTo(5);
    assertThat(SPEC.withDevice(Device.CUDA).device()).isEqualTo(Device.CUDA);
    assertThat(SPEC.withCostWeight(0.5).costWeight()).isEqualTo(0.5);
    assertThat(SPEC.withIdleUnloadTimeoutSeconds(0).idleUnloadTimeoutSeconds()).isZero();

    ModelSpec chained =
        SPEC.withBatching(batching)
            .withReplicas(5)
            .withDevice(Device.CUDA)
            .withCostWeight(0.5)
            .withIdleUnloadTimeoutSeconds(0);
    assertThat(chained)
        .isEqualTo(
            new ModelSpec(
                "affine",
                3,
                SPEC.versions(),
                SPEC.aliases(),
                SPEC.route(),
                batching,
                5,
                Device.CUDA,
                0.5,
                0));
  }

  @Test
  void copiesCheckWhatTheConstructorChecks() {
    assertThatThrownBy(() -> SPEC.withReplicas(0)).hasMessageContaining("replicas must be >= 1");
    assertThatThrownBy(() -> SPEC.withIdleUnloadTimeoutSeconds(-1))
        .hasMessageContaining("idle_unload_timeout_seconds must be >= 0");
    assertThat(SPEC.withAliases(null).aliases()).isEmpty();
  }

  /** SPEC with the given revision, versions, aliases and route (null: the default route). */
  private static ModelSpec spec(
      long revision,
      List<ModelVersionSpec> versions,
      Map<String, String> aliases,
      RouteSpec route) {
    return new ModelSpec(
        "affine",
        revision,
        versions,
        aliases,
        route != null ? route : SPEC.route(),
        SPEC.batching(),
        SPEC.replicas(),
        SPEC.device(),
        SPEC.costWeight(),
        SPEC.idleUnloadTimeoutSeconds());
  }

  private static ModelVersionSpec version(String version) {
    return new ModelVersionSpec(
        version,
        "file:///m/affine/" + version + "/model.onnx",
        "ab",
        List.of(new TensorSpec("input", DataType.FP32, new long[] {-1, 4})),
        List.of(new TensorSpec("output", DataType.FP32, new long[] {-1, 4})),
        5L);
  }
}
