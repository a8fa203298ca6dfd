package io.inferstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PendingCallsTest {
  private final PendingCalls pending = new PendingCalls("pending-calls-test");

  @AfterEach
  void shutdown() {
    pending.shutdown();
  }

  @Test
  void aReplyCompletesItsCallOnceAndLaterCopiesAreDropped() {
    PendingCalls.Call call = pending.register("a", Duration.ofMinutes(1));

    pending.complete(reply("a"));
    pending.complete(reply("a"));

    assertThat(call.future).isCompletedWithValueMatching(r -> r.requestId().equals("a"));
    assertThat(pending.size()).isZero();
    assertThat(pending.droppedReplies()).isEqualTo(1);
  }

  @Test
  void repliesWithoutAKnownIdAreDropped() {
    pending.complete(reply("stranger"));
    pending.complete(reply(null));

    assertThat(pending.droppedReplies()).isEqualTo(2);
  }

  @Test
  void aCallExpiresAtItsDeadline() {
    PendingCalls.Call call = pending.register("slow", Duration.ofMillis(20));

    assertThat(call.future)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(InferenceTimeoutException.class)
        .withMessage("no reply to request slow within 20 ms");
    assertThat(pending.size()).isZero();

    pending.complete(reply("slow"));
    assertThat(pending.droppedReplies()).isEqualTo(1);
  }

  @Test
  void anIdCannotBePendingTwice() {
    pending.register("twin", Duration.ofMinutes(1));

    assertThatThrownBy(() -> pending.register("twin", Duration.ofMinutes(1)))
        .isInstanceOf(InferenceClientException.class)
        .hasMessageContaining("twin");
  }

  @Test
  void failAllFailsEveryPendingCall() {
    PendingCalls.Call first = pending.register("1", Duration.ofMinutes(1));
    PendingCalls.Call second = pending.register("2", Duration.ofMinutes(1));

    pending.failAll(() -> new InferenceClientException("client closed"));

    assertThat(first.future).isCompletedExceptionally();
    assertThat(second.future).isCompletedExceptionally();
    assertThat(pending.size()).isZero();
  }

  @Test
  void registeringAfterShutdownFails() {
    pending.shutdown();

    assertThatThrownBy(() -> pending.register("late", Duration.ofMinutes(1)))
        .isInstanceOf(InferenceClientException.class)
        .hasMessage("client closed");
    assertThat(pending.size()).isZero();
  }

  private static InferenceReply reply(String requestId) {
    return new InferenceReply(requestId, 200, Map.of(), new byte[0]);
  }
}
