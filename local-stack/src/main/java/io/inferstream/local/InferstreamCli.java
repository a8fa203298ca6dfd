package io.inferstream.local;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code bin/inferstream}: starts the embedded stack ({@code up}), sends requests ({@code infer})
 * and wraps Kafka's console tools.
 *
 * <p>Exit codes: 0 success, 1 failure, 2 usage error or a port / data directory already in use.
 */
@Command(
    name = "inferstream",
    mixinStandardHelpOptions = true,
    versionProvider = InferstreamCli.Version.class,
    description = "Streaming ONNX model serving on Kafka and Flink, on one machine.",
    subcommands = {
      UpCommand.class,
      InferCommand.class,
      KafkaConsoleCommands.Producer.class,
      KafkaConsoleCommands.Consumer.class,
      CommandLine.HelpCommand.class
    })
public final class InferstreamCli implements Runnable {
  /** Exit code for a usage error or a resource (port, data directory) that is taken. */
  public static final int EXIT_UNAVAILABLE = 2;

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Before anything touches a logger: the log4j2 configuration reads these.
    configureLogging(args);
    int code = commandLine().execute(args);
    System.exit(code);
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new InferstreamCli());
    // "@file" means a JSON file to `infer` and is Kafka's business in the pass-through commands.
    cli.setExpandAtFiles(false);
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  private static void configureLogging(String[] args) {
    Path home = InferstreamHome.resolve();
    System.setProperty(InferstreamHome.HOME_PROPERTY, home.toString());
    boolean up = args.length > 0 && args[0].equals(UpCommand.NAME);
    if (System.getProperty("inferstream.log.file") == null) {
      String name = up ? "inferstream.log" : "inferstream-cli.log";
      System.setProperty(
          "inferstream.log.file", home.resolve("logs").resolve(name).toAbsolutePath().toString());
    }
    if (up) {
      // Log4j's own shutdown hook would stop logging before ours has said what it stopped.
      System.setProperty("log4j.shutdownHookEnabled", "false");
    }
  }

  /** The version from the jar manifest. */
  public static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = InferstreamCli.class.getPackage().getImplementationVersion();
      return new String[] {"inferstream " + (version == null ? "(development build)" : version)};
    }
  }
}
