package io.inferstream.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where this JVM's CPU went during a phase, by thread group (thread names with their numbers
 * stripped): broker, Flink tasks, Kafka clients, the load generator. What is left of the process
 * CPU time after all Java threads is the JVM's own work (GC, JIT).
 */
final class ThreadCpu {
  private static final Pattern NUMBERS = Pattern.compile("\\d+");

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final Map<Long, Long> startCpu = new HashMap<>();
  private final long startWall;
  private final long startProcess;
  private final long startGcMillis;
  private final long startThreadsStarted;
  private final JvmThreadsCpu.Times startJvm;

  private ThreadCpu() {
    if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled()) {
      threads.setThreadCpuTimeEnabled(true);
    }
    for (long id : threads.getAllThreadIds()) {
      long cpu = threads.getThreadCpuTime(id);
      if (cpu >= 0) {
        startCpu.put(id, cpu);
      }
    }
    startWall = System.nanoTime();
    startProcess = processCpuNanos();
    startGcMillis = gcMillis();
    startThreadsStarted = threads.getTotalStartedThreadCount();
    startJvm = JvmThreadsCpu.read();
  }

  static ThreadCpu start() {
    return new ThreadCpu();
  }

  /** Cores used per thread group since {@link #start}, largest first, at most {@code top}. */
  Map<String, Double> stop(int top) {
    double wall = System.nanoTime() - startWall;
    Map<String, Long> byGroup = new HashMap<>();
    long allThreads = 0;
    long[] ids = threads.getAllThreadIds();
    ThreadInfo[] infos = threads.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long cpu = threads.getThreadCpuTime(ids[i]);
      if (cpu < 0 || infos[i] == null) {
        continue;
      }
      long used = cpu - startCpu.getOrDefault(ids[i], 0L);
      allThreads += used;
      byGroup.merge(group(infos[i].getThreadName()), used, Long::sum);
    }
    long process = processCpuNanos();
    long internal = 0;
    JvmThreadsCpu.Times jvm = JvmThreadsCpu.read();
    if (jvm != null && startJvm != null) {
      long jit = jvm.jitNanos() - startJvm.jitNanos();
      long gc = jvm.gcNanos() - startJvm.gcNanos();
      byGroup.put("(JIT compiler threads)", jit);
      byGroup.put(
          String.format(
              Locale.ROOT,
              "(GC and VM threads; pauses %.0f ms/s)",
              (gcMillis() - startGcMillis) / (wall / 1e9)),
          gc);
      internal = jit + gc;
    }
    if (process >= 0 && startProcess >= 0) {
      byGroup.put(
          String.format(
              Locale.ROOT,
              "(rest: native and ended threads%s; %d threads started)",
              jvm == null ? ", GC, JIT" : "",
              threads.getTotalStartedThreadCount() - startThreadsStarted),
          Math.max(0, process - startProcess - allThreads - internal));
    }
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(byGroup.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    Map<String, Double> result = new LinkedHashMap<>();
    for (Map.Entry<String, Long> entry : sorted) {
      if (result.size() >= top || entry.getValue() / wall < 0.005) {
        break;
      }
      result.put(entry.getKey(), entry.getValue() / wall);
    }
    return result;
  }

  static String describe(Map<String, Double> cores) {
    StringBuilder out = new StringBuilder();
    cores.forEach(
        (group, used) -> out.append(String.format(Locale.ROOT, "    %5.2f  %s%n", used, group)));
    return out.toString();
  }

  /** "kafka-producer-network-thread | producer-12" and "...-7" land in one group. */
  static String group(String threadName) {
    return NUMBERS.matcher(threadName).replaceAll("N");
  }

  static long gcMillis() {
    long total = 0;
    for (java.lang.management.GarbageCollectorMXBean gc :
        ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  static long jitMillis() {
    java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit.getTotalCompilationTime()
        : 0;
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
