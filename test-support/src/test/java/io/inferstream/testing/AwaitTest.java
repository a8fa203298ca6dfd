package io.inferstream.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
  @Test
  void returnsTheFirstValueThatSatisfiesTheCondition() {
    AtomicInteger calls = new AtomicInteger();
    int value =
        Await.until("three calls", Duration.ofSeconds(10), calls::incrementAndGet, n -> n >= 3);
    assertThat(value).isEqualTo(3);
  }

  @Test
  void retriesAProbeThatThrows() {
    AtomicInteger calls = new AtomicInteger();
    Await.until(
        "a probe that stops throwing",
        Duration.ofSeconds(10),
        () -> {
          if (calls.incrementAndGet() < 3) {
            throw new IllegalStateException("not yet");
          }
          return true;
        });
    assertThat(calls).hasValue(3);
  }

  @Test
  void timeoutNamesWhatAndTheLastValueSeen() {
    assertThatThrownBy(() -> Await.until("seven", Duration.ofMillis(120), () -> 6, n -> n == 7))
        .isInstanceOf(AssertionError.class)
        .hasMessage("no seven within PT0.12S; last seen: 6");
    assertThatThrownBy(
            () ->
                Await.until(
                    "an answer",
                    Duration.ofMillis(120),
                    () -> {
                      throw new IllegalStateException("refused");
                    }))
        .hasMessageContaining("last seen: java.lang.IllegalStateException: refused")
        .hasCauseInstanceOf(IllegalStateException.class);
  }
}
