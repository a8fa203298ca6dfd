package io.inferstream.bench;

/**
 * One model's cold-load figures. Through the pipeline (the in-process stack): the first request's
 * latency (the job loads the model for it), the warm latency after it, the {@code load_millis} of
 * the model's READY status event, and this JVM's resident set before the first request and after
 * the warm ones (each after a GC). Isolated: a fresh JVM that only loads the model ({@link
 * ModelLoadProbe}), once with a default heap ({@code isolated}: what a fresh process sees, the
 * artifact's heap copy included) and once with its heap touched in advance ({@code nativeIsolated}:
 * Java heap use no longer moves the resident set, so the growth is ONNX Runtime's native memory for
 * the session — what a long-running task manager pays per loaded model). Milliseconds and bytes;
 * {@code NaN}, {@code -1} or a null result mean "not measured".
 */
record ColdLoadRow(
    String model,
    String version,
    long artifactBytes,
    double firstRequestMillis,
    double warmMillis,
    long loadMillis,
    long stackRssBefore,
    long stackRssAfter,
    ModelLoadProbe.Result isolated,
    ModelLoadProbe.Result nativeIsolated,
    String notes) {

  /** Artifacts below this size get no ratio in the table: fixed overheads would dominate it. */
  static final long RATIO_MIN_ARTIFACT_BYTES = 1 << 20;

  /** Growth of the stack JVM's resident set across the load (when {@link #hasStackRss()}). */
  long stackRssDelta() {
    return stackRssAfter - stackRssBefore;
  }

  boolean hasStackRss() {
    return stackRssBefore >= 0 && stackRssAfter >= 0;
  }

  /** In-stack growth over artifact size; NaN when not measured. */
  double stackRatio() {
    return hasStackRss() && artifactBytes > 0
        ? (double) stackRssDelta() / artifactBytes
        : Double.NaN;
  }

  /** Isolated growth (default heap) over artifact size; NaN when not measured. */
  double isolatedRatio() {
    return ratio(isolated);
  }

  /**
   * Native growth over artifact size: what {@code inference.model.memory-factor} estimates for a
   * loaded session; NaN when not measured.
   */
  double nativeRatio() {
    return ratio(nativeIsolated);
  }

  private double ratio(ModelLoadProbe.Result result) {
    return result != null && artifactBytes > 0
        ? (double) result.rssDelta() / artifactBytes
        : Double.NaN;
  }
}
