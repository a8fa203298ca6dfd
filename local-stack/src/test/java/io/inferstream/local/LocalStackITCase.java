package io.inferstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Tensor;
import io.inferstream.testing.Await;
import io.inferstream.testing.FreePorts;
import io.inferstream.testing.PrometheusText;
import io.inferstream.topics.InferenceTopics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code bin/inferstream up} as a user would, on free ports, against the module's build output
 * ({@code INFERSTREAM_SKIP_BUILD=1}): waits for the banner, calls {@code affine} over Kafka, then
 * stops it with SIGINT and checks the exit code and the ports.
 */
class LocalStackITCase {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  /** Flink's name for the job's per-model metrics: scope, then the groups. */
  private static final String MODEL = "flink_taskmanager_job_task_operator_inferstream_model_";

  @TempDir Path home;

  private Process process;
  private final List<String> output = new ArrayList<>();
  private volatile boolean outputEnded;

  @AfterEach
  void killLeftovers() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void upServesTheDemoModelAndStopsCleanlyOnSigint() throws Exception {
    FreePorts ports = new FreePorts();
    int kafka = ports.nextWithSuccessor();
    int web = ports.next();
    int registry = ports.next();
    int metrics = ports.next();
    process =
        startLauncher(
            "up",
            "--kafka-port",
            kafka,
            "--web-port",
            web,
            "--registry-port",
            registry,
            "--metrics-port",
            metrics);

    awaitLine(Banner.LAST_LINE, READY_TIMEOUT); // the whole banner, not its first line
    assertThat(outputText())
        .contains(
            "localhost:" + kafka,
            "http://localhost:" + web,
            "http://localhost:" + registry + "/api/v1/models",
            "http://localhost:" + metrics + "/metrics",
            "Registered affine:1.0.0");

    try (InferenceClient client =
        InferenceClient.builder().bootstrapServers("localhost:" + kafka).build()) {
      Tensor x = Tensor.ofFloats("input", new long[] {2, 4}, 1, 2, 3, 4, -1.5f, 0, 0.25f, 100);
      InferenceReply reply =
          client.send(
              InferenceCall.builder()
                  .model("affine")
                  .request(InferenceRequest.of("local-stack-it", x))
                  .timeout(Duration.ofSeconds(30))
                  .build());
      assertThat(reply.status()).as("reply %s", new String(reply.body())).isEqualTo(200);
      InferenceResponse response = reply.response();
      Tensor y = response.output("output");
      assertThat(y.shape()).containsExactly(2, 4);
      // y = 2x + 1, exactly representable in FP32.
      assertThat(y.asFloats()).containsExactly(3, 5, 7, 9, -2, 1, 1.5f, 201);

      // a version uploaded to the registry is served over HTTP to the job, which reports it ready
      String models = "http://localhost:" + registry + "/api/v1/models/affine";
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> upload =
          http.send(
              HttpRequest.newBuilder(URI.create(models + "/versions/2.0.0"))
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(TinyOnnx.affine(3f, 1f)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
      InferenceReply v2 =
          client.send(
              InferenceCall.builder()
                  .model("affine")
                  .modelVersion("2.0.0")
                  .request(InferenceRequest.of("local-stack-v2", x))
                  .timeout(Duration.ofSeconds(30))
                  .build());
      assertThat(v2.status()).as("reply %s", new String(v2.body())).isEqualTo(200);
      assertThat(v2.response().modelVersion()).isEqualTo("2.0.0");
      assertThat(v2.response().output("output").asFloats()[0]).isEqualTo(4f); // 3x + 1
      Await.until(
          "version 2.0.0 ready in the registry",
          Duration.ofSeconds(30),
          () ->
              http.send(
                      HttpRequest.newBuilder(URI.create(models + "/versions/2.0.0")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body(),
          body -> body.contains("\"state\":\"ready\""));
    }

    // Flink's Prometheus reporter: one batch of two rows per request, per version
    Map<String, String> affine = Map.of("model", "affine");
    PrometheusText scraped =
        Await.until(
            "both requests' rows in the Prometheus metrics",
            Duration.ofSeconds(30),
            () -> PrometheusText.scrape(metrics),
            text -> text.sum(MODEL + "rows", affine) >= 4);
    assertThat(scraped.sum(MODEL + "rows", affine)).isEqualTo(4);
    assertThat(scraped.sum(MODEL + "batchSize_count", affine)).isEqualTo(2);
    assertThat(scraped.samples())
        .as("attempt ids are no labels")
        .noneMatch(s -> s.labels().containsKey("task_attempt_id"))
        .noneMatch(s -> s.labels().containsKey("task_attempt_num"));

    signal("INT", process.pid());
    assertThat(process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        .as("stopped within %s; output:%n%s", STOP_TIMEOUT, outputText())
        .isTrue();
    assertThat(process.exitValue()).as("exit code; output:%n%s", outputText()).isZero();
    assertThat(outputText()).contains("Stopped");
    assertThat(FreePorts.accepts(kafka)).as("Kafka port %d still open", kafka).isFalse();
    assertThat(FreePorts.accepts(kafka + 1)).as("controller port still open").isFalse();
    assertThat(FreePorts.accepts(web)).as("web port %d still open", web).isFalse();
    assertThat(FreePorts.accepts(registry)).as("registry port %d still open", registry).isFalse();
    assertThat(FreePorts.accepts(metrics)).as("metrics port %d still open", metrics).isFalse();
    assertThat(Files.exists(home.resolve("kafka").resolve("meta.properties")))
        .as("broker data kept in INFERSTREAM_HOME")
        .isTrue();
  }

  @Test
  void upWithoutJobServesTheBrokerAndRegistryAndSaysHowToRunTheJobOnFlink() throws Exception {
    FreePorts ports = new FreePorts();
    int kafka = ports.nextWithSuccessor();
    int web = ports.next();
    int registry = ports.next();
    process =
        startLauncher(
            "up",
            "--no-job",
            "--kafka-port",
            kafka,
            "--web-port",
            web,
            "--registry-port",
            registry);

    awaitLine(Banner.LAST_LINE, READY_TIMEOUT); // the whole banner, not its first line
    String bootstrap = "localhost:" + kafka;
    assertThat(outputText())
        .contains(
            "no Flink job",
            "Registered affine:1.0.0",
            "http://localhost:" + registry + "/api/v1/models",
            "flink-cluster start",
            "flink-cluster flink run -d ",
            "inference-job/target/inferstream-inference-job-",
            "--inference.kafka.bootstrap-servers " + bootstrap)
        .doesNotContain("Flink web UI", "Prometheus");
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .contains(
              InferenceTopics.REQUESTS,
              InferenceTopics.REPLIES,
              InferenceTopics.DEAD_LETTERS,
              InferenceTopics.MODEL_REGISTRY,
              InferenceTopics.MODEL_STATUS);
    }
    HttpResponse<String> models =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + registry + "/api/v1/models/affine"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
    assertThat(models.body()).contains("\"1.0.0\"");
    assertThat(FreePorts.accepts(web))
        .as("no MiniCluster, so nothing on the web port %d", web)
        .isFalse();

    signal("INT", process.pid());
    assertThat(process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        .as("stopped within %s; output:%n%s", STOP_TIMEOUT, outputText())
        .isTrue();
    assertThat(process.exitValue()).as("exit code; output:%n%s", outputText()).isZero();
    assertThat(FreePorts.accepts(kafka)).as("Kafka port %d still open", kafka).isFalse();
    assertThat(FreePorts.accepts(registry)).as("registry port %d still open", registry).isFalse();
  }

  @Test
  void aTakenPortIsOneClearMessageAndExitCodeTwo() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("localhost"), 0));
      FreePorts ports = new FreePorts();
      process =
          startLauncher(
              "up",
              "--kafka-port",
              taken.getLocalPort(),
              "--web-port",
              ports.next(),
              "--registry-port",
              ports.next(),
              "--metrics-port",
              ports.next());
      assertThat(process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      awaitLine("already in use", Duration.ofSeconds(5)); // the reader's view of the output
    }
    assertThat(process.exitValue()).as("output:%n%s", outputText()).isEqualTo(2);
    assertThat(outputText()).contains("already in use").doesNotContain("Exception", "\tat ");
  }

  private Process startLauncher(Object... args) throws IOException {
    Path root = projectRoot();
    List<String> command = new ArrayList<>();
    command.add(root.resolve("bin").resolve("inferstream").toString());
    for (Object arg : args) {
      command.add(String.valueOf(arg));
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.directory(home.toFile()); // any directory works
    builder.environment().put("INFERSTREAM_HOME", home.toString());
    builder.environment().put("INFERSTREAM_SKIP_BUILD", "1");
    Process started = builder.start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  synchronized (output) {
                    output.add(line);
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
              outputEnded = true;
            },
            "launcher-output");
    reader.setDaemon(true);
    reader.start();
    return started;
  }

  /**
   * Waits for a line of the launcher's output containing {@code text}; fails at once if the
   * launcher exited and its whole output is read without it.
   */
  private void awaitLine(String text, Duration timeout) {
    Await.until(
        "'" + text + "' in the launcher's output",
        timeout,
        () -> {
          boolean ended = outputEnded;
          String out = outputText();
          if (!out.contains(text) && ended) {
            throw new AssertionError(
                "launcher exited with "
                    + process.exitValue()
                    + " before '"
                    + text
                    + "'; output:\n"
                    + out);
          }
          return "\n" + out;
        },
        out -> out.contains(text));
  }

  private String outputText() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  private static void signal(String name, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  private static Path projectRoot() {
    String configured = System.getProperty("inferstream.project.root");
    Path root =
        configured != null
            ? Path.of(configured)
            : Path.of(System.getProperty("user.dir")).resolve("..");
    return root.toAbsolutePath().normalize();
  }
}
