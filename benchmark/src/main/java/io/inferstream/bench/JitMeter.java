package io.inferstream.bench;

/**
 * JIT work per second: CPU time of the compiler threads where {@code /proc} shows them, else the
 * JVM's compilation time (wall time, inflated on a busy machine).
 */
record JitMeter(long startNanos, JvmThreadsCpu.Times startCpu, long startMillis) {
  static JitMeter start() {
    return new JitMeter(System.nanoTime(), JvmThreadsCpu.read(), ThreadCpu.jitMillis());
  }

  double millisPerSecond() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    JvmThreadsCpu.Times now = startCpu == null ? null : JvmThreadsCpu.read();
    if (now != null) {
      return (now.jitNanos() - startCpu.jitNanos()) / 1e6 / seconds;
    }
    return (ThreadCpu.jitMillis() - startMillis) / seconds;
  }
}
