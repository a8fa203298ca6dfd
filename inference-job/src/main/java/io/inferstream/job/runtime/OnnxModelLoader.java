package io.inferstream.job.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.inferstream.onnx.OnnxSignatureReader;
import io.inferstream.schemas.Device;
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

  OnnxModelLoader(int intraOpThreads, int gpuIndex) {
    this.intraOpThreads = intraOpThreads;
    this.gpuIndex = gpuIndex;
  }

  OnnxBatchModel load(String what, byte[] bytes, Device device) throws ModelUnavailableException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long start = System.nanoTime();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      String placed = place(what, options, device);
      OrtSession session = env.createSession(bytes, options);
      LOG.info(
          "Loaded {} on {} in {} ms ({} bytes, intra-op threads {})",
          what,
          placed,
          (System.nanoTime() - start) / 1_000_000,
          bytes.length,
          intraOpThreads);
      try {
        return new OnnxBatchModel(
            env, session, options, OnnxSignatureReader.of(session, what).inputs(), placed);
      } catch (IllegalArgumentException e) {
        session.close();
        throw new ModelUnavailableException(what + ": " + e.getMessage(), e);
      }
    } catch (OrtException e) {
      options.close();
      throw new ModelUnavailableException(
          what + " cannot be loaded by ONNX Runtime: " + e.getMessage(), e);
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
