package io.inferstream.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The most a task manager's ONNX Runtime can do for a model, measured in this JVM the way the job
 * runs it: {@code threads} inference threads share one session created with the job's intra-op
 * threads and one inter-op thread; each thread concatenates the batch's rows into its own reused
 * direct buffer, wraps it as a tensor without copying, runs, and copies each output out, as {@code
 * OnnxBatchModel} does. No Kafka, no Flink, no (de)serialisation.
 */
final class RawOrtCeiling implements AutoCloseable {
  /** One batch size's outcome. */
  record Point(int batchRows, double itemsPerSecond, long runs, Histogram runMicros) {}

  private final OrtEnvironment env;
  private final OrtSession.SessionOptions options;
  private final OrtSession session;
  private final List<TensorSpec> inputs;
  private final int threads;

  RawOrtCeiling(Path modelFile, List<TensorSpec> inputs, int threads, int intraOpThreads)
      throws Exception {
    if (threads < 1) {
      throw new IllegalArgumentException("inference threads must be >= 1, was " + threads);
    }
    for (TensorSpec input : inputs) {
      if (!input.datatype().fixedWidth()) {
        throw new IllegalArgumentException(
            "input '" + input.name() + "' is " + input.datatype() + ": numeric inputs only");
      }
    }
    this.env = OrtEnvironment.getEnvironment();
    this.options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(intraOpThreads);
    options.setInterOpNumThreads(1);
    this.session = env.createSession(Files.readAllBytes(modelFile), options);
    this.inputs = List.copyOf(inputs);
    this.threads = threads;
  }

  /** Runs batches of {@code batchRows} rows on all threads for {@code duration} after a warmup. */
  Point measure(int batchRows, Duration warmup, Duration duration) throws Exception {
    List<byte[]> rows = new ArrayList<>();
    for (TensorSpec input : inputs) {
      rows.add(RequestPayload.fill(input, RequestPayload.concreteShape(input.shape(), 1)));
    }
    LongAdder items = new LongAdder();
    LongAdder runs = new LongAdder();
    Recorder runMicros = new Recorder(PhaseStats.HIGHEST_MICROS, 3);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch warmedUp = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    long[] window = new long[2];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker =
          new Thread(
              () -> {
                try {
                  Worker w = new Worker(batchRows, rows);
                  long warmEnd = System.nanoTime() + warmup.toNanos();
                  do {
                    w.runOnce();
                  } while (System.nanoTime() < warmEnd);
                  warmedUp.countDown();
                  go.await();
                  long end = window[1];
                  while (System.nanoTime() < end) {
                    long started = System.nanoTime();
                    w.runOnce();
                    long finished = System.nanoTime();
                    if (finished <= end) {
                      items.add(batchRows);
                      runs.increment();
                      runMicros.recordValue(
                          Math.min(PhaseStats.HIGHEST_MICROS, (finished - started) / 1000));
                    }
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                  warmedUp.countDown();
                }
              },
              "raw-ort-" + t);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
    warmedUp.await();
    window[0] = System.nanoTime();
    window[1] = window[0] + duration.toNanos();
    go.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException(
          "ONNX Runtime failed at batch " + batchRows + ": " + failure.get(), failure.get());
    }
    // A run that straddles the end is not counted: items over the exact window.
    double seconds = duration.toNanos() / 1e9;
    return new Point(
        batchRows, items.sum() / seconds, runs.sum(), runMicros.getIntervalHistogram());
  }

  /** One inference thread: its direct buffers, reused across runs, as the job keeps them. */
  private final class Worker {
    private final int batchRows;
    private final List<byte[]> rows;
    private final ByteBuffer[] buffers;
    private final long[][] shapes;

    Worker(int batchRows, List<byte[]> rows) {
      this.batchRows = batchRows;
      this.rows = rows;
      this.buffers = new ByteBuffer[inputs.size()];
      this.shapes = new long[inputs.size()][];
      for (int i = 0; i < inputs.size(); i++) {
        buffers[i] =
            ByteBuffer.allocateDirect(Math.max(4096, rows.get(i).length * batchRows))
                .order(ByteOrder.nativeOrder());
        shapes[i] = RequestPayload.concreteShape(inputs.get(i).shape(), batchRows);
      }
    }

    void runOnce() throws OrtException {
      Map<String, OnnxTensor> feed = new HashMap<>();
      try {
        for (int i = 0; i < inputs.size(); i++) {
          ByteBuffer buffer = buffers[i];
          buffer.clear();
          byte[] row = rows.get(i);
          for (int r = 0; r < batchRows; r++) {
            buffer.put(row);
          }
          buffer.flip();
          TensorSpec spec = inputs.get(i);
          feed.put(
              spec.name(), OnnxTensor.createTensor(env, buffer, shapes[i], onnx(spec.datatype())));
        }
        try (OrtSession.Result result = session.run(feed)) {
          for (Map.Entry<String, OnnxValue> output : result) {
            ByteBuffer out = ((OnnxTensor) output.getValue()).getByteBuffer();
            byte[] copy = new byte[out.remaining()];
            out.get(copy);
          }
        }
      } finally {
        feed.values().forEach(OnnxTensor::close);
      }
    }
  }

  private static OnnxJavaType onnx(DataType type) {
    return switch (type) {
      case FP32 -> OnnxJavaType.FLOAT;
      case FP64 -> OnnxJavaType.DOUBLE;
      case INT64 -> OnnxJavaType.INT64;
      case INT32 -> OnnxJavaType.INT32;
      case INT16 -> OnnxJavaType.INT16;
      case INT8 -> OnnxJavaType.INT8;
      case UINT8 -> OnnxJavaType.UINT8;
      case BOOL -> OnnxJavaType.BOOL;
      case BYTES -> throw new IllegalArgumentException("BYTES inputs are not supported");
    };
  }

  @Override
  public void close() throws OrtException {
    try {
      session.close();
    } finally {
      options.close();
    }
  }
}
