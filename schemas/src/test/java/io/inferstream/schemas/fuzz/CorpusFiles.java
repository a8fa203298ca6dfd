package io.inferstream.schemas.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Writes seed inputs where Jazzer's regression mode reads them: {@code src/test/resources/<test
 * class package>/<TestClass>Inputs/<method>/}, relative to the module (the working directory of
 * Maven's test runs). Every seed is checked against Jazzer's own FuzzedDataProvider before it is
 * written: the target must make the decisions it was scripted with.
 */
public final class CorpusFiles {
  /** Generated seeds start with this; Jazzer's findings with {@code crash-} and are kept. */
  public static final String SEED_PREFIX = "seed-";

  private final Path directory;
  private int written;

  private CorpusFiles(Path directory) {
    this.directory = directory;
  }

  /** The inputs directory of {@code method} of {@code testClass}, emptied of generated seeds. */
  public static CorpusFiles forTarget(Class<?> testClass, String method) {
    Path directory =
        Path.of("src", "test", "resources")
            .resolve(testClass.getPackageName().replace('.', '/'))
            .resolve(testClass.getSimpleName() + "Inputs")
            .resolve(method);
    try {
      Files.createDirectories(directory);
      try (Stream<Path> files = Files.list(directory)) {
        for (Path file : files.toList()) {
          if (file.getFileName().toString().startsWith(SEED_PREFIX)) {
            Files.delete(file);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new CorpusFiles(directory);
  }

  /**
   * Writes the input that makes {@code target} take the decisions of {@code script}, after checking
   * that Jazzer's FuzzedDataProvider, given those bytes, leads {@code target} to the same result
   * (compared by {@code fingerprint}).
   */
  public <T> T write(
      String name, Function<Choices, T> target, Function<T, String> fingerprint, Object... script) {
    return writeWith(name, target, fingerprint, new SeedWriter(script));
  }

  /** As {@link #write}, with the decisions of {@code writer} (scripted or random). */
  public <T> T writeWith(
      String name,
      Function<Choices, T> target,
      Function<T, String> fingerprint,
      SeedWriter writer) {
    T intended = target.apply(writer);
    byte[] seed = writer.toBytes();
    T replayed = target.apply(Choices.of(provider(seed)));
    if (!fingerprint.apply(intended).equals(fingerprint.apply(replayed))) {
      throw new IllegalStateException(
          "seed " + name + " does not replay: the encoder and Jazzer's provider disagree");
    }
    writeRaw(name, seed);
    return intended;
  }

  /** Writes raw bytes, for a target that takes {@code byte[]}. */
  public void writeRaw(String name, byte[] seed) {
    try {
      Files.write(directory.resolve(SEED_PREFIX + name), seed);
      written++;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int written() {
    return written;
  }

  public Path directory() {
    return directory;
  }

  /**
   * Jazzer's own FuzzedDataProvider over {@code data} (its implementation is not API). It needs
   * Jazzer's bootstrap classes, which its agent installs: outside a fuzz test this installs them
   * without the agent, so call it only in a JVM that runs no fuzz test.
   */
  public static FuzzedDataProvider provider(byte[] data) {
    try {
      Class.forName("com.code_intelligence.jazzer.agent.AgentInstaller")
          .getMethod("install", boolean.class)
          .invoke(null, false);
      return (FuzzedDataProvider)
          Class.forName("com.code_intelligence.jazzer.driver.FuzzedDataProviderImpl")
              .getMethod("withJavaData", byte[].class)
              .invoke(null, (Object) data);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Jazzer's FuzzedDataProviderImpl is not on the classpath", e);
    }
  }
}
