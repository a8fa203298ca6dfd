package io.inferstream.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.inferstream.onnx.Sha256;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Cold load of one model, as a task manager does it, in a fresh JVM: read the artifact, verify its
 * sha256, create an ONNX Runtime session (intra-op 1), run one all-zeros row (the warm-up), then a
 * second row (warm). Prints one line: artifact size, the time of each step, and the growth of the
 * process's resident set across the load (after a GC, the session still open), and its peak during
 * the load — ONNX Runtime's Java API reports no per-session memory, so this calibrates {@code
 * inference.model.memory-factor}. Run one JVM per model ({@code bin/benchmark cold-load} does, or
 * see the loop in docs/benchmarks.md).
 *
 * <p>Usage: {@code ModelLoadProbe <repository>/<model>/<version>/model.onnx [--key-value]}; with
 * {@code --key-value} it also prints a {@link Result#toLine() machine-readable line}.
 */
public final class ModelLoadProbe {
  private ModelLoadProbe() {}

  /** One probe's figures; byte counts, milliseconds; {@code peakRss} -1 when not measured. */
  record Result(
      String model,
      long artifactBytes,
      String sha256,
      double readMillis,
      double sessionMillis,
      double firstRowMillis,
      double warmRowMillis,
      long rssBefore,
      long rssAfter,
      long peakRss) {
    static final String PREFIX = "model-load-probe:";

    /** Resident-set growth across the load, after a GC, with the session open. */
    long rssDelta() {
      return rssAfter - rssBefore;
    }

    /** Highest resident set during the load, over the baseline; -1 when not measured. */
    long peakDelta() {
      return peakRss < 0 ? -1 : peakRss - rssBefore;
    }

    /** {@code model-load-probe: key=value ...}, values URL-encoded, numbers with '.' decimals. */
    String toLine() {
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put("model", model);
      fields.put("artifact_bytes", Long.toString(artifactBytes));
      fields.put("sha256", sha256);
      fields.put("read_ms", millis(readMillis));
      fields.put("session_ms", millis(sessionMillis));
      fields.put("first_row_ms", millis(firstRowMillis));
      fields.put("warm_row_ms", millis(warmRowMillis));
      fields.put("rss_before", Long.toString(rssBefore));
      fields.put("rss_after", Long.toString(rssAfter));
      fields.put("peak_rss", Long.toString(peakRss));
      StringBuilder line = new StringBuilder(PREFIX);
      fields.forEach(
          (key, value) ->
              line.append(' ')
                  .append(key)
                  .append('=')
                  .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
      return line.toString();
    }

    /**
     * The result in a probe's output: its {@link #PREFIX} line.
     *
     * @throws IllegalArgumentException if there is no such line or a field is missing or malformed
     */
    static Result parse(String output) {
      String line =
          output
              .lines()
              .filter(l -> l.startsWith(PREFIX))
              .reduce((first, second) -> second)
              .orElseThrow(
                  () -> new IllegalArgumentException("no '" + PREFIX + "' line in the output"));
      Map<String, String> fields = new HashMap<>();
      for (String token : line.substring(PREFIX.length()).trim().split("\\s+")) {
        int eq = token.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("not key=value: '" + token + "' in " + line);
        }
        fields.put(
            token.substring(0, eq),
            URLDecoder.decode(token.substring(eq + 1), StandardCharsets.UTF_8));
      }
      try {
        return new Result(
            field(fields, "model"),
            Long.parseLong(field(fields, "artifact_bytes")),
            field(fields, "sha256"),
            Double.parseDouble(field(fields, "read_ms")),
            Double.parseDouble(field(fields, "session_ms")),
            Double.parseDouble(field(fields, "first_row_ms")),
            Double.parseDouble(field(fields, "warm_row_ms")),
            Long.parseLong(field(fields, "rss_before")),
            Long.parseLong(field(fields, "rss_after")),
            Long.parseLong(field(fields, "peak_rss")));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("malformed number in " + line, e);
      }
    }

    private static String field(Map<String, String> fields, String key) {
      String value = fields.get(key);
      if (value == null) {
        throw new IllegalArgumentException("no " + key + " in the probe's line");
      }
      return value;
    }

    private static String millis(double value) {
      return String.format(Locale.ROOT, "%.3f", value);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1
        || args.length > 2
        || (args.length == 2 && !"--key-value".equals(args[1]))) {
      System.err.println("usage: ModelLoadProbe <model>/<version>/model.onnx [--key-value]");
      System.exit(2);
    }
    Result result = BigStack.call("model-load-probe", () -> probe(Path.of(args[0])));
    System.out.println(humanLine(result));
    if (args.length == 2) {
      System.out.println(result.toLine());
    }
  }

  static Result probe(Path file) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment(); // native library loaded before measuring
    long rssBefore = ProcStatus.settledRss(100, 10);
    boolean peakMeasured = ProcStatus.resetPeak();
    long t0 = System.nanoTime();
    byte[] bytes = Files.readAllBytes(file);
    String sha = Sha256.of(bytes);
    long t1 = System.nanoTime();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    OrtSession session = env.createSession(bytes, options);
    long t2 = System.nanoTime();
    run(env, session);
    long t3 = System.nanoTime();
    run(env, session);
    long t4 = System.nanoTime();
    long size = bytes.length;
    bytes = null; // the job drops its copy once the session exists
    long rssAfter = ProcStatus.settledRss(100, 10);
    ProcStatus after = ProcStatus.self();
    Result result =
        new Result(
            modelName(file),
            size,
            sha,
            (t1 - t0) / 1e6,
            (t2 - t1) / 1e6,
            (t3 - t2) / 1e6,
            (t4 - t3) / 1e6,
            rssBefore,
            rssAfter,
            peakMeasured ? after.peakRssBytes() : -1);
    session.close();
    options.close();
    return result;
  }

  static String humanLine(Result r) {
    double mb = 1048576.0;
    return String.format(
        Locale.ROOT,
        "%-18s artifact %8s MB  read+sha256 %5d ms  session %5d ms  first row %5d ms"
            + "  warm row %4d ms  RSS %+7.1f MB  (%s artifact)  peak %s  sha256 %s",
        r.model(),
        ColdLoadReport.megabytes(r.artifactBytes()),
        Math.round(r.readMillis()),
        Math.round(r.sessionMillis()),
        Math.round(r.firstRowMillis()),
        Math.round(r.warmRowMillis()),
        r.rssDelta() / mb,
        r.artifactBytes() < ColdLoadRow.RATIO_MIN_ARTIFACT_BYTES
            ? "x - "
            : String.format(Locale.ROOT, "x%.1f", (double) r.rssDelta() / r.artifactBytes()),
        r.peakDelta() < 0 ? "n/a" : String.format(Locale.ROOT, "%+.1f MB", r.peakDelta() / mb),
        r.sha256().substring(0, Math.min(12, r.sha256().length())));
  }

  /** {@code <model>} of {@code <model>/<version>/model.onnx}, else the file's name. */
  static String modelName(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    Path versionDir = absolute.getParent();
    Path modelDir = versionDir == null ? null : versionDir.getParent();
    return modelDir != null && modelDir.getFileName() != null
        ? modelDir.getFileName().toString()
        : absolute.getFileName().toString();
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
  static long rssBytes() {
    return ProcStatus.self().rssBytes();
  }
}
