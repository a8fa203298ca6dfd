package io.inferstream.schemas.fuzz;

import io.inferstream.schemas.DataType;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

/** What decoded data must satisfy whatever the input was; a violation is a fuzzing finding. */
public final class Invariants {
  private Invariants() {}

  private static final com.sun.management.ThreadMXBean THREADS = threads();

  /** Fixed allowance plus this many bytes per input byte: more is an allocation bomb. */
  public static final long ALLOCATION_ALLOWANCE = 32L << 20;

  public static final long ALLOCATION_PER_INPUT_BYTE = 64;

  public static void check(InferenceRequest request) {
    if (request.inputs().isEmpty()) {
      throw new AssertionError("decoded a request without inputs");
    }
    for (Tensor input : request.inputs()) {
      check(input);
    }
  }

  public static void check(InferenceResponse response) {
    if (response.modelName() == null || response.modelName().isEmpty()) {
      throw new AssertionError("decoded a response without a model name");
    }
    for (Tensor output : response.outputs()) {
      check(output);
    }
  }

  public static void check(Tensor tensor) {
    checkTensor(tensor.name(), tensor.datatype(), tensor.shape(), tensor.data());
  }

  /**
   * A tensor is self-consistent: dimensions are non-negative, the element count fits a long, and
   * the data holds exactly that many elements ({@code elementCount * byteSize} bytes for a
   * fixed-width type, that many well-framed elements for BYTES).
   */
  public static void checkTensor(String name, DataType datatype, long[] shape, byte[] data) {
    String what = "tensor '" + name + "' " + datatype + Tensor.shapeString(shape);
    if (name == null || datatype == null || shape == null || data == null) {
      throw new AssertionError(what + " has a null part");
    }
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new AssertionError(what + " has a negative dimension");
      }
      try {
        count = Math.multiplyExact(count, dim);
      } catch (ArithmeticException e) {
        throw new AssertionError(what + ": its element count overflows a long, yet it decoded");
      }
    }
    if (datatype.fixedWidth()) {
      long expected;
      try {
        expected = Math.multiplyExact(count, datatype.byteSize());
      } catch (ArithmeticException e) {
        throw new AssertionError(
            what + ": " + count + " elements overflow a long byte count, yet it decoded");
      }
      if (data.length != expected) {
        throw new AssertionError(
            what
                + " decoded with "
                + data.length
                + " data bytes, but "
                + count
                + " elements need "
                + expected);
      }
      return;
    }
    ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    long elements = 0;
    while (buf.hasRemaining()) {
      if (buf.remaining() < 4) {
        throw new AssertionError(what + " BYTES data ends inside an element length");
      }
      int length = buf.getInt();
      if (length < 0 || length > buf.remaining()) {
        throw new AssertionError(what + " BYTES element " + elements + " has length " + length);
      }
      buf.position(buf.position() + length);
      elements++;
    }
    if (elements != count) {
      throw new AssertionError(
          what + " decoded with " + elements + " BYTES elements, but its shape holds " + count);
    }
  }

  /** Bytes this thread has allocated so far, or -1 where the JVM cannot tell. */
  static long allocatedBytes() {
    return THREADS == null ? -1 : THREADS.getCurrentThreadAllocatedBytes();
  }

  /**
   * Runs {@code decode} (which must be deterministic) and checks that it allocated at most a fixed
   * allowance plus {@link #ALLOCATION_PER_INPUT_BYTE} bytes per input byte: an input that makes the
   * decoder allocate far more than its own size is an allocation bomb, even when this JVM's heap
   * happens to be large enough for it. Over budget, it runs {@code decode} once more and judges
   * that run: the first may have loaded (and, while fuzzing, instrumented) classes.
   */
  public static <T> T withinAllocationBudget(long inputBytes, String what, Supplier<T> decode) {
    long before = allocatedBytes();
    T result = decode.get();
    if (before < 0 || allocatedBytes() - before <= budget(inputBytes)) {
      return result;
    }
    before = allocatedBytes();
    decode.get();
    long used = allocatedBytes() - before;
    if (used > budget(inputBytes)) {
      throw new AssertionError(
          what
              + " of "
              + inputBytes
              + " input bytes allocated "
              + used
              + " bytes (budget "
              + budget(inputBytes)
              + "): an allocation bomb");
    }
    return result;
  }

  private static long budget(long inputBytes) {
    return ALLOCATION_ALLOWANCE + ALLOCATION_PER_INPUT_BYTE * inputBytes;
  }

  private static com.sun.management.ThreadMXBean threads() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
        && threads.isThreadAllocatedMemorySupported()) {
      threads.setThreadAllocatedMemoryEnabled(true);
      return threads;
    }
    return null;
  }
}
