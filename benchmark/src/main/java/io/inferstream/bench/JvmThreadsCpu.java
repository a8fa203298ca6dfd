package io.inferstream.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of the JVM's own threads, which {@link java.lang.management.ThreadMXBean} does not list:
 * the JIT compilers and the garbage collector, from Linux's {@code /proc/self/task}. The JIT's
 * compilation-time counter is wall time, inflated when compiler threads wait for a core; this is
 * CPU time.
 */
final class JvmThreadsCpu {
  private static final Path TASKS = Path.of("/proc/self/task");

  /** USER_HZ: Linux reports thread times in 1/100 s on every mainstream architecture. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  /** CPU nanoseconds of JIT compiler threads and of GC (and VM operation) threads. */
  record Times(long jitNanos, long gcNanos) {}

  private JvmThreadsCpu() {}

  static boolean available() {
    return Files.isDirectory(TASKS);
  }

  /** Current totals, or null where {@code /proc} cannot be read. */
  static Times read() {
    if (!available()) {
      return null;
    }
    long jit = 0;
    long gc = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        String name;
        String stat;
        try {
          name = Files.readString(task.resolve("comm")).trim();
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended meanwhile
        }
        boolean isJit = name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
        boolean isGc =
            name.startsWith("GC Thread#") || name.startsWith("G1 ") || name.equals("VM Thread");
        if (isJit || isGc) {
          long nanos = cpuTicks(stat) * NANOS_PER_TICK;
          if (isJit) {
            jit += nanos;
          } else {
            gc += nanos;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return new Times(jit, gc);
  }

  /** utime + stime: fields 14 and 15, counted after the parenthesised command name. */
  static long cpuTicks(String stat) {
    int close = stat.lastIndexOf(')');
    String[] fields = stat.substring(close + 2).trim().split("\\s+");
    // fields[0] is field 3 (state), so field n is fields[n - 3].
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }
}
