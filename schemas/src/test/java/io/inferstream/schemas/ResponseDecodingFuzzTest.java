package io.inferstream.schemas;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.inferstream.schemas.fuzz.Choices;
import io.inferstream.schemas.fuzz.Framed;
import io.inferstream.schemas.fuzz.Invariants;
import java.util.function.Predicate;

/**
 * Coverage-guided fuzzing of response and error decoding (docs/fuzzing.md): clients decode what the
 * job sends, so the same invariant holds as for requests (a result or an {@link
 * InferenceException}, nothing else), and a decoded response re-encoded by {@link
 * InferenceCodec#encodeResponse} decodes to an equal response.
 */
class ResponseDecodingFuzzTest {

  /** How outputs travel when a decoded response is encoded again. */
  static final int NONE_BINARY = 0;

  static final int ALL_BINARY = 1;
  static final int SOME_BINARY = 2;

  /** Arbitrary bytes and framing; then the round trip through {@code encodeResponse}. */
  @FuzzTest(maxDuration = "2m")
  void decodeResponse(FuzzedDataProvider data) {
    Choices choices = Choices.of(data);
    int binary = choices.intIn(NONE_BINARY, SOME_BINARY);
    roundTrip(Framed.raw(choices), binary);
  }

  /** Arbitrary bytes as an error reply body. */
  @FuzzTest(maxDuration = "2m")
  void decodeError(byte[] body) {
    ErrorBody error =
        Invariants.withinAllocationBudget(
            body.length,
            "decoding an error reply",
            () -> {
              try {
                return InferenceCodec.decodeError(body);
              } catch (InferenceException rejected) {
                return null;
              }
            });
    if (error == null) {
      return;
    }
    if (error.error() == null || error.error().isEmpty()) {
      throw new AssertionError("decoded an error reply without a message: " + error);
    }
    ErrorBody again = InferenceCodec.decodeError(InferenceCodec.encodeError(error));
    if (!again.equals(error)) {
      throw new AssertionError("error reply " + error + " re-encoded decodes as " + again);
    }
  }

  static void roundTrip(Framed input, int binary) {
    InferenceResponse response =
        Invariants.withinAllocationBudget(
            input.body().length,
            "decoding a response",
            () -> {
              try {
                return InferenceCodec.decodeResponse(input.body(), input.jsonLength());
              } catch (InferenceException rejected) {
                return null;
              }
            });
    if (response == null) {
      return;
    }
    Invariants.check(response);
    Predicate<String> binaryOutput =
        switch (binary) {
          case NONE_BINARY -> name -> false;
          case ALL_BINARY -> name -> true;
          default -> name -> (name.hashCode() & 1) == 1;
        };
    InferenceCodec.EncodedBody encoded = InferenceCodec.encodeResponse(response, binaryOutput);
    InferenceResponse again;
    try {
      again = InferenceCodec.decodeResponse(encoded.bytes(), encoded.jsonLength());
    } catch (InferenceException e) {
      throw new AssertionError(
          "decoded response " + response + " re-encoded does not decode: " + e.getMessage(), e);
    }
    if (!sameAcrossEncodings(response, again, binaryOutput)) {
      throw new AssertionError(
          "decoded response " + response + " re-encoded decodes as a different one: " + again);
    }
  }

  /**
   * Equal, except for what JSON cannot carry and the codec is documented to normalise: NaN payloads
   * (every NaN is "NaN"), BOOL bytes other than 0 and 1 (a BOOL is true when its byte is not 0, and
   * JSON carries only {@code true} or {@code false}, which decode to 1 and 0) and BYTES elements
   * that are not UTF-8 (JSON strings are text). Binary outputs must come back byte for byte.
   */
  static boolean sameAcrossEncodings(
      InferenceResponse a, InferenceResponse b, Predicate<String> binaryOutput) {
    if (!java.util.Objects.equals(a.modelName(), b.modelName())
        || !java.util.Objects.equals(a.modelVersion(), b.modelVersion())
        || !java.util.Objects.equals(a.id(), b.id())
        || !a.parameters().equals(b.parameters())
        || a.outputs().size() != b.outputs().size()) {
      return false;
    }
    for (int i = 0; i < a.outputs().size(); i++) {
      Tensor x = a.outputs().get(i);
      Tensor y = b.outputs().get(i);
      if (!x.name().equals(y.name())
          || x.datatype() != y.datatype()
          || !java.util.Arrays.equals(x.shape(), y.shape())
          || !x.parameters().equals(y.parameters())) {
        return false;
      }
      boolean same =
          binaryOutput.test(x.name())
              ? java.util.Arrays.equals(x.data(), y.data())
              : switch (x.datatype()) {
                case FP32 -> java.util.Arrays.equals(x.asFloats(), y.asFloats());
                case FP64 -> java.util.Arrays.equals(x.asDoubles(), y.asDoubles());
                case BOOL -> sameTruth(x.data(), y.data());
                case BYTES -> java.util.Arrays.equals(x.asStrings(), y.asStrings());
                default -> java.util.Arrays.equals(x.data(), y.data());
              };
      if (!same) {
        return false;
      }
    }
    return true;
  }

  /** The same booleans: each element zero in both or in neither. */
  private static boolean sameTruth(byte[] a, byte[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if ((a[i] != 0) != (b[i] != 0)) {
        return false;
      }
    }
    return true;
  }
}
