package io.inferstream.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Waits for a condition with a deadline, polling: never a fixed sleep that hopes. A probe that
 * throws counts as "not yet"; the timeout's error names what was awaited and the last value (or
 * failure) seen.
 */
public final class Await {
  private static final Duration POLL = Duration.ofMillis(50);

  private Await() {}

  /** A condition that may throw while the thing it checks is not there yet. */
  @FunctionalInterface
  public interface Condition {
    boolean test() throws Exception;
  }

  /**
   * Polls {@code condition} until it holds.
   *
   * @throws AssertionError naming {@code what} and the last failure seen, after {@code timeout}
   */
  public static void until(String what, Duration timeout, Condition condition) {
    until(what, timeout, condition::test, Boolean::booleanValue);
  }

  /**
   * Polls {@code probe} until its value satisfies {@code done}, and returns that value.
   *
   * @throws AssertionError naming {@code what} and the last value (or failure) seen, after {@code
   *     timeout}
   */
  public static <T> T until(String what, Duration timeout, Callable<T> probe, Predicate<T> done) {
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
      if (System.nanoTime() - deadline > 0) {
        AssertionError timedOut =
            new AssertionError("no " + what + " within " + timeout + "; last seen: " + last);
        if (last instanceof Exception e) {
          timedOut.initCause(e);
        }
        throw timedOut;
      }
      try {
        Thread.sleep(POLL.toMillis()); // the polling interval, not a wait for an outcome
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }
}
