package io.inferstream.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An uploaded body written to a temporary file while its SHA-256 and size are computed; deleted on
 * {@link #close()}. Nothing is decided about its content here.
 */
public final class StagedUpload implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StagedUpload.class);

  /** Files older than this in the staging directory are leftovers of a process that died. */
  private static final Duration LEFTOVER_AGE = Duration.ofHours(1);

  private final Path file;
  private final String sha256;
  private final long size;

  private StagedUpload(Path file, String sha256, long size) {
    this.file = file;
    this.sha256 = sha256;
    this.size = size;
  }

  public Path file() {
    return file;
  }

  public String sha256() {
    return sha256;
  }

  public long size() {
    return size;
  }

  /**
   * Copies {@code body} into a new file in {@code dir}.
   *
   * @throws RegistryException 413 as soon as the body exceeds {@code maxBytes}
   */
  public static StagedUpload stage(InputStream body, Path dir, long maxBytes) throws IOException {
    Path temp = Files.createTempFile(dir, "upload-", ".onnx");
    boolean done = false;
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      long size = 0;
      byte[] buffer = new byte[1 << 16];
      try (OutputStream out = Files.newOutputStream(temp)) {
        for (int n; (n = body.read(buffer)) >= 0; ) {
          size += n;
          if (size > maxBytes) {
            throw tooLarge(maxBytes);
          }
          digest.update(buffer, 0, n);
          out.write(buffer, 0, n);
        }
      }
      done = true;
      return new StagedUpload(temp, HexFormat.of().formatHex(digest.digest()), size);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
  }

  static RegistryException tooLarge(long maxBytes) {
    return RegistryException.tooLarge(
        "the model file is larger than this registry's upload limit of "
            + maxBytes
            + " bytes (--max-upload-bytes)");
  }

  /** Creates the staging directory and removes leftovers older than an hour. */
  static Path prepareDirectory(Path dir) {
    try {
      Files.createDirectories(dir);
      Instant cutoff = Instant.now().minus(LEFTOVER_AGE);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.toList()) {
          if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
            Files.deleteIfExists(file);
          }
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the upload staging directory " + dir, e);
    }
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("Could not delete staged upload {}", file, e);
    }
  }
}
