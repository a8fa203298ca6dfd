package io.inferstream.job.records;

/** Requests of one model version and one per-row input shape, to run as one inference call. */
public class Batch {
  public String model;
  public String version;
  public ServingRequest[] requests;
  public long rows;

  public Batch() {}

  public Batch(String model, String version, ServingRequest[] requests, long rows) {
    this.model = model;
    this.version = version;
    this.requests = requests;
    this.rows = rows;
  }
}
