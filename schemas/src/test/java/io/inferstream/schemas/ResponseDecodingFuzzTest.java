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
    if (!again.equals(response)) {
      throw new AssertionError(
          "decoded response " + response + " re-encoded decodes as a different one: " + again);
    }
  }
}
