package io.inferstream.job.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.inferstream.onnx.OnnxSignatureReader;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.TensorSpec;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates ONNX Runtime sessions from verified artifact bytes and picks the device. {@code auto}
 * tries CUDA only where the ONNX Runtime build has the CUDA provider, and falls back to CPU with a
 * log line; {@code cuda} that cannot load makes the model unavailable (503).
 */
final class OnnxModelLoader {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxModelLoader.class);

  private final int intraOpThreads;
  private final int gpuIndex;
  private final Supplier<OrtSession.SessionOptions> newOptions;

  OnnxModelLoader(int intraOpThreads, int gpuIndex) {
    this(intraOpThreads, gpuIndex, OrtSession.SessionOptions::new);
  }

  /**
   * @param newOptions creates each load's session options (the loader owns and closes them; tests
   *     observe that)
   */
  OnnxModelLoader(
      int intraOpThreads, int gpuIndex, Supplier<OrtSession.SessionOptions> newOptions) {
    this.intraOpThreads = intraOpThreads;
    this.gpuIndex = gpuIndex;
    this.newOptions = newOptions;
  }

  /**
   * A session for the bytes, on the device. Whatever fails (placement, ONNX Runtime, the signature,
   * anything unexpected) closes what this load created — its options, and its session when there is
   * one — before the exception leaves: a model that fails to load is retried, and must not leak
   * native memory each time.
   */
  OnnxBatchModel load(String what, byte[] bytes, Device device) throws ModelUnavailableException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long start = System.nanoTime();
    OrtSession.SessionOptions options = newOptions.get();
    OrtSession session = null;
    boolean handedOver = false;
    try {
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      String placed = place(what, options, device);
      session = env.createSession(bytes, options);
      List<TensorSpec> inputs;
      try {
        inputs = OnnxSignatureReader.of(session, what).inputs();
      } catch (IllegalArgumentException e) {
        throw new ModelUnavailableException(what + ": " + e.getMessage(), e);
      }
      OnnxBatchModel model = new OnnxBatchModel(env, session, options, inputs, placed);
      handedOver = true; // the model closes session and options from now on
      LOG.info(
          "Loaded {} on {} in {} ms ({} bytes, intra-op threads {})",
          what,
          placed,
          (System.nanoTime() - start) / 1_000_000,
          bytes.length,
          intraOpThreads);
      return model;
    } catch (OrtException e) {
      throw new ModelUnavailableException(
          what + " cannot be loaded by ONNX Runtime: " + e.getMessage(), e);
    } finally {
      if (!handedOver) {
        closeQuietly(what, session, options);
      }
    }
  }

  /** Closes what a failed load created, without hiding why it failed. */
  private static void closeQuietly(
      String what, OrtSession session, OrtSession.SessionOptions options) {
    try {
      if (session != null) {
        session.close();
      }
    } catch (OrtException | RuntimeException e) {
      LOG.warn("Closing the session of failed load {} failed: {}", what, e.getMessage());
    } finally {
      try {
        options.close();
      } catch (RuntimeException e) {
        LOG.warn("Closing the session options of failed load {} failed: {}", what, e.getMessage());
      }
    }
  }

  private String place(String what, OrtSession.SessionOptions options, Device device)
      throws ModelUnavailableException {
    if (device == Device.CPU) {
      return "cpu";
    }
    boolean cudaBuild = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    if (device == Device.AUTO && !cudaBuild) {
      LOG.info("{} runs on CPU: this ONNX Runtime build has no CUDA provider", what);
      return "cpu";
    }
    try {
      options.addCUDA(gpuIndex);
      return "cuda:" + gpuIndex;
    } catch (OrtException | RuntimeException e) {
      if (device == Device.CUDA) {
        throw new ModelUnavailableException(
            what + " requires device cuda, but CUDA cannot be used here: " + e.getMessage(), e);
      }
      LOG.warn(
          "{} runs on CPU: CUDA is not usable on this task manager ({})", what, e.getMessage());
      return "cpu";
    }
  }
}
