package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.onnx.Sha256;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP layer on a real Undertow server, without Kafka: the registry topic is never started, so
 * the API behaves as while a registry is still reading its topic; artifacts are served from the
 * store regardless.
 */
class HttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private Undertow server;
  private String base;
  private LocalArtifactStore store;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void startServer() {
    RegistrySettings settings =
        RegistrySettings.builder().port(0).artifactDir(dir.resolve("artifacts")).build();
    store = new LocalArtifactStore(settings.artifactDir());
    RegistryService service =
        new RegistryService(
            settings,
            new RegistryTopic(settings),
            new StatusBoard(),
            store,
            new OnnxValidator(),
            () -> base);
    HttpApi api =
        new HttpApi(
            service,
            settings,
            StagedUpload.prepareDirectory(settings.artifactDir().resolve("staging")));
    server =
        Undertow.builder()
            .addHttpListener(0, "localhost")
            .setIoThreads(1)
            .setWorkerThreads(2)
            .setHandler(api.handler())
            .build();
    server.start();
    int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    base = "http://localhost:" + port;
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  @Test
  void answers503UntilTheTopicIsRead() throws Exception {
    HttpResponse<String> health = get("/api/v1/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("starting");
    assertError(get("/api/v1/models"), 503, "still reading its topic");
    assertError(get("/api/v1/models/affine"), 503, "still reading its topic");
    HttpResponse<String> upload =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/models/affine/versions/1"))
                .PUT(BodyPublishers.ofByteArray(new byte[] {1, 2, 3}))
                .build(),
            BodyHandlers.ofString());
    assertError(upload, 503, "still reading its topic");
  }

  @Test
  void unknownPathsAndMethodsGetJsonErrors() throws Exception {
    assertError(get("/api/v1/nothing"), 404, "no such endpoint: GET /api/v1/nothing");
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/models"))
                .POST(BodyPublishers.ofString("{}"))
                .build(),
            BodyHandlers.ofString());
    assertError(post, 405, "POST is not allowed on /api/v1/models");
  }

  @Test
  void servesArtifactsWithTheirChecksumAsETag() throws Exception {
    byte[] bytes = "onnx bytes".getBytes();
    String sha = Sha256.of(bytes);
    store.put(sha, Files.write(dir.resolve("a"), bytes));
    String uri = "/api/v1/artifacts/" + sha;

    HttpResponse<byte[]> ok = bytes(HttpRequest.newBuilder(URI.create(base + uri)));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo(bytes);
    assertThat(ok.headers().firstValue("ETag")).contains("\"" + sha + "\"");
    assertThat(ok.headers().firstValue("Content-Type")).contains("application/octet-stream");
    assertThat(ok.headers().firstValue("Cache-Control"))
        .hasValueSatisfying(v -> assertThat(v).contains("immutable"));

    for (String ifNoneMatch :
        new String[] {"\"" + sha + "\"", "\"other\", W/\"" + sha + "\"", "*"}) {
      HttpResponse<byte[]> notModified =
          bytes(
              HttpRequest.newBuilder(URI.create(base + uri)).header("If-None-Match", ifNoneMatch));
      assertThat(notModified.statusCode()).as(ifNoneMatch).isEqualTo(304);
      assertThat(notModified.headers().firstValue("ETag")).contains("\"" + sha + "\"");
    }
    HttpResponse<byte[]> changed =
        bytes(HttpRequest.newBuilder(URI.create(base + uri)).header("If-None-Match", "\"other\""));
    assertThat(changed.statusCode()).isEqualTo(200);

    HttpResponse<byte[]> head =
        bytes(
            HttpRequest.newBuilder(URI.create(base + uri)).method("HEAD", BodyPublishers.noBody()));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(bytes.length);
    assertThat(head.body()).isEmpty();

    assertError(get("/api/v1/artifacts/" + "0".repeat(64)), 404, "no artifact with sha256");
    assertError(get("/api/v1/artifacts/not-a-checksum"), 404, "not an artifact checksum");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<byte[]> bytes(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofByteArray());
  }

  private static void assertError(HttpResponse<String> response, int status, String message)
      throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("code").asInt()).isEqualTo(status);
    assertThat(body.get("error").asText()).contains(message);
  }
}
