package io.inferstream.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.inferstream.onnx.Sha256;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Cold load of one model, as a task manager does it, in a fresh JVM: read the artifact, verify its
 * sha256, create an ONNX Runtime session (intra-op 1), run one all-zeros row (the warm-up), then a
 * second row (warm). Prints one line: artifact size, the time of each step, and the growth of the
 * process's resident set across the load — ONNX Runtime's Java API reports no per-session memory,
 * so this calibrates {@code inference.model.memory-factor}. Run one JVM per model (bin/benchmark
 * --help shows the loop in the README).
 */
public final class ModelLoadProbe {
  private ModelLoadProbe() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    OrtEnvironment env = OrtEnvironment.getEnvironment(); // native library loaded before measuring
    System.gc();
    long rssBefore = rssBytes();
    long t0 = System.nanoTime();
    byte[] bytes = Files.readAllBytes(file);
    String sha = Sha256.of(bytes);
    long t1 = System.nanoTime();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    OrtSession session = env.createSession(bytes, options);
    long t2 = System.nanoTime();
    run(env, session);
    long t3 = System.nanoTime();
    run(env, session);
    long t4 = System.nanoTime();
    bytes = null;
    System.gc();
    long rssAfter = rssBytes();
    long size = Files.size(file);
    double rssDelta = (rssAfter - rssBefore) / 1048576.0;
    System.out.printf(
        Locale.ROOT,
        "%-18s artifact %7.1f MB  read+sha256 %5d ms  session %5d ms  first row %5d ms"
            + "  warm row %4d ms  RSS +%6.1f MB  (x%.1f artifact)  sha256 %s%n",
        file.getParent().getParent().getFileName(),
        size / 1048576.0,
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        (t3 - t2) / 1_000_000,
        (t4 - t3) / 1_000_000,
        rssDelta,
        rssDelta * 1048576.0 / size,
        sha.substring(0, 12));
    session.close();
  }

  private static void run(OrtEnvironment env, OrtSession session) throws Exception {
    Map<String, OnnxTensor> feed = new HashMap<>();
    for (var input : session.getInputInfo().entrySet()) {
      TensorInfo info = (TensorInfo) input.getValue().getInfo();
      long[] shape = info.getShape().clone();
      long elements = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shape[i] < 0 ? 1 : shape[i];
        elements *= shape[i];
      }
      ByteBuffer zeros =
          ByteBuffer.allocateDirect((int) elements * 4).order(ByteOrder.nativeOrder());
      feed.put(input.getKey(), OnnxTensor.createTensor(env, zeros.asFloatBuffer(), shape));
    }
    try (OrtSession.Result result = session.run(feed)) {
      result.size();
    }
    feed.values().forEach(OnnxTensor::close);
  }

  /** VmRSS of this process, from /proc/self/status. */
  static long rssBytes() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
