package io.inferstream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The headline rows of a run and how the pipeline compares with the raw ceiling and the passthrough
 * baseline. Any row may be null when its phase did not run.
 */
record RunSummary(ResultRow open, ResultRow max, ResultRow raw, ResultRow passthrough) {

  /** The pipeline's throughput row: saturation when measured, else the open-loop phase. */
  ResultRow pipeline() {
    return max != null ? max : open;
  }

  boolean saturated() {
    return max != null;
  }

  double pipelineOverRaw() {
    return pipeline().itemsPerSecond() / raw.itemsPerSecond();
  }

  double pipelineOverPassthrough() {
    return pipeline().itemsPerSecond() / passthrough.itemsPerSecond();
  }

  /** Puts the ratios in front of the pipeline row's notes in {@code results}. */
  void annotate(List<ResultRow> results) {
    ResultRow pipeline = pipeline();
    if (pipeline == null) {
      return;
    }
    List<String> ratios = new ArrayList<>();
    if (raw != null) {
      ratios.add(String.format(Locale.ROOT, "pipeline/raw=%.3f", pipelineOverRaw()));
    }
    if (passthrough != null) {
      ratios.add(
          String.format(Locale.ROOT, "pipeline/passthrough=%.3f", pipelineOverPassthrough()));
    }
    if (!ratios.isEmpty()) {
      int index = results.indexOf(pipeline);
      String notes = pipeline.notes();
      results.set(
          index,
          pipeline.withNotes(
              String.join("; ", ratios) + (notes == null || notes.isEmpty() ? "" : "; " + notes)));
    }
  }
}
