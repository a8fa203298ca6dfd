package io.inferstream.schemas;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.inferstream.schemas.fuzz.Choices;
import io.inferstream.schemas.fuzz.Framed;
import io.inferstream.schemas.fuzz.Invariants;
import io.inferstream.schemas.fuzz.StructuredRequest;

/**
 * Coverage-guided fuzzing of request decoding (docs/fuzzing.md). Under plain JUnit ({@code mvn
 * verify}) each target runs its committed corpus in {@code
 * RequestDecodingFuzzTestInputs/<method>/}; with {@code JAZZER_FUZZ=1} Jazzer fuzzes one target.
 *
 * <p>Invariant: {@link InferenceCodec#decodeRequest} returns a self-consistent request or throws
 * {@link InferenceException}; any other throwable, an inconsistent tensor, or an allocation far
 * beyond the input's size is a finding.
 */
class RequestDecodingFuzzTest {

  /** Arbitrary bytes, pure JSON or binary framing with any JSON length. */
  @FuzzTest(maxDuration = "2m")
  void decodeRequest(FuzzedDataProvider data) {
    decode(Framed.raw(Choices.of(data)));
  }

  /** A mostly-valid request with fuzzed shapes, datatypes, data and binary parts. */
  @FuzzTest(maxDuration = "2m")
  void decodeStructuredRequest(FuzzedDataProvider data) {
    decode(StructuredRequest.build(Choices.of(data)));
  }

  static void decode(Framed input) {
    InferenceRequest request =
        Invariants.withinAllocationBudget(
            input.body().length, "decoding a request", () -> decodeOrNull(input));
    if (request != null) {
      Invariants.check(request);
    }
  }

  /** The request, or null for an {@link InferenceException}; anything else is thrown. */
  private static InferenceRequest decodeOrNull(Framed input) {
    try {
      return InferenceCodec.decodeRequest(input.body(), input.jsonLength());
    } catch (InferenceException rejected) {
      return null;
    }
  }
}
