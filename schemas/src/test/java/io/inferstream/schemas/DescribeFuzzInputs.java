package io.inferstream.schemas;

import io.inferstream.schemas.fuzz.Choices;
import io.inferstream.schemas.fuzz.CorpusFiles;
import io.inferstream.schemas.fuzz.Framed;
import io.inferstream.schemas.fuzz.StructuredRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Prints what each input of the schemas fuzz targets means (the body, its JSON length) and what
 * decoding it does, to triage findings (docs/fuzzing.md). Not a test; run it on purpose:
 *
 * <pre>mvn -pl schemas test -Dtest=DescribeFuzzInputs [-Dfuzz.inputs=crash-]</pre>
 *
 * {@code fuzz.inputs} selects files by name prefix (default: every file).
 */
class DescribeFuzzInputs {

  @Test
  void describe() throws IOException {
    String prefix = System.getProperty("fuzz.inputs", "");
    Path base = Path.of("src/test/resources/io/inferstream/schemas");
    describe(
        base.resolve("RequestDecodingFuzzTestInputs/decodeRequest"), prefix, Framed::raw, false);
    describe(
        base.resolve("RequestDecodingFuzzTestInputs/decodeStructuredRequest"),
        prefix,
        StructuredRequest::build,
        false);
    describe(
        base.resolve("ResponseDecodingFuzzTestInputs/decodeResponse"),
        prefix,
        c -> {
          c.intIn(0, 2);
          return Framed.raw(c);
        },
        true);
  }

  private static void describe(
      Path directory, String prefix, Function<Choices, Framed> target, boolean response)
      throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (!name.startsWith(prefix)) {
          continue;
        }
        Framed input = target.apply(Choices.of(CorpusFiles.provider(Files.readAllBytes(file))));
        System.out.println(directory.getFileName() + "/" + name + ": " + summary(input));
        System.out.println("    -> " + outcome(input, response));
      }
    }
  }

  static String summary(Framed input) {
    byte[] body = input.body();
    int json =
        input.jsonLength() >= 0 && input.jsonLength() <= body.length
            ? input.jsonLength()
            : body.length;
    String text = new String(body, 0, Math.min(json, 400), StandardCharsets.UTF_8);
    return "jsonLength="
        + input.jsonLength()
        + " body="
        + body.length
        + " bytes: "
        + text.replaceAll("\\p{Cntrl}", "?")
        + (json > 400 ? "..." : "")
        + (json < body.length ? " + " + (body.length - json) + " binary bytes" : "");
  }

  static String outcome(Framed input, boolean response) {
    try {
      Object decoded =
          response
              ? InferenceCodec.decodeResponse(input.body(), input.jsonLength())
              : InferenceCodec.decodeRequest(input.body(), input.jsonLength());
      return "decoded " + decoded;
    } catch (InferenceException e) {
      return "rejected: " + e.getMessage();
    } catch (Throwable t) {
      StackTraceElement[] stack = t.getStackTrace();
      return t + (stack.length > 0 ? " at " + stack[0] : "");
    }
  }
}
