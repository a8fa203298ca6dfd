package io.inferstream.job.records;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.topics.InferenceTopics;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RepliesTest {
  private static final String KEY = "isk_secret-that-must-not-leave-the-job";

  @Test
  void aDeadLetterNeverCarriesTheApiKey() {
    RawRequest raw = raw(new byte[] {'{', '}'}, "request-id", "r1", "api-key", KEY, "API-KEY", KEY);

    OutboundRecord dead = Replies.deadLetter(raw, "dead", "no reply address");

    assertThat(dead.headerNames)
        .containsExactly(
            "request-id",
            InferenceHeaders.DEAD_LETTER_REASON,
            InferenceHeaders.DEAD_LETTER_TOPIC,
            InferenceHeaders.DEAD_LETTER_PARTITION,
            InferenceHeaders.DEAD_LETTER_OFFSET);
    assertThat(dead.value).isEqualTo(raw.value);
    assertThat(allBytes(dead)).doesNotContain(KEY);
  }

  @Test
  void aDeadLetterThatDropsItsValueStillDropsTheApiKey() {
    RawRequest raw = raw(new byte[InferenceTopics.MAX_RECORD_BYTES], "api-key", KEY);

    OutboundRecord dead = Replies.deadLetter(raw, "dead", "too large");

    assertThat(dead.value).isNull();
    assertThat(dead.headerNames)
        .containsExactly(
            InferenceHeaders.DEAD_LETTER_REASON,
            InferenceHeaders.DEAD_LETTER_TOPIC,
            InferenceHeaders.DEAD_LETTER_PARTITION,
            InferenceHeaders.DEAD_LETTER_OFFSET,
            InferenceHeaders.DEAD_LETTER_VALUE_DROPPED);
    assertThat(allBytes(dead)).doesNotContain(KEY);
  }

  private static RawRequest raw(byte[] value, String... headers) {
    RawRequest raw = new RawRequest();
    raw.topic = "inference-requests";
    raw.key = "r1".getBytes(StandardCharsets.UTF_8);
    raw.value = value;
    raw.headerNames = new String[headers.length / 2];
    raw.headerValues = new byte[headers.length / 2][];
    for (int i = 0; i < headers.length / 2; i++) {
      raw.headerNames[i] = headers[2 * i];
      raw.headerValues[i] = headers[2 * i + 1].getBytes(StandardCharsets.UTF_8);
    }
    return raw;
  }

  /** Headers and key as text: wherever the secret could hide. */
  private static String allBytes(OutboundRecord record) {
    StringBuilder all = new StringBuilder(new String(record.key, StandardCharsets.UTF_8));
    for (int i = 0; i < record.headerNames.length; i++) {
      all.append(record.headerNames[i])
          .append(new String(record.headerValues[i], StandardCharsets.UTF_8));
    }
    return all.toString();
  }
}
