package io.inferstream.bench;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs work on a thread with a 16 MiB stack. Creating ONNX Runtime's environment on a JVM's main
 * thread crashes the JVM (SIGSEGV, no error report) when the java command line is long, as with an
 * explicit classpath of the benchmark's ~100 jars; the same work on a thread with a larger stack
 * (or under {@code -Xss8m}) runs fine.
 */
final class BigStack {
  static final long STACK_BYTES = 16L << 20;

  private BigStack() {}

  static <T> T call(String name, Callable<T> work) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread =
        new Thread(
            null,
            () -> {
              try {
                result.set(work.call());
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            name,
            STACK_BYTES);
    thread.start();
    thread.join();
    Throwable t = failure.get();
    if (t instanceof Exception e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return result.get();
  }
}
