package io.inferstream.job.runtime;

import java.io.IOException;
import java.net.URI;

/**
 * Reads a model artifact by URI. The task manager verifies the sha256 and caches what it fetched;
 * an implementation only moves bytes. Chosen by {@code inference.artifact.fetcher} (a class with a
 * no-argument constructor), so S3 or other stores can be added.
 */
public interface ArtifactFetcher {
  byte[] fetch(URI uri) throws IOException;

  /** Whether artifacts from this URI are worth a local copy ({@code file://} ones are not). */
  default boolean cacheable(URI uri) {
    return !"file".equals(uri.getScheme());
  }
}
