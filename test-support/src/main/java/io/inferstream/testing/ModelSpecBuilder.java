package io.inferstream.testing;

import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.RouteSpec;
import io.inferstream.schemas.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model specs for tests: revision 1, one replica, device AUTO, batching 32 rows / 2 ms, the default
 * route, unless set; and versions with the demo {@code affine} model's signature.
 */
public final class ModelSpecBuilder {
  /** The affine model's input and output: {@code FP32 [-1, 4]}. */
  public static final List<TensorSpec> AFFINE_INPUTS =
      List.of(new TensorSpec("input", DataType.FP32, new long[] {-1, 4}));

  public static final List<TensorSpec> AFFINE_OUTPUTS =
      List.of(new TensorSpec("output", DataType.FP32, new long[] {-1, 4}));

  private final String name;
  private long revision = 1;
  private final List<ModelVersionSpec> versions = new ArrayList<>();
  private final Map<String, String> aliases = new LinkedHashMap<>();
  private RouteSpec route = RouteSpec.DEFAULT;
  private BatchingConfig batching = new BatchingConfig(32, List.of(), 2000);
  private int replicas = 1;
  private Device device = Device.AUTO;
  private double costWeight = 1.0;
  private long idleUnloadTimeoutSeconds;

  private ModelSpecBuilder(String name) {
    this.name = name;
  }

  public static ModelSpecBuilder model(String name) {
    return new ModelSpecBuilder(name);
  }

  /**
   * A version with the affine signature ({@link #AFFINE_INPUTS}, {@link #AFFINE_OUTPUTS}), created
   * at 0.
   */
  public static ModelVersionSpec affineVersion(String version, String artifactUri, String sha256) {
    return new ModelVersionSpec(version, artifactUri, sha256, AFFINE_INPUTS, AFFINE_OUTPUTS, 0L);
  }

  public ModelSpecBuilder revision(long revision) {
    this.revision = revision;
    return this;
  }

  public ModelSpecBuilder version(ModelVersionSpec version) {
    versions.add(version);
    return this;
  }

  public ModelSpecBuilder versions(List<ModelVersionSpec> versions) {
    this.versions.addAll(versions);
    return this;
  }

  public ModelSpecBuilder alias(String alias, String version) {
    aliases.put(alias, version);
    return this;
  }

  public ModelSpecBuilder aliases(Map<String, String> aliases) {
    this.aliases.putAll(aliases);
    return this;
  }

  public ModelSpecBuilder route(RouteSpec route) {
    this.route = route;
    return this;
  }

  public ModelSpecBuilder batching(BatchingConfig batching) {
    this.batching = batching;
    return this;
  }

  public ModelSpecBuilder replicas(int replicas) {
    this.replicas = replicas;
    return this;
  }

  public ModelSpecBuilder device(Device device) {
    this.device = device;
    return this;
  }

  public ModelSpecBuilder costWeight(double costWeight) {
    this.costWeight = costWeight;
    return this;
  }

  public ModelSpecBuilder idleUnloadTimeoutSeconds(long seconds) {
    this.idleUnloadTimeoutSeconds = seconds;
    return this;
  }

  public ModelSpec build() {
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
