package io.inferstream.job.runtime;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Fetches {@code file://} artifacts from a shared disk and {@code http(s)://} ones (the registry).
 */
public class UriArtifactFetcher implements ArtifactFetcher {
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();

  @Override
  public byte[] fetch(URI uri) throws IOException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    switch (scheme) {
      case "file":
        return Files.readAllBytes(Path.of(uri));
      case "http":
      case "https":
        return get(uri);
      default:
        throw new IOException("unsupported artifact URI scheme '" + scheme + "': " + uri);
    }
  }

  private byte[] get(URI uri) throws IOException {
    HttpResponse<byte[]> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + uri, e);
    }
    if (response.statusCode() != 200) {
      throw new IOException("GET " + uri + " answered HTTP " + response.statusCode());
    }
    return response.body();
  }
}
