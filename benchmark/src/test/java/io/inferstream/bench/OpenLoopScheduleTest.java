package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {

  @Test
  void intendedTimesFollowTheRateFromTheStart() {
    OpenLoopSchedule schedule = new OpenLoopSchedule(1_000, 100); // every 10 ms

    assertThat(schedule.intendedNanos(0)).isEqualTo(1_000);
    assertThat(schedule.intendedNanos(1)).isEqualTo(1_000 + 10_000_000);
    assertThat(schedule.intendedNanos(250)).isEqualTo(1_000 + 2_500_000_000L);
  }

  @Test
  void intendedTimesDoNotDriftWhenThePeriodIsNotWholeNanoseconds() {
    OpenLoopSchedule schedule = new OpenLoopSchedule(0, 3); // 333,333,333.3 ns apart

    assertThat(schedule.intendedNanos(3)).isEqualTo(1_000_000_000L);
    assertThat(schedule.intendedNanos(3_000_000)).isEqualTo(1_000_000_000_000_000L);
  }

  @Test
  void dueCountIsEveryRequestWhoseTimeHasCome() {
    OpenLoopSchedule schedule = new OpenLoopSchedule(500, 1_000); // every 1 ms

    assertThat(schedule.dueCount(499)).isZero();
    assertThat(schedule.dueCount(500)).isEqualTo(1);
    assertThat(schedule.dueCount(500 + 999_999)).isEqualTo(1);
    assertThat(schedule.dueCount(500 + 1_000_000)).isEqualTo(2);
    // A sender that slept 25 ms past request 0 owes 25 more, not one.
    assertThat(schedule.dueCount(500 + 25_000_000)).isEqualTo(26);
  }

  @Test
  void dueCountAgreesWithIntendedTimesAtEveryBoundary() {
    OpenLoopSchedule schedule = new OpenLoopSchedule(123, 7_919.5);

    for (long i = 0; i < 10_000; i++) {
      long at = schedule.intendedNanos(i);
      assertThat(schedule.dueCount(at)).isEqualTo(i + 1);
      assertThat(schedule.dueCount(at - 1)).isEqualTo(i);
    }
  }

  @Test
  void countBeforeExcludesARequestDueExactlyAtTheEnd() {
    OpenLoopSchedule schedule = new OpenLoopSchedule(0, 100);

    assertThat(schedule.countBefore(1_000_000_000L)).isEqualTo(100);
    assertThat(schedule.countBefore(1_000_000_001L)).isEqualTo(101);
    assertThat(schedule.countBefore(0)).isZero();
  }

  @Test
  void rejectsRatesThatAreNotPositive() {
    assertThatThrownBy(() -> new OpenLoopSchedule(0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpenLoopSchedule(0, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
