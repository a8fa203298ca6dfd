package io.inferstream.job.records;

import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import java.util.Objects;

/**
 * The model version a request runs on, with what a task manager needs to load it: artifact URI,
 * sha256, device and idle timeout. Batches carry it, so a batch restored from a checkpoint can run
 * before the registry's specs have been read again.
 */
public class ServingTarget {
  public String model;
  public String version;
  public String artifactUri;
  public String sha256;

  /** {@code auto}, {@code cpu} or {@code cuda}. */
  public String device;

  /** 0 means the job's default. */
  public long idleUnloadTimeoutSeconds;

  public ServingTarget() {}

  public static ServingTarget of(ModelSpec spec, ModelVersionSpec version) {
    ServingTarget target = new ServingTarget();
    target.model = spec.name();
    target.version = version.version();
    target.artifactUri = version.artifactUri();
    target.sha256 = version.sha256();
    target.device = spec.device().name().toLowerCase(java.util.Locale.ROOT);
    target.idleUnloadTimeoutSeconds = spec.idleUnloadTimeoutSeconds();
    return target;
  }

  /** Sessions are shared by content and device: two names for one file load it once. */
  public String sessionKey() {
    return sha256 + "/" + device;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServingTarget other
        && Objects.equals(model, other.model)
        && Objects.equals(version, other.version)
        && Objects.equals(artifactUri, other.artifactUri)
        && Objects.equals(sha256, other.sha256)
        && Objects.equals(device, other.device)
        && idleUnloadTimeoutSeconds == other.idleUnloadTimeoutSeconds;
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, version, sha256, device);
  }

  @Override
  public String toString() {
    return "model '" + model + "' " + version;
  }
}
