package io.inferstream.job.runtime;

import io.inferstream.job.records.ServingTarget;
import io.inferstream.onnx.Sha256;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The task manager's artifacts, by sha256: fetched once per content, verified on every read, so a
 * corrupted cache file or a registry serving the wrong bytes never loads.
 */
final class ArtifactCache {
  private final Path dir;
  private final ArtifactFetcher fetcher;

  ArtifactCache(Path dir, ArtifactFetcher fetcher) {
    this.dir = dir;
    this.fetcher = fetcher;
  }

  byte[] read(ServingTarget target) throws ModelUnavailableException {
    URI uri;
    try {
      uri = URI.create(target.artifactUri);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ModelUnavailableException(
          target + " has an invalid artifact URI '" + target.artifactUri + "'", e);
    }
    Path cached = dir.resolve(target.sha256 + ".onnx");
    boolean cacheable = fetcher.cacheable(uri) && target.sha256.matches("[0-9a-f]{64}");
    try {
      if (cacheable && Files.isRegularFile(cached)) {
        byte[] bytes = Files.readAllBytes(cached);
        if (Sha256.of(bytes).equals(target.sha256)) {
          return bytes;
        }
        Files.deleteIfExists(cached); // corrupted: fetch again
      }
      byte[] bytes = fetcher.fetch(uri);
      String actual = Sha256.of(bytes);
      if (!actual.equals(target.sha256)) {
        throw new ModelUnavailableException(
            target + " artifact " + uri + " has sha256 " + actual + ", expected " + target.sha256,
            null);
      }
      if (cacheable) {
        store(cached, bytes);
      }
      return bytes;
    } catch (IOException e) {
      throw new ModelUnavailableException(
          target + " artifact " + uri + " cannot be fetched: " + e.getMessage(), e);
    }
  }

  private void store(Path cached, byte[] bytes) throws IOException {
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, cached.getFileName().toString(), ".part");
    try {
      Files.write(temp, bytes);
      Files.move(temp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
