package io.inferstream.job.operators;

import static io.inferstream.job.operators.RequestDecoderFuzzTest.BYTES_VALUE;
import static io.inferstream.job.operators.RequestDecoderFuzzTest.EMPTY_KEY;
import static io.inferstream.job.operators.RequestDecoderFuzzTest.KEY;
import static io.inferstream.job.operators.RequestDecoderFuzzTest.NO_BODY;
import static io.inferstream.job.operators.RequestDecoderFuzzTest.NO_KEY;
import static io.inferstream.job.operators.RequestDecoderFuzzTest.RAW_BODY;
import static io.inferstream.job.operators.RequestDecoderFuzzTest.STRUCTURED_BODY;
import static io.inferstream.job.operators.RequestDecoderFuzzTest.headerIndex;
import static io.inferstream.job.operators.RequestDecoderFuzzTest.utf8;

import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.fuzz.CorpusFiles;
import io.inferstream.schemas.fuzz.Framed;
import io.inferstream.schemas.fuzz.KnownBodies;
import io.inferstream.schemas.fuzz.SeedWriter;
import io.inferstream.schemas.fuzz.StructuredRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Writes the seed corpus of {@link RequestDecoderFuzzTest} (docs/fuzzing.md): every known body
 * (valid and hostile, but for the allocation bombs) as a record with the headers a client sends
 * with it, the structured requests, header attacks on a valid body, and random records. Not a test:
 * surefire runs only {@code *Test} classes; run it on purpose, from the repository root:
 *
 * <pre>mvn -pl inference-job test -Dtest=RequestDecoderCorpusGenerator</pre>
 */
class RequestDecoderCorpusGenerator {
  private CorpusFiles files;

  @Test
  void records() {
    files = CorpusFiles.forTarget(RequestDecoderFuzzTest.class, "decodeRecord");
    Map<String, Framed> bodies = KnownBodies.requests();
    for (Map.Entry<String, Framed> entry : bodies.entrySet()) {
      String name = entry.getKey();
      if (name.startsWith("alloc-bomb")) {
        // in the schemas corpus, whose tests run with a 1 GB heap so that a bomb fails at once;
        // here (the default heap) each would allocate its 1.6-2 GB, for up to a minute
        continue;
      }
      Framed body = entry.getValue();
      List<String> headers = new ArrayList<>();
      headers.addAll(List.of(InferenceHeaders.REQUEST_ID, "r-" + name));
      headers.addAll(
          List.of(InferenceHeaders.MODEL, name.startsWith("digits") ? "digits-mlp" : "affine"));
      if (body.jsonLength() != -1) {
        headers.addAll(
            List.of(
                InferenceHeaders.CONTENT_TYPE,
                InferenceHeaders.CONTENT_TYPE_BINARY,
                InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
                Integer.toString(body.jsonLength())));
      }
      raw(name, NO_KEY, null, body.body(), headers.toArray(new String[0]));
    }

    byte[] json = bodies.get("affine-json").body();
    Framed binary = bodies.get("affine-binary");
    String length = Integer.toString(binary.jsonLength());
    String rid = InferenceHeaders.REQUEST_ID;
    String model = InferenceHeaders.MODEL;
    String type = InferenceHeaders.CONTENT_TYPE;
    String ihcl = InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH;
    String octets = InferenceHeaders.CONTENT_TYPE_BINARY;
    // inference-header-content-length against the body
    for (String value :
        List.of(Integer.toString(binary.body().length + 1), "-1", "abc", "", "2147483648", " 4 ")) {
      raw(
          "ihcl-" + (value.isBlank() ? "blank" : value.trim()),
          NO_KEY,
          null,
          binary.body(),
          rid,
          "r1",
          model,
          "affine",
          type,
          octets,
          ihcl,
          value);
    }
    raw(
        "ihcl-with-json-content-type",
        NO_KEY,
        null,
        binary.body(),
        rid,
        "r1",
        model,
        "affine",
        type,
        "application/json",
        ihcl,
        length);
    raw(
        "octet-stream-without-ihcl",
        NO_KEY,
        null,
        binary.body(),
        rid,
        "r1",
        model,
        "affine",
        type,
        octets);
    raw(
        "ihcl-without-content-type",
        NO_KEY,
        null,
        binary.body(),
        rid,
        "r1",
        model,
        "affine",
        ihcl,
        length);
    raw("content-type-text", NO_KEY, null, json, rid, "r1", model, "affine", type, "text/plain");
    // identity and addressing
    raw("duplicate-model", NO_KEY, null, json, rid, "r1", model, "unknown", model, "affine");
    raw("duplicate-request-id", NO_KEY, null, json, rid, "r1", rid, "r2", model, "affine");
    raw("request-id-from-key", KEY, utf8("k1"), json, model, "affine");
    raw("empty-key-no-request-id", EMPTY_KEY, null, json, model, "affine");
    raw("no-key-no-request-id", NO_KEY, null, json, model, "affine");
    raw("no-model", NO_KEY, null, json, rid, "r1");
    raw("unknown-model", NO_KEY, null, json, rid, "r1", model, "unknown");
    raw("digits-with-affine-body", NO_KEY, null, json, rid, "r1", model, "digits-mlp");
    raw(
        "reply-topic-not-allowed",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.REPLY_TOPIC,
        "payments");
    raw(
        "reply-topic-gone",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.REPLY_TOPIC,
        "inference-replies-gone");
    raw(
        "reply-topic-no-partitions",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.REPLY_TOPIC,
        "inference-replies-empty");
    raw(
        "reply-partition-out-of-range",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.REPLY_PARTITION,
        "5");
    raw(
        "reply-partition-not-a-number",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.REPLY_PARTITION,
        "x");
    raw(
        "reply-partition-x-topic",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.REPLY_TOPIC,
        "inference-replies-x",
        InferenceHeaders.REPLY_PARTITION,
        "0");
    raw(
        "deadline-not-a-number",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.DEADLINE,
        "x");
    raw(
        "deadline-negative",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.DEADLINE,
        "-1");
    raw(
        "priority-unknown",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.PRIORITY,
        "urgent");
    raw(
        "all-headers",
        NO_KEY,
        null,
        json,
        rid,
        "r1",
        model,
        "affine",
        InferenceHeaders.MODEL_VERSION,
        "prod",
        InferenceHeaders.API_KEY,
        "key-1",
        InferenceHeaders.PRIORITY,
        "high",
        InferenceHeaders.DEADLINE,
        "99999999999999",
        InferenceHeaders.REPLY_TOPIC,
        "inference-replies-x",
        InferenceHeaders.REPLY_PARTITION,
        "0");
    raw("empty-header-name", NO_KEY, null, json, "", "x", rid, "r1", model, "affine");
    rawBytes(
        "invalid-utf8-request-id",
        json,
        rid,
        new byte[] {(byte) 0xff, (byte) 0xfe},
        model,
        utf8("affine"));
    rawBytes("invalid-utf8-model", json, rid, utf8("r1"), model, new byte[] {(byte) 0xc3});
    // a tombstone: no body at all
    files.write(
        "no-body",
        RequestDecoderFuzzTest::record,
        RequestDecoderFuzzTest::fingerprint,
        script(NO_BODY, new Object[0], NO_KEY, null, List.of(rid, "r1", model, "affine")));

    // the structured requests, as records
    for (Map.Entry<String, Object[]> entry : StructuredRequest.seedScripts().entrySet()) {
      files.write(
          "structured-" + entry.getKey(),
          RequestDecoderFuzzTest::record,
          RequestDecoderFuzzTest::fingerprint,
          script(
              STRUCTURED_BODY,
              entry.getValue(),
              NO_KEY,
              null,
              List.of(rid, "r-" + entry.getKey(), model, "affine")));
    }
    for (int i = 0; i < 30; i++) {
      files.writeWith(
          "random-" + i,
          RequestDecoderFuzzTest::record,
          RequestDecoderFuzzTest::fingerprint,
          SeedWriter.random(1000 + i));
    }
    System.out.println(files.written() + " seeds in " + files.directory());
  }

