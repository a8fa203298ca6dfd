package io.inferstream.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.client.InferenceTimeoutException;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code inferstream infer MODEL DATA}: one FP32 request over Kafka, the reply on stdout. */
@Command(
    name = "infer",
    sortOptions = false,
    description = {
      "Sends one FP32 inference request over Kafka and prints the reply JSON (stdout) and the"
          + " round-trip time (stderr).",
      "Example: inferstream infer affine '[[1,2,3,4]]'"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:reply with status 200",
      "1:error reply, timeout or Kafka unreachable",
      "2:bad arguments"
    })
final class InferCommand implements Callable<Integer> {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Parameters(index = "0", paramLabel = "MODEL", description = "Model name, e.g. affine.")
  String model;

  @Parameters(
      index = "1",
      paramLabel = "DATA",
      description =
          "The input as a nested JSON array; its nesting is the shape ([[1,2,3,4]] is [1,4])."
              + " @FILE reads it from a file, - from stdin.")
  String data;

  @Option(
      names = "--bootstrap",
      defaultValue = "localhost:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrap;

  @Option(
      names = "--version",
      paramLabel = "VERSION",
      description = "Model version: a semantic version, an alias such as prod, or latest.")
  String modelVersion;

  @Option(
      names = "--binary",
      description = "Send the tensor in Triton's binary form instead of JSON.")
  boolean binary;

  @Option(
      names = "--input-name",
      defaultValue = "input",
      description = "Name of the model input (default: ${DEFAULT-VALUE}).")
  String inputName;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      converter = TimeoutConverter.class,
      description = "How long to wait for the reply, e.g. 10s, 500ms, 2m (default: 30s).")
  Duration timeout;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Override
  public Integer call() {
    PrintStream out = System.out;
    PrintStream err = System.err;
    Tensor input;
    try {
      input = JsonTensors.fp32(inputName, readData(data));
    } catch (IllegalArgumentException e) {
      err.println("inferstream infer: " + e.getMessage());
      return InferstreamCli.EXIT_UNAVAILABLE;
    }
    String requestId = UUID.randomUUID().toString();
    InferenceCall.Builder call =
        InferenceCall.builder()
            .model(model)
            .requestId(requestId)
            .request(InferenceRequest.of(requestId, input))
            .binary(binary)
            .timeout(timeout);
    if (modelVersion != null) {
      call.modelVersion(modelVersion);
    }

    String timeoutMillis = String.valueOf(Math.max(1000, timeout.toMillis()));
    InferenceClient client;
    try {
      client =
          InferenceClient.builder()
              .bootstrapServers(bootstrap)
              .defaultTimeout(timeout)
              // Fail within the timeout, not Kafka's 60 s, when nothing listens.
              .producerProperty("max.block.ms", timeoutMillis)
              .consumerProperty("default.api.timeout.ms", timeoutMillis)
              .build();
    } catch (RuntimeException e) {
      err.println(
          "inferstream infer: cannot reach Kafka at "
              + bootstrap
              + " ("
              + e.getMessage()
              + "). Is `inferstream up` running?");
      return 1;
    }
    try (client) {
      long started = System.nanoTime();
      InferenceReply reply = client.send(call.build());
      double millis = (System.nanoTime() - started) / 1e6;
      out.println(replyJson(reply));
      out.flush();
      err.printf(Locale.ROOT, "status %d, round trip %.1f ms%n", reply.status(), millis);
      return reply.ok() ? 0 : 1;
    } catch (InferenceTimeoutException e) {
      err.println(
          "inferstream infer: no reply within "
              + timeout.toMillis()
              + " ms. Is the inference job running (see the Flink web UI)?");
      return 1;
    } catch (RuntimeException e) {
      err.println("inferstream infer: " + UpCommand.describe(e));
      return 1;
    }
  }

  private static String readData(String data) {
    try {
      if (data.equals("-")) {
        return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (data.startsWith("@")) {
        return Files.readString(Path.of(data.substring(1)), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + data + ": " + e.getMessage());
    }
    return data;
  }

  /** The reply body as indented JSON; binary outputs are turned into JSON data. */
  private static String replyJson(InferenceReply reply) {
    byte[] body = reply.body();
    try {
      if (reply.ok() && reply.header(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH) != null) {
        body = InferenceCodec.encodeResponse(reply.response(), name -> false).bytes();
      }
      return JSON.writeValueAsString(JSON.readTree(body));
    } catch (IOException | RuntimeException e) {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A {@link DurationConverter} that also refuses zero and negative timeouts. */
  static final class TimeoutConverter extends DurationConverter {
    @Override
    public Duration convert(String value) {
      Duration duration = super.convert(value);
      if (duration.isZero() || duration.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive, was '" + value + "'");
      }
      return duration;
    }
  }
}
