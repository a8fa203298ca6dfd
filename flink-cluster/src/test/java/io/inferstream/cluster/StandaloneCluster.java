package io.inferstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.testing.Await;
import io.inferstream.testing.FlinkRest;
import io.inferstream.testing.FreePorts;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;

/**
 * A standalone Flink cluster run the way a user runs it: {@code bin/flink-cluster} of the
 * repository on its own home (a temporary directory) and free ports, and Flink's own CLI through
 * {@code bin/flink-cluster flink}. {@link #close} stops it, and kills what is left of the JVMs it
 * started (by the pids in its home) even when a test failed half way.
 */
final class StandaloneCluster implements AutoCloseable {
  static final String JOB_MANAGER = "standalonesession";
  static final String TASK_MANAGER = "taskexecutor";

  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
  private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
  private static final Pattern PROMETHEUS_PORT =
      Pattern.compile("Started PrometheusReporter HTTP server on port (\\d+)");

  private final Path root;
  private final Path home;
  private final boolean gpu;
  private final int restPort;
  private final int rpcPort;
  private final List<Integer> prometheusPorts;
  private final Path dataDir;
  private final FlinkRest rest;

  /**
   * @param home the Flink home to lay out and run (copied from the module's build output)
   * @param gpu lay out the GPU variant (onnxruntime_gpu, the gpu external resource)
   * @param dataDir checkpoints and savepoints
   */
  StandaloneCluster(Path home, boolean gpu, FreePorts ports, Path dataDir) {
    this.root = projectRoot();
    this.home = home.toAbsolutePath();
    this.gpu = gpu;
    this.restPort = ports.next();
    this.rpcPort = ports.next();
    this.prometheusPorts = List.of(ports.next(), ports.next());
    this.dataDir = dataDir.toAbsolutePath();
    this.rest = new FlinkRest(URI.create("http://localhost:" + restPort));
  }

  /** Lays out the home if needed and starts the JobManager and the TaskManager. */
  String start() {
    List<String> args = new ArrayList<>(List.of("start"));
    if (gpu) {
      args.add("--gpu");
    }
    args.addAll(
        List.of(
            "--rest-port",
            String.valueOf(restPort),
            "--rpc-port",
            String.valueOf(rpcPort),
            "--prom-ports",
            prometheusPorts.get(0) + "," + prometheusPorts.get(1),
            "--set",
            "execution.checkpointing.dir=" + dataDir.resolve("checkpoints").toUri(),
            "--set",
            "execution.checkpointing.savepoint-dir=" + dataDir.resolve("savepoints").toUri()));
    return succeed(args.toArray(String[]::new));
  }

  /** {@code flink run -d}; returns the job id the CLI printed. */
  String submit(Path jobJar, String bootstrapServers) {
    String output =
        flink(
            "run",
            "-d",
            jobJar.toString(),
            "--inference.kafka.bootstrap-servers",
            bootstrapServers);
    Matcher id = JOB_ID.matcher(output);
    assertThat(id.find()).as("job id in the output of flink run:%n%s", output).isTrue();
    return id.group(1);
  }

  String flink(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "flink";
    System.arraycopy(args, 0, command, 1, args.length);
    return succeed(command);
  }

  /** Waits until the job is RUNNING with every task running (not only initializing). */
  void awaitAllTasksRunning(String jobId, Duration timeout) {
    Await.until(
        "job " + jobId + " RUNNING with all tasks running",
        timeout,
        () -> rest.jobOverview(JobID.fromHexString(jobId)),
        job ->
            job.path("state").asText().equals("RUNNING")
                && job.path("tasks").path("total").asInt() > 0
                && job.path("tasks").path("running").asInt()
                    == job.path("tasks").path("total").asInt());
  }

  void awaitJobState(String jobId, String state, Duration timeout) {
    Await.until(
        "job " + jobId + " " + state,
        timeout,
        () -> rest.get("/jobs/" + jobId).path("state").asText(),
        state::equals);
  }

