package io.inferstream.job.records;

/**
 * One record of the registry topic: a model's whole current spec as JSON, or a tombstone ({@code
 * spec == null}) that deletes the model.
 */
public class RegistryUpdate {
  public String model;
  public long revision;
  public String spec;

  public RegistryUpdate() {}

  public RegistryUpdate(String model, long revision, String spec) {
    this.model = model;
    this.revision = revision;
    this.spec = spec;
  }

  public boolean isTombstone() {
    return spec == null;
  }
}
