package io.inferstream.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's memory lines from Linux's {@code /proc/<pid>/status}: the resident set ({@code
 * VmRSS}), its peak ({@code VmHWM}) and the anonymous / file-backed parts. ONNX Runtime's Java API
 * reports no per-session memory, so the benchmark measures the process. Values in bytes; {@code -1}
 * when the line is missing (only {@code VmRSS} is required).
 */
record ProcStatus(long rssBytes, long peakRssBytes, long anonBytes, long fileBytes) {

  static ProcStatus self() {
    return read(Path.of("/proc/self/status"));
  }

  static ProcStatus of(long pid) {
    return read(Path.of("/proc", Long.toString(pid), "status"));
  }

  private static ProcStatus read(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + file + " (resident memory is measured on Linux only)", e);
    }
  }

  /**
   * Parses the text of a status file; lines look like {@code VmRSS:\t 123456 kB}.
   *
   * @throws IllegalArgumentException if there is no {@code VmRSS} line or a value is not "N kB"
   */
  static ProcStatus parse(String text) {
    long rss = -1;
    long peak = -1;
    long anon = -1;
    long file = -1;
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      switch (line.substring(0, colon)) {
        case "VmRSS" -> rss = kilobytes(line, colon);
        case "VmHWM" -> peak = kilobytes(line, colon);
        case "RssAnon" -> anon = kilobytes(line, colon);
        case "RssFile" -> file = kilobytes(line, colon);
        default -> {}
      }
    }
    if (rss < 0) {
      throw new IllegalArgumentException("no VmRSS line in the process status");
    }
    return new ProcStatus(rss, peak, anon, file);
  }

  private static long kilobytes(String line, int colon) {
    String value = line.substring(colon + 1).trim();
    if (!value.endsWith("kB")) {
      throw new IllegalArgumentException("not a size in kB: '" + line + "'");
    }
    try {
      return Long.parseLong(value.substring(0, value.length() - 2).trim()) * 1024;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a size in kB: '" + line + "'", e);
    }
  }

  /**
   * This process's resident set once a GC has run and it stopped moving: two readings {@code
   * pauseMillis} apart within 1 MiB, at most {@code rounds} readings (G1 hands freed heap back
   * after a full GC, and background threads keep allocating).
   */
  static long settledRss(long pauseMillis, int rounds) throws InterruptedException {
    long previous = -1;
    long rss = -1;
    for (int i = 0; i < rounds; i++) {
      System.gc();
      Thread.sleep(pauseMillis);
      rss = self().rssBytes();
      if (previous >= 0 && Math.abs(rss - previous) < (1 << 20)) {
        return rss;
      }
      previous = rss;
    }
    return rss;
  }

  /**
   * Resets this process's {@code VmHWM} to its current resident set (Linux 4.0+: "5" to {@code
   * /proc/self/clear_refs}), so a later peak belongs to what ran after; false where not allowed.
   */
  static boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }
}
