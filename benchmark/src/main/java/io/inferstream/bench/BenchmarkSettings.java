package io.inferstream.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The command line's options with their defaults resolved; checked on construction, a bad one is a
 * {@link SetupException}.
 */
record BenchmarkSettings(
    String model,
    Path repository,
    String bootstrap,
    double rate,
    boolean findMax,
    int inFlight,
    Duration duration,
    Duration warmup,
    Duration warmupMax,
    double jitSettled,
    int rows,
    RequestPayload.Format format,
    int clients,
    Map<String, String> jobOptions,
    Map<String, String> producerOptions,
    int parallelism,
    int replyPartitions,
    Path kafkaDir,
    Duration timeout,
    int timingsEvery,
    boolean encodeEach,
    boolean cpuBreakdown,
    Set<Phase> phases,
    double hostileFraction,
    double hostileLoad,
    long seed,
    List<Integer> rawBatches,
    Duration rawTime,
    Path csv) {

  BenchmarkSettings {
    if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
      throw new SetupException("--rate must be >= 0, was " + rate);
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new SetupException("--duration must be positive");
    }
    if (warmup.isNegative()) {
      throw new SetupException("--warmup must not be negative");
    }
    if (rows < 1 || clients < 1 || inFlight < 1 || parallelism < 1 || timingsEvery < 1) {
      throw new SetupException(
          "--rows, --clients, --in-flight, --parallelism and --timings-every must be >= 1");
    }
    if (!(hostileFraction >= 0 && hostileFraction <= 0.9)) {
      throw new SetupException("--hostile-fraction must be in [0, 0.9], was " + hostileFraction);
    }
    if (!(hostileLoad > 0 && hostileLoad <= 1)) {
      throw new SetupException("--hostile-load must be in (0, 1], was " + hostileLoad);
    }
    if (phases.contains(Phase.HOSTILE) && bootstrap == null && replyPartitions <= clients) {
      throw new SetupException(
          "the hostile phase needs a reply partition of its own: --reply-partitions must be >"
              + " --clients");
    }
    if (replyPartitions < clients) {
      throw new SetupException(
          "--reply-partitions must be >= --clients (one reply partition per client)");
    }
  }

  boolean runs(Phase phase) {
    return phases.contains(phase);
  }

  String formatName() {
    return format.name().toLowerCase(Locale.ROOT);
  }
}
