package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.registry.ApiViews.ShadowSummary;
import io.inferstream.registry.ApiViews.TaskManagerStatus;
import io.inferstream.registry.ApiViews.VersionStatus;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelStatusEvent.State;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.testing.ModelSpecBuilder;
import io.inferstream.testing.StatusEventBuilder;
import org.junit.jupiter.api.Test;

class StatusBoardTest {
  private static final String SHA = "a".repeat(64);
  private static final ModelVersionSpec V1 = ModelSpecBuilder.affineVersion("1.0.0", "uri", SHA);

  private final StatusBoard board = new StatusBoard();

  private static ModelStatusEvent event(String tm, State state, long at) {
    return StatusEventBuilder.status("affine", "1.0.0", state)
        .sha256(SHA)
        .taskManager(tm)
        .device(state == State.READY ? "cpu" : null)
        .cause(state == State.FAILED ? "boom at " + at : null)
        .loadMillis(state == State.READY ? 42 : 0)
        .at(at)
        .build();
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
        StatusEventBuilder.status("affine", "1.0.0", State.READY)
            .sha256("b".repeat(64))
            .taskManager("tm-1")
            .device("cpu")
            .loadMillis(1)
            .at(1)
            .build());
    assertThat(board.status("affine", V1).state()).isEqualTo("registered");
  }

  @Test
  void shadowReportsAreSummedOverReportersOfTheCurrentPair() {
    board.apply(
        StatusEventBuilder.shadowReport("affine", "tm-1/0", "1.0.0", "2.0.0", 100, 90, 0.01, 5));
    board.apply(
        StatusEventBuilder.shadowReport("affine", "tm-2/0", "1.0.0", "2.0.0", 50, 50, 0.2, 6));
    board.apply(
        StatusEventBuilder.shadowReport(
            "affine", "tm-1/0", "1.0.0", "2.0.0", 120, 100, 0.01, 7)); // replaces tm-1's first
    board.apply(
        StatusEventBuilder.shadowReport(
            "affine", "tm-3/0", "1.0.0", "1.5.0", 999, 0, 9, 1)); // an older pair: left out
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
}
