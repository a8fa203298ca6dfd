package io.inferstream.job.testing;

import io.inferstream.job.runtime.UriArtifactFetcher;
import java.io.IOException;
import java.net.URI;

/** Fetches like the real fetcher, but takes 2 s more: a slow artifact store for swap tests. */
public class SlowArtifactFetcher extends UriArtifactFetcher {
  @Override
  public byte[] fetch(URI uri) throws IOException {
    try {
      Thread.sleep(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return super.fetch(uri);
  }
}
