package io.inferstream.testing;

import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelStatusEvent.ShadowReport;
import io.inferstream.schemas.ModelStatusEvent.State;

/**
 * Model status events for tests, as the job reports them: session states of one version on one task
 * manager, and shadow comparison reports.
 */
public final class StatusEventBuilder {
  private final String model;
  private final String version;
  private final State state;
  private String sha256;
  private String taskManager;
  private String device;
  private String cause;
  private long loadMillis;
  private long timestampMillis;

  private StatusEventBuilder(String model, String version, State state) {
    this.model = model;
    this.version = version;
    this.state = state;
  }

  /** A session state of one model version. */
  public static StatusEventBuilder status(String model, String version, State state) {
    return new StatusEventBuilder(model, version, state);
  }

  /**
   * A shadow comparison report from {@code reporter}: {@code compared} requests answered by both
   * versions and compared, {@code agreed} of them alike.
   */
  public static ModelStatusEvent shadowReport(
      String model,
      String reporter,
      String primaryVersion,
      String shadowVersion,
      long compared,
      long agreed,
      double maxAbsDifference,
      long timestampMillis) {
    return new ModelStatusEvent(
        model,
        null,
        null,
        State.SHADOW_REPORT,
        reporter,
        null,
        null,
        0,
        timestampMillis,
        new ShadowReport(
            primaryVersion,
            shadowVersion,
            compared,
            compared,
            compared,
            agreed,
            compared - agreed,
            maxAbsDifference));
  }

  public StatusEventBuilder sha256(String sha256) {
    this.sha256 = sha256;
    return this;
  }

  public StatusEventBuilder taskManager(String taskManager) {
    this.taskManager = taskManager;
    return this;
  }

  public StatusEventBuilder device(String device) {
    this.device = device;
    return this;
  }

  public StatusEventBuilder cause(String cause) {
    this.cause = cause;
    return this;
  }

  public StatusEventBuilder loadMillis(long loadMillis) {
    this.loadMillis = loadMillis;
    return this;
  }

  public StatusEventBuilder at(long timestampMillis) {
    this.timestampMillis = timestampMillis;
    return this;
  }

  public ModelStatusEvent build() {
    return new ModelStatusEvent(
        model,
        version,
        sha256,
        state,
        taskManager,
        device,
        cause,
        loadMillis,
        timestampMillis,
        null);
  }
}
