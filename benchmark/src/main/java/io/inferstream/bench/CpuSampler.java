package io.inferstream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How busy the machine was during a phase, split into this JVM and everything else, from {@code
 * /proc/stat} and the JVM's process CPU time: on a shared 2-core box the "others" share tells a
 * contended run from a clean one.
 */
final class CpuSampler {
  private static final Path PROC_STAT = Path.of("/proc/stat");

  /** CPU use over an interval, in cores; NaN where the platform cannot tell. */
  record Usage(double thisJvmCores, double otherCores, int cores) {
    String describe() {
      if (Double.isNaN(thisJvmCores)) {
        return "cpu n/a";
      }
      return String.format(
          java.util.Locale.ROOT,
          "cpu: this JVM %.2f, others %.2f of %d cores",
          thisJvmCores,
          Double.isNaN(otherCores) ? Double.NaN : Math.max(0, otherCores),
          cores);
    }
  }

  private final long wallNanos;
  private final long processNanos;
  private final long[] machineTicks;

  private CpuSampler(long wallNanos, long processNanos, long[] machineTicks) {
    this.wallNanos = wallNanos;
    this.processNanos = processNanos;
    this.machineTicks = machineTicks;
  }

  static CpuSampler start() {
    return new CpuSampler(System.nanoTime(), processCpuNanos(), machineTicks());
  }

  Usage stop() {
    long wall = System.nanoTime() - wallNanos;
    int cores = Runtime.getRuntime().availableProcessors();
    long process = processCpuNanos();
    if (wall <= 0 || process < 0 || processNanos < 0) {
      return new Usage(Double.NaN, Double.NaN, cores);
    }
    double ours = (process - processNanos) / (double) wall;
    long[] now = machineTicks();
    if (now == null || machineTicks == null) {
      return new Usage(ours, Double.NaN, cores);
    }
    long busy = now[0] - machineTicks[0];
    long total = now[1] - machineTicks[1];
    double machineCores = total <= 0 ? Double.NaN : busy / (double) total * onlineCpus(cores);
    return new Usage(ours, machineCores - ours, cores);
  }

  private static int onlineCpus(int fallback) {
    try {
      long cpus =
          Files.readAllLines(PROC_STAT).stream()
              .filter(l -> l.startsWith("cpu") && Character.isDigit(l.charAt(3)))
              .count();
      return cpus > 0 ? (int) cpus : fallback;
    } catch (IOException | RuntimeException e) {
      return fallback;
    }
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** {busy, total} jiffies over all CPUs, or null. */
  private static long[] machineTicks() {
    try {
      List<String> lines = Files.readAllLines(PROC_STAT);
      String[] fields = lines.get(0).trim().split("\\s+");
      long total = 0;
      long idle = 0;
      // user nice system idle iowait irq softirq steal [guest guest_nice: already in user]
      for (int i = 1; i < Math.min(fields.length, 9); i++) {
        long value = Long.parseLong(fields[i]);
        total += value;
        if (i == 4 || i == 5) {
          idle += value;
        }
      }
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
