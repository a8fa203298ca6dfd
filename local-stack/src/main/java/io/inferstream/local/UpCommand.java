package io.inferstream.local;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code inferstream up}: the whole stack in this JVM until Ctrl-C. */
@Command(
    name = UpCommand.NAME,
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Starts a Kafka broker (KRaft), a Flink MiniCluster with its web UI and the inference job"
          + " in this process, and serves the models of the model repository until Ctrl-C.",
      "Data (broker log, checkpoints, logs) lives in $INFERSTREAM_HOME (default ~/.inferstream)"
          + " and is kept across runs."
    })
final class UpCommand implements Callable<Integer> {
  static final String NAME = "up";

  /** Set by bin/inferstream: the project's models/ directory. */
  static final String MODELS_PROPERTY = "inferstream.models";

  /** Set by bin/inferstream: how the user called it, for the commands the banner prints. */
  static final String LAUNCHER_PROPERTY = "inferstream.launcher";

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description =
          "Kafka client port; the controller uses the next one (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--web-port",
      defaultValue = "8081",
      description = "Flink web UI and REST port (default: ${DEFAULT-VALUE}).")
  int webPort;

  @Option(
      names = "--registry-port",
      defaultValue = "8082",
      description = "Model registry HTTP port (default: ${DEFAULT-VALUE}).")
  int registryPort;

  @Option(
      names = "--metrics-port",
      defaultValue = "9249",
      description =
          "The job's metrics for Prometheus at /metrics, as on the standalone cluster"
              + " (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(
      names = "--models",
      paramLabel = "DIR",
      description =
          "Model repository: <model>/<version>/model.onnx plus <model>/config.json"
              + " (default: the project's models/ directory).")
  Path models;

  @Option(
      names = {"-p", "--parallelism"},
      defaultValue = "2",
      description = "Job parallelism and task slots (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "5",
      paramLabel = "SECONDS",
      description = "Checkpoint interval in seconds (default: ${DEFAULT-VALUE}).")
  int checkpointSeconds;

  @Option(
      names = "--clean",
      description = "Delete the broker data and checkpoints in $INFERSTREAM_HOME first.")
  boolean clean;

  @Option(
      names = "--no-job",
      description =
          "Only the broker (with the topics) and the model registry (with the models): no Flink"
              + " MiniCluster and no job. For the job on a standalone Flink cluster"
              + " (bin/flink-cluster start, then flink run; the banner says how).")
  boolean noJob;

  @Override
  public Integer call() {
    PrintStream out = System.out;
    PrintStream err = System.err;
    Logger log = LoggerFactory.getLogger(UpCommand.class);
    long started = System.nanoTime();

    LocalStack.Settings settings;
    try {
      settings =
          new LocalStack.Settings(
              new InferstreamHome(InferstreamHome.resolve()),
              models != null ? models : defaultModels(),
              kafkaPort,
              webPort,
              registryPort,
              metricsPort,
              parallelism,
              Duration.ofSeconds(Math.max(1, checkpointSeconds)),
              clean,
              !noJob);
    } catch (IllegalArgumentException e) {
      err.println("inferstream: " + e.getMessage());
      return InferstreamCli.EXIT_UNAVAILABLE;
    }

    StopSignal stop = StopSignal.install(out);
    LocalStack stack = new LocalStack(settings);
    stop.onShutdownHook(stack::close);
    out.println("Starting Inferstream (data in " + settings.home().root() + ")");
    try {
      stack.start(stop::requested, line -> out.println("  - " + line));
    } catch (LocalStack.StartInterruptedException e) {
      out.println("Stopping...");
      stack.close();
      out.println("Stopped.");
      return 0;
    } catch (UnavailableException e) {
      err.println("inferstream: " + e.getMessage());
      stack.close();
      return InferstreamCli.EXIT_UNAVAILABLE;
    } catch (IllegalArgumentException e) {
      // A setting or the model repository is wrong: the message says which.
      log.error("Could not start the local stack", e);
      err.println("inferstream: " + e.getMessage());
      stack.close();
      return InferstreamCli.EXIT_UNAVAILABLE;
    } catch (RuntimeException e) {
      log.error("Could not start the local stack", e);
      err.println("inferstream: could not start: " + describe(e));
      err.println("Details in " + logFile());
      stack.close();
      return 1;
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    log.info("Local stack up in {} s", String.format("%.1f", seconds));
    out.print(
        noJob
            ? Banner.renderWithoutJob(
                settings, stack.models(), seconds, launcher(), Path.of(logFile()).normalize())
            : Banner.render(
                settings, stack.models(), seconds, launcher(), Path.of(logFile()).normalize()));
    out.flush();

    int code = 0;
    try {
      while (!stop.await(500)) {
        if (stack.jobTermination().isDone() && !stack.stopping()) {
          err.println(
              "inferstream: the inference job stopped unexpectedly; details in " + logFile());
          log.error("Inference job ended on its own: {}", stack.jobTermination());
          code = 1;
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.println("Stopping Inferstream...");
    long stopping = System.nanoTime();
    stack.close();
    out.printf(
        "Stopped in %.1f s.%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping) / 1e3);
    return code;
  }

  private static Path defaultModels() {
    String configured = System.getProperty(MODELS_PROPERTY);
    return Path.of(configured != null && !configured.isBlank() ? configured : "models");
  }

  private static String launcher() {
    String launcher = System.getProperty(LAUNCHER_PROPERTY);
    return launcher == null || launcher.isBlank() ? "bin/inferstream" : launcher;
  }

  static String logFile() {
    String file = System.getProperty("inferstream.log.file");
    return file == null ? "the log" : file;
  }

  /** The message of the failure and its causes, without a stack trace. */
  static String describe(Throwable failure) {
    StringBuilder out = new StringBuilder(String.valueOf(failure.getMessage()));
    Throwable cause = failure.getCause();
    for (int depth = 0; cause != null && depth < 4 && cause != failure; depth++) {
      String message = cause.getMessage();
      if (message != null && !out.toString().contains(message)) {
        out.append("\n  caused by: ").append(message);
      }
      failure = cause;
      cause = cause.getCause();
    }
    return out.toString();
  }
}
