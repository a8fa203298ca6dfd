package io.inferstream.registry;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.inferstream.onnx.OrtTypes;
import io.inferstream.onnx.SignatureReader;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Decides whether an uploaded file is a model the job can serve, and reads its signature: it must
 * parse as ONNX, keep all its weights inside the file, open in ONNX Runtime, have at least one
 * input, and use only tensor types the serving path carries. Every refusal is a {@link
 * RegistryException} with status 400 and a message that says what is wrong.
 *
 * <p>ONNX Runtime opens the bytes from memory (a read-only mapping of the staged file), never from
 * a path, so nothing next to the file can be read as external data.
 */
public final class OnnxValidator implements SignatureReader {
  private static final Pattern ORT_PREFIX =
      Pattern.compile("^Error code - \\w+ - message(?: -|:) ?");

  /** Native stack for opening a session; 4 MiB was enough in tests, this leaves headroom. */
  private static final long STACK_BYTES = 16L * 1024 * 1024;

  private static final String SUPPORTED =
      Arrays.stream(DataType.values()).map(Enum::name).collect(Collectors.joining(", "));

  /** Validates a model file; see the class comment. */
  @Override
  public Signature read(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size == 0) {
        throw RegistryException.badRequest("the model file is empty");
      }
      if (size > Integer.MAX_VALUE) {
        throw RegistryException.tooLarge(
            "the model file has " + size + " bytes; a single-file ONNX model is below 2 GiB");
      }
      MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
      return validate(mapped);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read staged model " + file, e);
    }
  }

  /** Validates a model held in a direct buffer (ONNX Runtime reads it in place). */
  public Signature validate(ByteBuffer model) {
    if (!model.hasRemaining()) {
      throw RegistryException.badRequest("the model file is empty");
    }
    OnnxProtoScan.Result scan = OnnxProtoScan.scan(model);
    if (scan.externalTensor() != null) {
      throw RegistryException.badRequest(
          "the model keeps tensor '"
              + scan.externalTensor()
              + "' in external data (a separate file); the registry needs a single self-contained"
              + " ONNX file: re-export it with all tensors inside (e.g. onnx.save_model(model,"
              + " path, save_as_external_data=False))");
    }
    boolean looksLikeOnnx = scan.wellFormed() && scan.hasGraph();
    ByteBuffer direct = model.isDirect() ? model : copyToDirect(model);
    return onLargeStack(() -> open(direct, looksLikeOnnx));
  }

  /**
   * Opens the model in ONNX Runtime and reads its signature. Runs on a thread of its own: loading a
   * session can need more native stack than a JVM thread's default 1 MiB (ONNX Runtime 1.29 crashed
   * the whole JVM with a segmentation fault there), and the caller's thread may be any.
   */
  private static Signature open(ByteBuffer direct, boolean looksLikeOnnx) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      try (OrtSession session = env.createSession(direct.duplicate(), options)) {
        List<TensorSpec> inputs = specs("input", session.getInputInfo());
        List<TensorSpec> outputs = specs("output", session.getOutputInfo());
        if (inputs.isEmpty()) {
          throw RegistryException.badRequest(
              "the model has no inputs: there is nothing a request could feed it");
        }
        if (outputs.isEmpty()) {
          throw RegistryException.badRequest("the model has no outputs");
        }
        return new Signature(inputs, outputs);
      }
    } catch (OrtException e) {
      String reason = ORT_PREFIX.matcher(String.valueOf(e.getMessage())).replaceFirst("").strip();
      if (!looksLikeOnnx || e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_PROTOBUF) {
        throw RegistryException.badRequest(
            "not an ONNX model, or a truncated one: ONNX Runtime cannot load it (" + reason + ")");
      }
      throw RegistryException.badRequest("ONNX Runtime refuses the model: " + reason);
    }
  }

  private static <T> T onLargeStack(Callable<T> work) {
    FutureTask<T> task = new FutureTask<>(work);
    Thread thread = new Thread(null, task, "inferstream-registry-onnx-validation", STACK_BYTES);
    thread.setDaemon(true);
    thread.start();
    try {
      return task.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("model validation failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.interrupt();
      throw RegistryException.unavailable("interrupted while validating the model");
    }
  }

  private static List<TensorSpec> specs(String kind, Map<String, NodeInfo> nodes) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw RegistryException.badRequest(
            kind
                + " '"
                + node.getName()
                + "' is not a tensor ("
                + node.getInfo()
                + "); only tensor inputs and outputs can be served");
      }
      DataType type = OrtTypes.fromOnnx(info.type);
      if (type == null) {
        throw RegistryException.badRequest(
            kind
                + " '"
                + node.getName()
                + "' has the unsupported tensor type "
                + info.onnxType
                + "; supported types: "
                + SUPPORTED);
      }
      specs.add(new TensorSpec(node.getName(), type, info.getShape()));
    }
    return specs;
  }

  private static ByteBuffer copyToDirect(ByteBuffer model) {
    ByteBuffer direct = ByteBuffer.allocateDirect(model.remaining());
    direct.put(model.duplicate());
    return direct.flip();
  }
}
