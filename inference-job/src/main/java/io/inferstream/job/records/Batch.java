package io.inferstream.job.records;

/** Requests of one model version and one per-row input shape, to run as one inference call. */
public class Batch {
  public ServingTarget target;
  public ServingRequest[] requests;
  public long rows;

  public Batch() {}

  public Batch(ServingTarget target, ServingRequest[] requests, long rows) {
    this.target = target;
    this.requests = requests;
    this.rows = rows;
  }
}
