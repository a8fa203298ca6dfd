package io.inferstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU layout ({@code bin/flink-cluster start --gpu}: onnxruntime_gpu in lib/, Flink's gpu
 * external resource) on a machine without a usable GPU: a model with device {@code auto} runs on
 * CPU and the TaskManager log says why; a model with device {@code cuda} answers 503 saying CUDA
 * cannot be used; neither disturbs the job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class GpuFallbackITCase {
  /** Demo model from models/, device auto in its config.json. */
  private static final String AUTO = "affine";

  /** The same graph registered here with device cuda. */
  private static final String CUDA = "affine-cuda";

  private static final String FALLBACK_LINE =
      "model '" + AUTO + "' 1.0.0 runs on CPU: CUDA is not usable on this task manager (";

  @TempDir static Path temp;

  private JobOnCluster fixture;
  private StandaloneCluster cluster;
  private InferenceClient client;

  @BeforeAll
  void startGpuClusterAndRegisterACudaModel() throws Exception {
    fixture = JobOnCluster.start(temp, true);
    cluster = fixture.cluster();
    client = fixture.client();

    String model = fixture.services().registryUrl() + "/api/v1/models/" + CUDA;
    Path onnx = StandaloneCluster.projectRoot().resolve("models/affine/1/model.onnx");
    assertThat(
            http(
                HttpRequest.newBuilder(URI.create(model + "/versions/1.0.0"))
                    .PUT(HttpRequest.BodyPublishers.ofFile(onnx))))
        .isEqualTo(201);
    assertThat(
            http(
                HttpRequest.newBuilder(URI.create(model + "/settings"))
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"device\":\"cuda\"}"))))
        .isEqualTo(200);
  }

  @AfterAll
  void stopEverything() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  @Order(1)
  void theHomeHasTheGpuRuntimeInsteadOfTheCpuOneAndTheGpuResource() throws IOException {
    try (var lib = Files.list(cluster.home().resolve("lib"))) {
      assertThat(lib.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("onnxruntime")))
          .containsExactly("onnxruntime_gpu-1.29.0.jar");
    }
    assertThat(cluster.home().resolve("plugins/external-resource-gpu/nvidia-gpu-discovery.sh"))
        .isExecutable();
    assertThat(cluster.log(StandaloneCluster.TASK_MANAGER))
        .contains("Enabled external resources: [gpu]")
        .contains("Add external resources driver for gpu");
  }

  @Test
  @Order(2)
  void autoRunsOnCpuAndTheTaskManagerLogSaysWhy() {
    // The first CUDA attempt extracts the 583 MB provider (7-12 s) before it fails.
    InferenceResponse response = AffineRequests.assertAnswers(client, AUTO, "gpu-auto-1");

    assertThat(response.parameters()).containsEntry("device", "cpu");
    Await.until(
        "the CPU fallback line in the TaskManager log",
        Duration.ofSeconds(30),
        () -> cluster.log(StandaloneCluster.TASK_MANAGER),
        log -> log.contains(FALLBACK_LINE));
  }

  @Test
  @Order(3)
  void cudaAnswersUnavailableAndTheJobKeepsServing() {
    InferenceReply reply = AffineRequests.send(client, CUDA, "gpu-cuda-1");

    assertThat(reply.status()).as(AffineRequests.text(reply)).isEqualTo(503);
    ErrorBody error = reply.error();
    assertThat(error.code()).isEqualTo(ErrorCode.UNAVAILABLE.status());
    assertThat(error.error())
        .contains("'" + CUDA + "'")
        .contains("requires device cuda, but CUDA cannot be used here");

    cluster.awaitAllTasksRunning(fixture.jobId(), Duration.ofSeconds(10));
    InferenceResponse again = AffineRequests.assertAnswers(client, AUTO, "gpu-auto-2");
    assertThat(again.parameters()).containsEntry("device", "cpu");
  }

  private static int http(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return response.statusCode();
  }
}
