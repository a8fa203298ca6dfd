package io.inferstream.local;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.tools.ConsoleProducer;
import org.apache.kafka.tools.consumer.ConsoleConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * Kafka's own console producer and consumer (kafka-tools, same version as the broker), so nobody
 * needs a Kafka download to talk to the local stack. Every argument goes to the Kafka tool as it
 * is, {@code --help} included.
 */
final class KafkaConsoleCommands {
  private KafkaConsoleCommands() {}

  @Command(
      name = "kafka-console-producer",
      description = {
        "Kafka's kafka-console-producer.sh; all arguments are passed through (try --help).",
        "Example: ... --bootstrap-server localhost:9092 --topic inference-requests"
            + " --reader-property parse.headers=true --reader-property parse.key=true"
      })
  static final class Producer implements Runnable {
    @Unmatched List<String> args = new ArrayList<>();

    @Override
    public void run() {
      // Exits the JVM itself (Kafka's Exit.exit) when stdin ends or on error.
      ConsoleProducer.main(args.toArray(new String[0]));
    }
  }

  @Command(
      name = "kafka-console-consumer",
      description = {
        "Kafka's kafka-console-consumer.sh; all arguments are passed through (try --help).",
        "Example: ... --bootstrap-server localhost:9092 --topic inference-replies"
            + " --formatter-property print.headers=true"
      })
  static final class Consumer implements Callable<Integer> {
    @Unmatched List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      ConsoleConsumer.main(args.toArray(new String[0]));
      return 0;
    }
  }
}
