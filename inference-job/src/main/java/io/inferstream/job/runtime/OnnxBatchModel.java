package io.inferstream.job.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.TensorData;
import io.inferstream.onnx.OrtTypes;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.Tensor;
import io.inferstream.schemas.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session. Inputs of a batch are concatenated row-wise into per-thread direct
 * buffers that the tensors alias (no Java arrays, no copy into ONNX Runtime); outputs are split
 * back by rows.
 */
final class OnnxBatchModel implements BatchModel, AutoCloseable {
  /** Per inference thread, one growable direct buffer per input position. */
  private static final ThreadLocal<ByteBuffer[]> BUFFERS =
      ThreadLocal.withInitial(() -> new ByteBuffer[0]);

  private final OrtEnvironment env;
  private final OrtSession session;
  private final OrtSession.SessionOptions options;
  private final List<TensorSpec> inputs;
  private final String device;

  OnnxBatchModel(
      OrtEnvironment env,
      OrtSession session,
      OrtSession.SessionOptions options,
      List<TensorSpec> inputs,
      String device) {
    this.env = env;
    this.session = session;
    this.options = options;
    this.inputs = inputs;
    this.device = device;
  }

  List<TensorSpec> inputs() {
    return inputs;
  }

  @Override
  public String device() {
    return device;
  }

  @Override
  public List<List<Tensor>> run(List<ServingRequest> requests) throws InferenceFailure {
    long totalRows = 0;
    for (ServingRequest request : requests) {
      totalRows += request.rows();
    }
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      for (int i = 0; i < inputs.size(); i++) {
        feed.put(inputs.get(i).name(), concat(i, inputs.get(i).name(), requests, totalRows));
      }
      try (OrtSession.Result result = session.run(feed)) {
        List<List<Tensor>> perRequest = new ArrayList<>(requests.size());
        for (int r = 0; r < requests.size(); r++) {
          perRequest.add(new ArrayList<>());
        }
        for (Map.Entry<String, OnnxValue> output : result) {
          split(output.getKey(), (OnnxTensor) output.getValue(), requests, totalRows, perRequest);
        }
        return perRequest;
      }
    } catch (OrtException | RuntimeException e) {
      // Anything the model or the native side rejects is a failure of this batch, never of the job.
      throw new InferenceFailure(e.getMessage(), e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  private OnnxTensor concat(int index, String name, List<ServingRequest> requests, long rows)
      throws OrtException {
    TensorData first = find(requests.get(0), name);
    long[] shape = first.shape.clone();
    shape[0] = rows;
    if (first.datatype == DataType.BYTES) {
      List<String> values = new ArrayList<>();
      for (ServingRequest request : requests) {
        for (String s : find(request, name).toTensor().asStrings()) {
          values.add(s);
        }
      }
      return OnnxTensor.createTensor(env, values.toArray(new String[0]), shape);
    }
    long bytes = 0;
    for (ServingRequest request : requests) {
      bytes += find(request, name).data.length;
    }
    // a batch too large for one buffer fails as a batch: the runner splits it
    ByteBuffer buffer = buffer(index, Math.toIntExact(bytes));
    for (ServingRequest request : requests) {
      buffer.put(find(request, name).data);
    }
    buffer.flip();
    return OnnxTensor.createTensor(env, buffer, shape, OrtTypes.toOnnx(first.datatype));
  }

  private static ByteBuffer buffer(int index, int bytes) {
    ByteBuffer[] buffers = BUFFERS.get();
    if (buffers.length <= index) {
      ByteBuffer[] grown = new ByteBuffer[index + 1];
      System.arraycopy(buffers, 0, grown, 0, buffers.length);
      buffers = grown;
      BUFFERS.set(buffers);
    }
    ByteBuffer buffer = buffers[index];
    if (buffer == null || buffer.capacity() < bytes) {
      buffer = ByteBuffer.allocateDirect(Math.max(bytes, 4096)).order(ByteOrder.nativeOrder());
      buffers[index] = buffer;
    }
    buffer.clear();
    return buffer;
  }

  private static void split(
      String name,
      OnnxTensor tensor,
      List<ServingRequest> requests,
      long totalRows,
      List<List<Tensor>> perRequest)
      throws OrtException, InferenceFailure {
    TensorInfo info = tensor.getInfo();
    long[] shape = info.getShape();
    DataType type = OrtTypes.fromOnnx(info.type);
    if (type == null) {
      throw new InferenceFailure("output '" + name + "' has unsupported type " + info.type, null);
    }
    if (requests.size() > 1 && (shape.length == 0 || shape[0] != totalRows)) {
      throw new InferenceFailure(
          "output '"
              + name
              + "' has shape "
              + Tensor.shapeString(shape)
              + ", which does not split into "
              + totalRows
              + " rows",
          null);
    }
    if (type == DataType.BYTES) {
      String[] flat = flatten(tensor.getValue());
      long perRow = shape.length == 0 || shape[0] == 0 ? 0 : flat.length / shape[0];
      int offset = 0;
      for (int r = 0; r < requests.size(); r++) {
        long rows =
            requests.size() == 1 ? (shape.length == 0 ? 1 : shape[0]) : requests.get(r).rows();
        int count = (int) (requests.size() == 1 ? flat.length : rows * perRow);
        String[] part = new String[count];
        System.arraycopy(flat, offset, part, 0, count);
        offset += count;
        perRequest.get(r).add(Tensor.ofStrings(name, rowShape(shape, rows), part));
      }
      return;
    }
    ByteBuffer all = tensor.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    long rowBytes = shape.length == 0 || shape[0] == 0 ? 0 : all.remaining() / shape[0];
    for (int r = 0; r < requests.size(); r++) {
      long rows =
          requests.size() == 1 ? (shape.length == 0 ? 1 : shape[0]) : requests.get(r).rows();
      byte[] part = new byte[requests.size() == 1 ? all.remaining() : (int) (rows * rowBytes)];
      all.get(part);
      long[] partShape = requests.size() == 1 ? shape : rowShape(shape, rows);
      perRequest.get(r).add(new Tensor(name, type, partShape, part));
    }
  }

  private static long[] rowShape(long[] shape, long rows) {
    long[] part = shape.clone();
    if (part.length > 0) {
      part[0] = rows;
    }
    return part;
  }

  private static String[] flatten(Object value) {
    List<String> out = new ArrayList<>();
    flattenInto(value, out);
    return out.toArray(new String[0]);
  }

  private static void flattenInto(Object value, List<String> out) {
    if (value instanceof String s) {
      out.add(s);
    } else if (value instanceof Object[] array) {
      for (Object element : array) {
        flattenInto(element, out);
      }
    } else if (value instanceof byte[] bytes) {
      out.add(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private static TensorData find(ServingRequest request, String name) {
    for (TensorData input : request.inputs) {
      if (input.name.equals(name)) {
        return input;
      }
    }
    throw new IllegalStateException("validated request lacks input " + name);
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing session failed: " + e.getMessage(), e);
    } finally {
      options.close();
    }
  }
}
