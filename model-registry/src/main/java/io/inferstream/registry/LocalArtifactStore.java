package io.inferstream.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Artifacts as files under a directory: {@code <dir>/sha256/<first two hex digits>/<sha256>}. A put
 * copies into {@code <dir>/tmp/} while checking the checksum, then moves the copy into place
 * atomically; a second put of the same checksum finds it there and does nothing.
 */
public final class LocalArtifactStore implements ArtifactStore {
  private final Path root;
  private final Path tmp;

  public LocalArtifactStore(Path dir) {
    this.root = dir.toAbsolutePath().normalize().resolve("sha256");
    this.tmp = dir.toAbsolutePath().normalize().resolve("tmp");
    try {
      Files.createDirectories(root);
      Files.createDirectories(tmp);
      deleteLeftovers(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the artifact directory " + dir, e);
    }
  }

  /** The file of an artifact (whether or not it is stored). */
  public Path path(String sha256) {
    requireSha256(sha256);
    return root.resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  @Override
  public void put(String sha256, Path file) throws IOException {
    Path target = path(sha256);
    if (Files.isRegularFile(target)) {
      return;
    }
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempFile(tmp, sha256.substring(0, 8) + "-", ".part");
    try {
      MessageDigest digest = sha256Digest();
      try (InputStream in = Files.newInputStream(file);
          OutputStream out =
              new DigestOutputStream(
                  Files.newOutputStream(temp, StandardOpenOption.TRUNCATE_EXISTING), digest)) {
        in.transferTo(out);
      }
      String actual = HexFormat.of().formatHex(digest.digest());
      if (!actual.equals(sha256)) {
        throw new IllegalArgumentException(
            "artifact bytes hash to " + actual + ", not to the declared " + sha256);
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      move(temp, target);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public Optional<Artifact> find(String sha256) throws IOException {
    Path file = path(sha256);
    try {
      return Optional.of(new Artifact(sha256, Files.size(file)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public InputStream open(String sha256) throws IOException {
    return Files.newInputStream(path(sha256));
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      // another put of the same bytes won the race: same content, nothing to do
    } catch (AtomicMoveNotSupportedException e) {
      try {
        Files.move(temp, target);
      } catch (FileAlreadyExistsException raced) {
        // as above
      }
    }
  }

  private static void requireSha256(String sha256) {
    if (!ArtifactStore.isSha256(sha256)) {
      throw new IllegalArgumentException(
          "'" + sha256 + "' is not a sha256 checksum (64 lowercase hex digits)");
    }
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /**
   * Partial copies from a process that died mid-put. Only old ones: another registry instance may
   * share the directory and be copying right now.
   */
  private static void deleteLeftovers(Path dir) throws IOException {
    Instant cutoff = Instant.now().minus(Duration.ofHours(1));
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
          Files.deleteIfExists(file);
        }
      }
    }
  }
}
