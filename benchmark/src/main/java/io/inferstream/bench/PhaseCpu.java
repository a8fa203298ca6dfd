package io.inferstream.bench;

import java.util.Map;

/** CPU use over a phase's measured window (not its warmup). */
final class PhaseCpu implements LoadGenerator.WindowListener {
  private final boolean byThread;
  private CpuSampler cpu;
  private ThreadCpu threadCpu;
  private volatile CpuSampler.Usage usage = new CpuSampler.Usage(Double.NaN, Double.NaN, 0);
  private volatile Map<String, Double> breakdown;

  PhaseCpu(boolean byThread) {
    this.byThread = byThread;
  }

  @Override
  public void windowStarted() {
    threadCpu = byThread ? ThreadCpu.start() : null;
    cpu = CpuSampler.start();
  }

  @Override
  public void windowEnded() {
    usage = cpu.stop();
    breakdown = threadCpu == null ? null : threadCpu.stop(15);
  }

  CpuSampler.Usage usage() {
    return usage;
  }

  /** CPU by thread group, or null without {@code --cpu-breakdown}. */
  Map<String, Double> breakdown() {
    return breakdown;
  }
}
