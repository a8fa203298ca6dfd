package io.inferstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.schemas.fuzz.CorpusFiles;
import io.inferstream.schemas.fuzz.Framed;
import io.inferstream.schemas.fuzz.KnownBodies;
import io.inferstream.schemas.fuzz.SeedWriter;
import io.inferstream.schemas.fuzz.StructuredRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Writes the seed corpus of this module's fuzz tests (docs/fuzzing.md). Not a test: surefire runs
 * only {@code *Test} classes; run it on purpose, from the repository root:
 *
 * <pre>mvn -pl schemas test -Dtest=FuzzCorpusGenerator</pre>
 *
 * It replaces the {@code seed-*} files and keeps Jazzer's findings ({@code crash-*}).
 */
class FuzzCorpusGenerator {
  private static final String AFFINE_JSON =
      "{\"inputs\":[{\"name\":\"input\",\"shape\":[2,4],\"datatype\":\"FP32\","
          + "\"data\":[1,1,1,1,1,1,1,1]}],"
          + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}";

  @Test
  void requests() {
    CorpusFiles raw = CorpusFiles.forTarget(RequestDecodingFuzzTest.class, "decodeRequest");
    for (Map.Entry<String, Framed> body : KnownBodies.requests().entrySet()) {
      Framed framed = body.getValue();
      raw.write(
          body.getKey(),
          Framed::raw,
          Framed::fingerprint,
          Framed.rawScript(framed.body(), framed.jsonLength()));
    }
    // the other framings of Framed.raw, on the valid binary request
    Framed binary = KnownBodies.requests().get("affine-binary");
    raw.write("mode-within-body", Framed::raw, Framed::fingerprint, 1, -7, binary.body());
    raw.write("mode-near-end", Framed::raw, Framed::fingerprint, 2, 5, binary.body());
    System.out.println(raw.written() + " seeds in " + raw.directory());

    CorpusFiles structured =
        CorpusFiles.forTarget(RequestDecodingFuzzTest.class, "decodeStructuredRequest");
    for (Map.Entry<String, Object[]> script : StructuredRequest.seedScripts().entrySet()) {
      structured.write(
          script.getKey(), StructuredRequest::build, Framed::fingerprint, script.getValue());
    }
    for (int i = 0; i < 40; i++) {
      structured.writeWith(
          "random-" + i, StructuredRequest::build, Framed::fingerprint, SeedWriter.random(i));
    }
    System.out.println(structured.written() + " seeds in " + structured.directory());
  }

  @Test
  void responses() {
    CorpusFiles files = CorpusFiles.forTarget(ResponseDecodingFuzzTest.class, "decodeResponse");
    int i = 0;
    for (Map.Entry<String, Framed> body : KnownBodies.responses().entrySet()) {
      Framed framed = body.getValue();
      List<Object> script = new ArrayList<>();
      script.add(i++ % 3); // how the round trip encodes outputs
      script.addAll(List.of(Framed.rawScript(framed.body(), framed.jsonLength())));
      files.write(
          body.getKey(),
          choices -> {
            int binary = choices.intIn(0, 2);
            return binary + "/" + Framed.raw(choices).fingerprint();
          },
          fingerprint -> fingerprint,
          script.toArray());
    }
    System.out.println(files.written() + " seeds in " + files.directory());

    CorpusFiles errors = CorpusFiles.forTarget(ResponseDecodingFuzzTest.class, "decodeError");
    KnownBodies.errors().forEach(errors::writeRaw);
    System.out.println(errors.written() + " seeds in " + errors.directory());
  }

  @Test
  void structuredScriptsBuildTheIntendedBodies() {
    assertThat(build("affine-json")).isEqualTo(AFFINE_JSON);
    assertThat(build("affine-shape-2pow62")).isEqualTo(KnownBodies.AFFINE_2POW62);
    assertThat(build("binary-shape-2pow62-size-0"))
        .isEqualTo(
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[4611686018427387904],"
                + "\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":0}}]}");
  }

  private static String build(String script) {
    Framed framed =
        StructuredRequest.build(new SeedWriter(StructuredRequest.seedScripts().get(script)));
    int length = framed.jsonLength() < 0 ? framed.body().length : framed.jsonLength();
    return new String(framed.body(), 0, length, StandardCharsets.UTF_8);
  }
}
