package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.bench.HostileRecords.HostileRecord;
import io.inferstream.bench.HostileRecords.Identity;
import io.inferstream.bench.HostileRecords.Kind;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.TensorSpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostileRecordsTest {
  private static final TensorSpec AFFINE_LIKE =
      new TensorSpec("input", DataType.FP32, new long[] {-1, 4});
  private static final TensorSpec IMAGE =
      new TensorSpec("input", DataType.FP32, new long[] {-1, 3, 8, 8});
  private static final HostileRecords.ReplyAddress REPLY =
      new HostileRecords.ReplyAddress("inference-replies-bench", 7, 8);

  private static final Set<Kind> BODY_KINDS =
      EnumSet.of(
          Kind.JSON_BYTE_FLIP,
          Kind.JSON_TRUNCATED,
          Kind.JSON_HUGE_DIM,
          Kind.JSON_DATATYPE,
          Kind.JSON_NAN_STRINGS,
          Kind.JSON_DATA_REMOVED,
          Kind.BINARY_BYTE_FLIP,
          Kind.BINARY_TRUNCATED,
          Kind.BINARY_HUGE_DIM,
          Kind.BINARY_DATA_SIZE,
          Kind.CONTENT_LENGTH_WRONG,
          Kind.CONTENT_LENGTH_GARBAGE);

  private static RequestPayload payload(TensorSpec spec, RequestPayload.Format format) {
    return RequestPayload.create("m", List.of(spec), 1, format);
  }

  private static HostileRecords generator(TensorSpec spec, RequestPayload.Format load, long seed) {
    return new HostileRecords(
        payload(spec, RequestPayload.Format.JSON),
        payload(spec, RequestPayload.Format.BINARY),
        payload(spec, load),
        REPLY,
        seed);
  }

  private static List<HostileRecord> records(HostileRecords generator, int n) {
    List<HostileRecord> records = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      records.add(generator.next());
    }
    return records;
  }

  private static void assertSameRecords(List<HostileRecord> a, List<HostileRecord> b) {
    assertThat(a).hasSameSizeAs(b);
    for (int i = 0; i < a.size(); i++) {
      HostileRecord x = a.get(i);
      HostileRecord y = b.get(i);
      assertThat(y.kind()).as("record %d", i).isEqualTo(x.kind());
      assertThat(y.variant()).as("record %d", i).isEqualTo(x.variant());
      assertThat(y.identity()).as("record %d", i).isEqualTo(x.identity());
      assertThat(y.body()).as("record %d", i).isEqualTo(x.body());
      assertThat(y.headers()).as("record %d", i).hasSameSizeAs(x.headers());
      for (int h = 0; h < x.headers().size(); h++) {
        assertThat(y.headers().get(h).name()).isEqualTo(x.headers().get(h).name());
        assertThat(y.headers().get(h).value()).isEqualTo(x.headers().get(h).value());
      }
    }
  }

  @Test
  void theSameSeedGivesTheSameRecordsAndAnotherSeedOthers() {
    List<HostileRecord> first =
        records(generator(AFFINE_LIKE, RequestPayload.Format.JSON, 42), 500);
    List<HostileRecord> again =
        records(generator(AFFINE_LIKE, RequestPayload.Format.JSON, 42), 500);
    List<HostileRecord> other =
        records(generator(AFFINE_LIKE, RequestPayload.Format.JSON, 43), 500);

    assertSameRecords(first, again);
    assertThat(other.stream().map(HostileRecord::variant).toList())
        .isNotEqualTo(first.stream().map(HostileRecord::variant).toList());
  }

  @Test
  void everyKindIsProduced() {
    for (RequestPayload.Format load : RequestPayload.Format.values()) {
      Set<Kind> seen = EnumSet.noneOf(Kind.class);
      records(generator(AFFINE_LIKE, load, 7), 2000).forEach(r -> seen.add(r.kind()));
      assertThat(seen).as("load %s", load).containsExactlyInAnyOrder(Kind.values());
    }
  }

  @Test
  void everyKindWorksOnEveryPayloadAndEncoding() {
    for (TensorSpec spec : List.of(AFFINE_LIKE, IMAGE)) {
      for (RequestPayload.Format load : RequestPayload.Format.values()) {
        HostileRecords generator = generator(spec, load, 3);
        for (Kind kind : Kind.values()) {
          for (int i = 0; i < 50; i++) {
            HostileRecord record = generator.next(kind);
            assertThat(record.kind()).isEqualTo(kind);
            assertThat(record.body()).isNotEmpty();
            assertThat(record.variant()).isNotBlank();
          }
        }
      }
    }
  }

  @Test
  void bodiesStayAboutTheSizeOfTheValidBodyTheyComeFrom() {
    for (TensorSpec spec : List.of(AFFINE_LIKE, IMAGE)) {
      for (RequestPayload.Format load : RequestPayload.Format.values()) {
        int json = payload(spec, RequestPayload.Format.JSON).body().length;
        int binary = payload(spec, RequestPayload.Format.BINARY).body().length;
        byte[] valid = payload(spec, load).body();
        byte[] validJson = payload(spec, RequestPayload.Format.JSON).body();
        byte[] validBinary = payload(spec, RequestPayload.Format.BINARY).body();
        for (HostileRecord record : records(generator(spec, load, 11), 3000)) {
          int size = record.body().length;
          if (record.kind() == Kind.CONTENT_TYPE_GARBAGE) {
            // Some declare one valid encoding as the other.
            assertThat(record.body()).as(record.variant()).isIn(validJson, validBinary);
            continue;
          }
          if (!BODY_KINDS.contains(record.kind())) {
            assertThat(record.body()).as(record.variant()).isEqualTo(valid);
            continue;
          }
          // A binary body travels with content-type application/octet-stream.
          boolean fromBinary =
              InferenceHeaders.CONTENT_TYPE_BINARY.equals(
                  record.header(InferenceHeaders.CONTENT_TYPE));
          int source = fromBinary ? binary : json;
          assertThat(size)
              .as("%s: %s (valid %d bytes)", record.kind(), record.variant(), source)
              .isBetween(source / 2, source + source / 2 + 64);
        }
      }
    }
  }

  @Test
  void theSenderAddsTheRequestIdAndRepliesGoToTheHostilePartition() {
    for (HostileRecord record :
        records(generator(AFFINE_LIKE, RequestPayload.Format.BINARY, 5), 2000)) {
      if (record.kind() == Kind.NO_REQUEST_ID) {
        assertThat(record.identity()).isEqualTo(Identity.NONE);
        assertThat(record.header(InferenceHeaders.REQUEST_ID)).isIn(null, "");
      } else {
        assertThat(record.identity()).as(record.variant()).isNotEqualTo(Identity.NONE);
        assertThat(record.header(InferenceHeaders.REQUEST_ID)).as(record.variant()).isNull();
      }
      String partition = record.header(InferenceHeaders.REPLY_PARTITION);
      if (record.kind() == Kind.REPLY_PARTITION_BAD) {
        assertThat(partition)
            .as("never a real partition")
            .isNotIn("0", "1", "2", "3", "4", "5", "6", "7");
      } else if (record.kind() != Kind.DUPLICATE_HEADERS) {
        assertThat(partition).as(record.variant()).isEqualTo("7");
      }
      String topic = record.header(InferenceHeaders.REPLY_TOPIC);
      if (record.kind() == Kind.REPLY_TOPIC_FORBIDDEN) {
        assertThat(topic).doesNotMatch("inference-replies.*");
      } else if (record.kind() == Kind.REPLY_TOPIC_NONEXISTENT) {
        assertThat(topic).startsWith("inference-replies").isNotEqualTo(REPLY.topic());
      } else {
        assertThat(topic).as(record.variant()).isEqualTo(REPLY.topic());
      }
    }
  }

  @Test
  void theKnownPoisonShapeIsAmongTheHugeDimensions() {
    HostileRecords generator = generator(AFFINE_LIKE, RequestPayload.Format.JSON, 1);
    boolean seen = false;
    for (int i = 0; i < 500 && !seen; i++) {
      HostileRecord record = generator.next(Kind.JSON_HUGE_DIM);
      String body = new String(record.body(), java.nio.charset.StandardCharsets.UTF_8);
      seen = body.contains("\"shape\":[4611686018427387904]") && body.contains("\"data\":[1]");
    }
    assertThat(seen).isTrue();
  }
}