  /** A record with a raw body and headers given as name, value pairs. */
  private void raw(String name, int keyKind, byte[] key, byte[] body, String... headers) {
    List<Object> pairs = new ArrayList<>(Arrays.asList((Object[]) headers));
    files.write(
        name,
        RequestDecoderFuzzTest::record,
        RequestDecoderFuzzTest::fingerprint,
        script(RAW_BODY, body, keyKind, key, pairs));
  }

  /** A record with a raw body and headers whose values are given as bytes. */
  private void rawBytes(String name, byte[] body, Object... headers) {
    files.write(
        name,
        RequestDecoderFuzzTest::record,
        RequestDecoderFuzzTest::fingerprint,
        script(RAW_BODY, body, NO_KEY, null, Arrays.asList(headers)));
  }

  /**
   * The decisions of {@link RequestDecoderFuzzTest#record}: body kind (then the structured
   * request's own decisions), key, headers (every value as bytes), then the raw body.
   */
  private static Object[] script(
      int bodyKind, Object body, int keyKind, byte[] key, List<Object> headers) {
    List<Object> script = new ArrayList<>();
    script.add(bodyKind);
    if (bodyKind == STRUCTURED_BODY) {
      script.addAll(Arrays.asList((Object[]) body));
    }
    script.add(keyKind);
    if (keyKind == KEY) {
      script.add(key.length);
      script.add(key);
    }
    script.add(headers.size() / 2);
    for (int i = 0; i < headers.size(); i += 2) {
      Object value = headers.get(i + 1);
      byte[] bytes = value instanceof String text ? utf8(text) : (byte[]) value;
      script.add(headerIndex((String) headers.get(i)));
      script.add(BYTES_VALUE);
      script.add(bytes.length);
      script.add(bytes);
    }
    if (bodyKind == RAW_BODY) {
      script.add(body);
    }
    return script.toArray();
  }
}