  FlinkRest rest() {
    return rest;
  }

  int restPort() {
    return restPort;
  }

  /** Every port this cluster was told to use. */
  List<Integer> ports() {
    List<Integer> all = new ArrayList<>(List.of(restPort, rpcPort));
    all.addAll(prometheusPorts);
    return all;
  }

  Path home() {
    return home;
  }

  /** The pid bin/flink-cluster recorded for a component, if its pid file exists. */
  Optional<Long> pid(String component) {
    Path file = home.resolve("run").resolve(component + ".pid");
    try {
      return Files.exists(file)
          ? Optional.of(Long.parseLong(Files.readString(file).trim()))
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String log(String component) {
    try (Stream<Path> files = Files.list(home.resolve("log"))) {
      Path log =
          files
              .filter(
                  f -> f.getFileName().toString().matches("flink-.*-" + component + "-0-.*\\.log"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no " + component + " log in " + home));
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port the component's Prometheus reporter serves on, from its log. */
  int prometheusPort(String component) {
    Matcher port = PROMETHEUS_PORT.matcher(log(component));
    assertThat(port.find()).as("Prometheus reporter started by the %s", component).isTrue();
    return Integer.parseInt(port.group(1));
  }

  void stop() {
    succeed("stop");
  }

  /** {@code bin/flink-cluster stop}, then kills whatever of its JVMs still runs. */
  @Override
  public void close() {
    if (Files.isDirectory(home.resolve("run"))) {
      run("stop");
    }
    for (String component : List.of(TASK_MANAGER, JOB_MANAGER)) {
      pid(component).flatMap(ProcessHandle::of).filter(this::ours).ifPresent(this::kill);
    }
  }

  /** A pid is only ours while it still runs a JVM of this home (pids are reused). */
  private boolean ours(ProcessHandle process) {
    return process.isAlive()
        && process.info().commandLine().map(line -> line.contains(home.toString())).orElse(false);
  }

  private void kill(ProcessHandle process) {
    process.destroyForcibly();
    process.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
  }

  private String succeed(String... args) {
    CommandResult result = run(args);
    assertThat(result.exitCode())
        .as("bin/flink-cluster %s%n%s", String.join(" ", args), result.output())
        .isZero();
    return result.output();
  }

  private record CommandResult(int exitCode, String output) {}

  private CommandResult run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(root.resolve("bin").resolve("flink-cluster").toString());
    command.add("--home");
    command.add(home.toString());
    command.addAll(List.of(args));
    try {
      File output = Files.createTempFile("flink-cluster", ".out").toFile();
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output)
                .directory(home.getParent().toFile()); // any directory works
        // The module's build output is the layout; a test never runs the full build.
        builder.environment().put("INFERSTREAM_SKIP_BUILD", "1");
        if (Boolean.getBoolean("inferstream.maven.offline")) {
          builder.environment().put("INFERSTREAM_MAVEN_ARGS", "-o");
        }
        Process process = builder.start();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError(
              "bin/flink-cluster "
                  + String.join(" ", args)
                  + " did not end within "
                  + COMMAND_TIMEOUT
                  + ":\n"
                  + Files.readString(output.toPath()));
        }
        return new CommandResult(process.exitValue(), Files.readString(output.toPath()));
      } finally {
        Files.deleteIfExists(output.toPath());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The job jar (shaded, Flink provided): a test dependency, kept off the test's classpath. */
  static Path jobJar() {
    String configured = System.getProperty("inferstream.job.jar");
    assertThat(configured).as("system property inferstream.job.jar (set by the POM)").isNotBlank();
    Path jar = Path.of(configured);
    assertThat(jar).isRegularFile();
    return jar;
  }

  static Path projectRoot() {
    String configured = System.getProperty("inferstream.project.root");
    Path root = configured != null ? Path.of(configured) : Path.of("..");
    return root.toAbsolutePath().normalize();
  }
}
