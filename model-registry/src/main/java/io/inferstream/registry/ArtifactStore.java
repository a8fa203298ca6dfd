package io.inferstream.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where model artifacts live, content-addressed by their SHA-256 (lowercase hex). Storing the same
 * bytes twice is a no-op, and an artifact never changes once stored, so readers may cache it by
 * checksum forever. {@link LocalArtifactStore} keeps them in a directory; an S3-compatible store
 * can implement the same four operations.
 */
public interface ArtifactStore {

  Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** A stored artifact. */
  record Artifact(String sha256, long size) {}

  /**
   * Stores the bytes of {@code file} under {@code sha256}, atomically: a reader sees the whole
   * artifact or none. The file stays the caller's.
   *
   * @throws IllegalArgumentException if the file's bytes do not hash to {@code sha256}
   */
  void put(String sha256, Path file) throws IOException;

  /** The artifact, if stored. */
  Optional<Artifact> find(String sha256) throws IOException;

  /**
   * Opens a stored artifact for reading.
   *
   * @throws java.nio.file.NoSuchFileException if it is not stored
   */
  InputStream open(String sha256) throws IOException;

  default boolean contains(String sha256) throws IOException {
    return find(sha256).isPresent();
  }

  /** Whether {@code text} is a checksum this store can address (64 lowercase hex digits). */
  static boolean isSha256(String text) {
    return text != null && SHA256.matcher(text).matches();
  }
}
