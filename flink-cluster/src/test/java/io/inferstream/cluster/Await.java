package io.inferstream.cluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/** Waits for a condition with a deadline, polling; never a fixed sleep. */
final class Await {
  private static final Duration POLL = Duration.ofMillis(200);

  private Await() {}

  /**
   * Polls {@code probe} until its value satisfies {@code done}, and returns that value.
   *
   * @throws AssertionError naming {@code what} and the last value (or failure) seen
   */
  static <T> T until(String what, Duration timeout, Callable<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object last = "nothing yet";
    while (true) {
      try {
        T value = probe.call();
        if (value != null && done.test(value)) {
          return value;
        }
        last = value;
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + timeout + "; last seen: " + last);
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }
}
