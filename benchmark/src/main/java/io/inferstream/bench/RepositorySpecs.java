package io.inferstream.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.local.RepositoryPublisher;
import io.inferstream.schemas.ModelSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * A model repository's specs, read in a child JVM: reading signatures creates an ONNX Runtime
 * session per model, and a JVM that measures its own resident memory per model load must not have
 * had those sessions (the native allocator keeps freed memory for reuse). Prints the specs as one
 * JSON line after {@link #PREFIX}, in the registry topic's form.
 */
public final class RepositorySpecs {
  static final String PREFIX = "repository-specs:";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RepositorySpecs() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: RepositorySpecs <model repository>");
      System.exit(2);
    }
    // Signatures come from ONNX Runtime sessions: off the main thread (see BigStack).
    List<ModelSpec> specs =
        BigStack.call("repository-specs", () -> RepositoryPublisher.read(Path.of(args[0])));
    System.out.println(PREFIX + MAPPER.writeValueAsString(specs));
  }

  /**
   * The specs in a {@link #main} output.
   *
   * @throws IllegalArgumentException if there is no such line or it is not a list of specs
   */
  static List<ModelSpec> parse(String output) {
    String line =
        output
            .lines()
            .filter(l -> l.startsWith(PREFIX))
            .findFirst()
            .orElseThrow(
                () -> new IllegalArgumentException("no '" + PREFIX + "' line in the output"));
    try {
      return MAPPER.readValue(line.substring(PREFIX.length()), new TypeReference<>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a list of model specs: " + e.getOriginalMessage(), e);
    }
  }
}
