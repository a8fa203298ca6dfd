package io.inferstream.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of this classpath in a fresh JVM ({@code java -cp <this classpath> <main>}),
 * with this JVM's heap and garbage-collector options, and returns what it printed.
 */
final class ChildJvm {
  /** Exit code, standard output and standard error of a finished child. */
  record Output(int exitCode, String stdout, String stderr) {}

  private ChildJvm() {}

  /** The command for {@code main} with these arguments, as this JVM would start it. */
  static List<String> command(String main, List<String> args) {
    return command(main, List.of(), args);
  }

  /** As {@link #command(String, List)}, with JVM options of its own after the forwarded ones. */
  static List<String> command(String main, List<String> extraOptions, List<String> args) {
    return command(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        ManagementFactory.getRuntimeMXBean().getInputArguments(),
        extraOptions,
        System.getProperty("java.class.path"),
        main,
        args);
  }

  /**
   * {@code java <forwarded options> <extra options> -cp <classpath> <main> <args>}: of this JVM's
   * options only the maximum heap and the collector choice carry over, so the child's memory
   * behaves like this one's without inheriting agents, debug ports or system properties (and with
   * the default initial heap); a later option overrides an earlier one.
   */
  static List<String> command(
      String java,
      List<String> jvmOptions,
      List<String> extraOptions,
      String classPath,
      String main,
      List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(java);
    for (String option : jvmOptions) {
      if (forwarded(option)) {
        command.add(option);
      }
    }
    command.addAll(extraOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(main);
    command.addAll(args);
    return command;
  }

  static boolean forwarded(String option) {
    return option.startsWith("-Xmx")
        || option.startsWith("-XX:MaxRAM")
        || (option.startsWith("-XX:+Use") && option.endsWith("GC"));
  }

  /**
   * Runs the command and waits for it.
   *
   * @throws IllegalStateException if it does not finish within {@code timeout} (it is killed)
   */
  static Output run(List<String> command, Duration timeout) throws InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(command).start();
      process.getOutputStream().close(); // nothing to read on its standard input
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0), e);
    }
    CompletableFuture<String> stdout = drain(process.getInputStream());
    CompletableFuture<String> stderr = drain(process.getErrorStream());
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "child JVM (pid " + process.pid() + ") did not finish in " + timeout.toSeconds() + " s");
    }
    return new Output(process.exitValue(), stdout.join(), stderr.join());
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            stream.transferTo(bytes);
            return bytes.toString(StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
          }
        },
        runnable -> {
          // One thread per stream: a pool could starve one pipe while the child blocks on it.
          Thread thread = new Thread(runnable, "child-jvm-output");
          thread.setDaemon(true);
          thread.start();
        });
  }

  /** The last lines of a child's standard error, for an error message. */
  static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
