package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.registry.ApiViews.ShadowSummary;
import io.inferstream.registry.ApiViews.TaskManagerStatus;
import io.inferstream.registry.ApiViews.VersionStatus;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelStatusEvent.ShadowReport;
import io.inferstream.schemas.ModelStatusEvent.State;
import io.inferstream.schemas.ModelVersionSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusBoardTest {
  private static final String SHA = "a".repeat(64);
  private static final ModelVersionSpec V1 =
      new ModelVersionSpec("1.0.0", "uri", SHA, List.of(), List.of(), 0);

  private final StatusBoard board = new StatusBoard();

  private static ModelStatusEvent event(String tm, State state, long at) {
    return new ModelStatusEvent(
        "affine",
        "1.0.0",
        SHA,
        state,
        tm,
        state == State.READY ? "cpu" : null,
        state == State.FAILED ? "boom at " + at : null,
        state == State.READY ? 42 : 0,
        at,
        null);
  }

  @Test
  void aVersionNobodyReportedIsRegistered() {
    assertThat(board.status("affine", V1)).isEqualTo(VersionStatus.NONE);
    assertThat(board.status("affine", V1).state()).isEqualTo("registered");
  }

  @Test
  void readyOnAnyTaskManagerWinsWithItsDeviceAndLoadTime() {
    board.apply(event("tm-1", State.LOADING, 1));
    assertThat(board.status("affine", V1).state()).isEqualTo("loading");
    board.apply(event("tm-2", State.FAILED, 2));
    assertThat(board.status("affine", V1).state()).isEqualTo("loading");
    board.apply(event("tm-1", State.READY, 3));
    VersionStatus status = board.status("affine", V1);
    assertThat(status.state()).isEqualTo("ready");
    assertThat(status.device()).isEqualTo("cpu");
    assertThat(status.loadMillis()).isEqualTo(42);
    assertThat(status.taskManagers())
        .extracting(TaskManagerStatus::taskManager, TaskManagerStatus::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("tm-1", "ready"),
            org.assertj.core.groups.Tuple.tuple("tm-2", "failed"));
  }

  @Test
  void failedCarriesTheLatestCauseAndUnloadedComesLast() {
    board.apply(event("tm-1", State.FAILED, 5));
    board.apply(event("tm-2", State.FAILED, 7));
    VersionStatus failed = board.status("affine", V1);
    assertThat(failed.state()).isEqualTo("failed");
    assertThat(failed.cause()).isEqualTo("boom at 7");

    board.apply(event("tm-1", State.UNLOADED, 8));
    board.apply(event("tm-2", State.UNLOADED, 9));
    assertThat(board.status("affine", V1).state()).isEqualTo("unloaded");
  }

  @Test
  void perTaskManagerTheNewestEventCountsEvenIfAnOlderOneArrivesLater() {
    board.apply(event("tm-1", State.READY, 10));
    board.apply(event("tm-1", State.UNLOADED, 20));
    assertThat(board.status("affine", V1).state()).isEqualTo("unloaded");
    board.apply(event("tm-1", State.LOADING, 15));
    assertThat(board.status("affine", V1).state()).isEqualTo("unloaded");
  }

  @Test
  void eventsAboutOtherBytesDoNotCount() {
    board.apply(
        new ModelStatusEvent(
            "affine", "1.0.0", "b".repeat(64), State.READY, "tm-1", "cpu", null, 1, 1, null));
    assertThat(board.status("affine", V1).state()).isEqualTo("registered");
  }

  @Test
  void shadowReportsAreSummedOverReportersOfTheCurrentPair() {
    board.apply(shadow("tm-1/0", "1.0.0", "2.0.0", 100, 90, 0.01, 5));
    board.apply(shadow("tm-2/0", "1.0.0", "2.0.0", 50, 50, 0.2, 6));
    board.apply(shadow("tm-1/0", "1.0.0", "2.0.0", 120, 100, 0.01, 7)); // replaces tm-1's first
    board.apply(shadow("tm-3/0", "1.0.0", "1.5.0", 999, 0, 9, 1)); // an older pair: left out
    ShadowSummary summary = board.shadow("affine");
    assertThat(summary.primaryVersion()).isEqualTo("1.0.0");
    assertThat(summary.shadowVersion()).isEqualTo("2.0.0");
    assertThat(summary.compared()).isEqualTo(170);
    assertThat(summary.agreed()).isEqualTo(150);
    assertThat(summary.disagreed()).isEqualTo(20);
    assertThat(summary.primaryInferences()).isEqualTo(170);
    assertThat(summary.agreementRatio()).isEqualTo(150.0 / 170);
    assertThat(summary.maxAbsDifference()).isEqualTo(0.2);
    assertThat(summary.reporters()).isEqualTo(2);
    assertThat(board.shadow("digits")).isNull();
  }

  private static ModelStatusEvent shadow(
      String reporter,
      String primary,
      String shadow,
      long compared,
      long agreed,
      double diff,
      long at) {
    return new ModelStatusEvent(
        "affine",
        null,
        null,
        State.SHADOW_REPORT,
        reporter,
        null,
        null,
        0,
        at,
        new ShadowReport(
            primary, shadow, compared, compared, compared, agreed, compared - agreed, diff));
  }
}
