package io.inferstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Tensor;
import io.inferstream.topics.InferenceTopics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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

  @TempDir Path home;

  private Process process;
  private final List<String> output = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void upServesTheDemoModelAndStopsCleanlyOnSigint() throws Exception {
    int[] kafka = freePortPair();
    int web = freePort(kafka);
    int registry = freePort(new int[] {kafka[0], kafka[1], web});
    process =
        startLauncher(
            "up", "--kafka-port", kafka[0], "--web-port", web, "--registry-port", registry);

    awaitLine(Banner.LAST_LINE, READY_TIMEOUT); // the whole banner, not its first line
    assertThat(outputText())
        .contains(
            "localhost:" + kafka[0],
            "http://localhost:" + web,
            "http://localhost:" + registry + "/api/v1/models",
            "Registered affine:1.0.0");

    try (InferenceClient client =
        InferenceClient.builder().bootstrapServers("localhost:" + kafka[0]).build()) {
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
      String status = "";
      for (long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          System.nanoTime() < deadline && !status.contains("\"ready\"");
          Thread.sleep(100)) {
        status =
            http.send(
                    HttpRequest.newBuilder(URI.create(models + "/versions/2.0.0")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
      }
      assertThat(status).contains("\"state\":\"ready\"");
    }

    signal("INT", process.pid());
    assertThat(process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        .as("stopped within %s; output:%n%s", STOP_TIMEOUT, outputText())
        .isTrue();
    assertThat(process.exitValue()).as("exit code; output:%n%s", outputText()).isZero();
    assertThat(outputText()).contains("Stopped");
    assertThat(accepts(kafka[0])).as("Kafka port %d still open", kafka[0]).isFalse();
    assertThat(accepts(kafka[1])).as("controller port %d still open", kafka[1]).isFalse();
    assertThat(accepts(web)).as("web port %d still open", web).isFalse();
    assertThat(accepts(registry)).as("registry port %d still open", registry).isFalse();
    assertThat(Files.exists(home.resolve("kafka").resolve("meta.properties")))
        .as("broker data kept in INFERSTREAM_HOME")
        .isTrue();
  }

  @Test
  void upWithoutJobServesTheBrokerAndRegistryAndSaysHowToRunTheJobOnFlink() throws Exception {
    int[] kafka = freePortPair();
    int web = freePort(kafka);
    int registry = freePort(new int[] {kafka[0], kafka[1], web});
    process =
        startLauncher(
            "up",
            "--no-job",
            "--kafka-port",
            kafka[0],
            "--web-port",
            web,
            "--registry-port",
            registry);

    awaitLine(Banner.LAST_LINE, READY_TIMEOUT); // the whole banner, not its first line
    String bootstrap = "localhost:" + kafka[0];
    assertThat(outputText())
        .contains(
            "no Flink job",
            "Registered affine:1.0.0",
            "http://localhost:" + registry + "/api/v1/models",
            "flink-cluster start",
            "flink-cluster flink run -d ",
            "inference-job/target/inferstream-inference-job-",
            "--inference.kafka.bootstrap-servers " + bootstrap)
        .doesNotContain("Flink web UI");
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
    assertThat(accepts(web)).as("no MiniCluster, so nothing on the web port %d", web).isFalse();

    signal("INT", process.pid());
    assertThat(process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        .as("stopped within %s; output:%n%s", STOP_TIMEOUT, outputText())
        .isTrue();
    assertThat(process.exitValue()).as("exit code; output:%n%s", outputText()).isZero();
    assertThat(accepts(kafka[0])).as("Kafka port %d still open", kafka[0]).isFalse();
    assertThat(accepts(registry)).as("registry port %d still open", registry).isFalse();
  }

  @Test
  void aTakenPortIsOneClearMessageAndExitCodeTwo() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("localhost"), 0));
      int web = freePort(new int[] {taken.getLocalPort(), taken.getLocalPort() + 1});
      process = startLauncher("up", "--kafka-port", taken.getLocalPort(), "--web-port", web);
      assertThat(process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      drain();
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
                    output.notifyAll();
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
              synchronized (output) {
                output.notifyAll();
              }
            },
            "launcher-output");
    reader.setDaemon(true);
    reader.start();
    return started;
  }

  private void awaitLine(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (output) {
      while (output.stream().noneMatch(line -> line.contains(text))) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError(
              "no '" + text + "' within " + timeout + "; output:\n" + String.join("\n", output));
        }
        if (!process.isAlive()) {
          throw new AssertionError(
              "launcher exited with "
                  + process.exitValue()
                  + " before '"
                  + text
                  + "'; output:\n"
                  + String.join("\n", output));
        }
        output.wait(Math.min(left, 500));
      }
    }
  }

  /** Waits (bounded) for the output reader to see the end of a finished process. */
  private void drain() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    synchronized (output) {
      while (System.nanoTime() < deadline
          && output.stream().noneMatch(line -> line.contains("already in use"))) {
        output.wait(100);
      }
    }
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

  /** A free port whose successor (the controller's) is free too. */
  private static int[] freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = freePort(new int[0]);
      if (port < 65535 && canBind(port + 1)) {
        return new int[] {port, port + 1};
      }
    }
    throw new IllegalStateException("no two adjacent free ports found");
  }

  private static int freePort(int[] avoid) throws IOException {
    while (true) {
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("localhost"))) {
        port = socket.getLocalPort();
      }
      boolean clash = false;
      for (int taken : avoid) {
        clash |= taken == port;
      }
      if (!clash) {
        return port;
      }
    }
  }

  private static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName("localhost"), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getByName("localhost"), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
