package io.inferstream.job.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.inferstream.job.model.Sha256;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelVersionSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates ONNX Runtime sessions: reads the artifact, verifies its sha256, and picks the device.
 * {@code auto} tries CUDA only where the ONNX Runtime build has the CUDA provider, and falls back
 * to CPU with a log line; {@code cuda} that cannot load makes the model unavailable (503).
 */
final class OnnxModelLoader {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxModelLoader.class);

  private final int intraOpThreads;
  private final int gpuIndex;

  OnnxModelLoader(int intraOpThreads, int gpuIndex) {
    this.intraOpThreads = intraOpThreads;
    this.gpuIndex = gpuIndex;
  }

  OnnxBatchModel load(String model, ModelVersionSpec version, Device device)
      throws ModelUnavailableException {
    String what = "model '" + model + "' " + version.version();
    byte[] bytes = readArtifact(what, version);
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
      return new OnnxBatchModel(env, session, options, version.inputs(), placed);
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

  private static byte[] readArtifact(String what, ModelVersionSpec version)
      throws ModelUnavailableException {
    URI uri;
    try {
      uri = URI.create(version.artifactUri());
    } catch (IllegalArgumentException e) {
      throw new ModelUnavailableException(what + " has an invalid artifact URI", e);
    }
    if (!"file".equals(uri.getScheme())) {
      throw new ModelUnavailableException(
          what + " artifact " + uri + ": only file:// artifacts can be fetched yet", null);
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(Path.of(uri));
    } catch (IOException e) {
      throw new ModelUnavailableException(what + " artifact " + uri + " cannot be read", e);
    }
    String actual = Sha256.of(bytes);
    if (!actual.equals(version.sha256())) {
      throw new ModelUnavailableException(
          what + " artifact " + uri + " has sha256 " + actual + ", expected " + version.sha256(),
          null);
    }
    return bytes;
  }
}
