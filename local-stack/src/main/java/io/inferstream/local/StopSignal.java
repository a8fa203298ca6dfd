package io.inferstream.local;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import sun.misc.Signal;

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM into an orderly stop with exit code 0.
 *
 * <p>The JVM's default for these signals is to run the shutdown hooks and exit with 130 or 143,
 * with every library's hook racing ours. Instead the handler only wakes the main thread, which
 * stops the stack in order and returns 0. A second signal forces the exit. The shutdown hook stays
 * as the safety net for every other way out (SIGHUP, {@code System.exit} elsewhere): it runs the
 * same idempotent stop.
 */
final class StopSignal {
  private final CountDownLatch requested = new CountDownLatch(1);
  private final AtomicInteger signals = new AtomicInteger();
  private final PrintStream console;
  private volatile Runnable onShutdownHook = () -> {};

  private StopSignal(PrintStream console) {
    this.console = console;
  }

  static StopSignal install(PrintStream console) {
    StopSignal stop = new StopSignal(console);
    for (String name : List.of("INT", "TERM")) {
      try {
        Signal.handle(new Signal(name), signal -> stop.signalled());
      } catch (IllegalArgumentException e) {
        // The VM keeps this signal (e.g. -Xrs); the shutdown hook below still stops the stack.
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stop::shutdownHook, "inferstream-shutdown"));
    return stop;
  }

  /** What the shutdown hook runs (the same stop the main thread runs; it must be idempotent). */
  void onShutdownHook(Runnable action) {
    this.onShutdownHook = action;
  }

  boolean requested() {
    return requested.getCount() == 0;
  }

  /** Waits for a stop signal, at most {@code millis}; true if one came. */
  boolean await(long millis) throws InterruptedException {
    return requested.await(millis, TimeUnit.MILLISECONDS);
  }

  private void signalled() {
    if (signals.incrementAndGet() > 1) {
      console.println("Second stop signal: exiting now, without a clean shutdown.");
      console.flush();
      Runtime.getRuntime().halt(130);
    }
    requested.countDown();
  }

  private void shutdownHook() {
    requested.countDown();
    try {
      onShutdownHook.run();
    } finally {
      LogManager.shutdown();
    }
  }
}
