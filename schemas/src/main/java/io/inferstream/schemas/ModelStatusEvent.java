package io.inferstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What a task manager reports to the {@code model-status} topic (key {@code model/<name>}): a model
 * version's session loading, ready, failed (with its cause) or unloaded, or a shadow comparison
 * report. The registry folds these into each version's status.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelStatusEvent(
    String model,
    String version,
    String sha256,
    State state,
    String taskManager,
    String device,
    String cause,
    long loadMillis,
    long timestampMillis,
    ShadowReport shadow) {

  /** The life of a model version's session on one task manager. */
  public enum State {
    LOADING,
    READY,
    FAILED,
    UNLOADED,
    /** Not a session state: {@link #shadow} holds a comparison report. */
    SHADOW_REPORT
  }

  /**
   * Shadow comparison counts since the reporting task started: requests the primary and the shadow
   * answered, how many pairs were compared, and how many agreed (same output names, shapes and
   * values within tolerance).
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record ShadowReport(
      String primaryVersion,
      String shadowVersion,
      long primaryInferences,
      long shadowInferences,
      long compared,
      long agreed,
      long disagreed,
      double maxAbsDifference) {}
}
