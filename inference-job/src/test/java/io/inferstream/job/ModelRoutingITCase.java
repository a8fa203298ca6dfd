package io.inferstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.job.testing.PipelineTestStack;
import io.inferstream.job.testing.SlowArtifactFetcher;
import io.inferstream.onnx.OnnxSignatureReader;
import io.inferstream.onnx.Sha256;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.RouteSpec;
import io.inferstream.schemas.Tensor;
import io.inferstream.testing.Await;
import io.inferstream.testing.ModelSpecBuilder;
import io.inferstream.topics.InferenceTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Specs change while the job runs, through the registry topic: a promote under steady load with a
 * slow artifact store, a 90/10 split, and a shadow. Specs are written straight to the topic (as the
 * registry would, with file:// artifacts); the registry service has its own tests.
 */
class ModelRoutingITCase {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir static Path workDir;
  private static PipelineTestStack stack;
  private static InferenceClient client;

  @BeforeAll
  static void startStack() throws Exception {
    stack = PipelineTestStack.start(workDir);
    stack.submit(
        stack.jobConfiguration(
            Map.of(InferenceOptions.ARTIFACT_FETCHER.key(), SlowArtifactFetcher.class.getName())));
    client = stack.client(InferenceTopics.REPLIES, false);
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  /** y = scale · x + 1 as a version of {@code model}, written under the work directory. */
  private static ModelVersionSpec version(String model, String version, float scale)
      throws Exception {
    byte[] bytes = TinyOnnx.affine(scale, 1f);
    Path file = workDir.resolve("artifacts").resolve(model + "-" + version + ".onnx");
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    var signature = new OnnxSignatureReader().read(file);
    return new ModelVersionSpec(
        version,
        file.toUri().toString(),
        Sha256.of(bytes),
        signature.inputs(),
        signature.outputs(),
        System.currentTimeMillis());
  }

  private static ModelSpec spec(
      String name,
      long revision,
      List<ModelVersionSpec> versions,
      Map<String, String> aliases,
      RouteSpec route) {
    return ModelSpecBuilder.model(name)
        .revision(revision)
        .versions(versions)
        .aliases(aliases)
        .route(route)
        .device(Device.CPU)
        .build();
  }

  private static CompletableFuture<InferenceReply> call(String model, String id) {
    return client.sendAsync(
        InferenceCall.builder()
            .model(model)
            .requestId(id)
            .request(
                InferenceRequest.of(
                    model, Tensor.ofFloats("input", new long[] {1, 4}, new float[] {1, 1, 1, 1})))
            .build());
  }

  /** The first output value: 1·scale + 1, so it tells the versions apart. */
  private static float firstValue(InferenceReply reply) {
    return reply.response().output("output").asFloats()[0];
  }

  @Test
  void promoteUnderSteadyLoadFailsNothingAndSwitchesOnlyAfterTheNewVersionIsReady()
      throws Exception {
    ModelVersionSpec v1 = version("swap", "1.0.0", 2f);
    ModelVersionSpec v2 = version("swap", "2.0.0", 3f);
    stack.publish(spec("swap", 1, List.of(v1), Map.of("prod", "1.0.0"), null));
    assertThat(call("swap", "warm").get().status()).isEqualTo(200); // v1 loaded (2 s fetch)
    try (KafkaConsumer<byte[], byte[]> status = statusConsumer()) {
      List<ModelStatusEvent> events = new ArrayList<>();
      record Sent(long sentMillis, CompletableFuture<InferenceReply> reply) {}
      List<Sent> sent = new ArrayList<>();
      AtomicBoolean promoted = new AtomicBoolean();
      long promoteAt = 0;
      long start = System.currentTimeMillis();
      for (int i = 0; System.currentTimeMillis() - start < 9_000; i++) {
        if (!promoted.get() && System.currentTimeMillis() - start > 1_500) {
          promoteAt = System.currentTimeMillis();
          stack.publish(spec("swap", 2, List.of(v1, v2), Map.of("prod", "2.0.0"), null));
          promoted.set(true);
        }
        sent.add(new Sent(System.currentTimeMillis(), call("swap", "load-" + i)));
        Thread.sleep(20); // a steady 50 requests/s
        poll(status, events);
      }
      long firstV2 = Long.MAX_VALUE;
      int v1Replies = 0;
      int v2Replies = 0;
      for (Sent s : sent) {
        InferenceReply reply = s.reply.get();
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        String version = reply.response().modelVersion();
        if (version.equals("2.0.0")) {
          v2Replies++;
          firstV2 = Math.min(firstV2, s.sentMillis);
          assertThat(firstValue(reply)).isEqualTo(4f);
        } else {
          v1Replies++;
          assertThat(firstValue(reply)).isEqualTo(3f);
        }
      }
      Await.until(
          "v2 ready event", Duration.ofSeconds(30), () -> readyAt(poll(status, events), v2) > 0);
      long readyAt = readyAt(events, v2);
      // nothing was sent to v2 before its session was ready (requests sent before the event
      // was published may only have gone to v1)
      for (Sent s : sent) {
        if (s.sentMillis < readyAt - 1_000) {
          assertThat(s.reply.get().response().modelVersion()).isEqualTo("1.0.0");
        }
      }
      assertThat(v1Replies).isGreaterThan(50); // v1 kept answering during the 2 s fetch
      assertThat(v2Replies).isGreaterThan(50);
      assertThat(sent.get(sent.size() - 1).reply.get().response().modelVersion())
          .isEqualTo("2.0.0");
      assertThat(readyAt).isGreaterThanOrEqualTo(promoteAt + 2_000); // the fetch takes 2 s
      System.out.printf(
          "promote -> v2 ready %d ms, promote -> first v2 reply %d ms; %d v1 and %d v2 replies,"
              + " 0 failed%n",
          readyAt - promoteAt, firstV2 - promoteAt, v1Replies, v2Replies);
    }
  }

  @Test
  void ninetyTenSplitIsNearNinetyTenAndARetriedIdLandsOnTheSameVersion() throws Exception {
    ModelVersionSpec v1 = version("split", "1.0.0", 2f);
    ModelVersionSpec v2 = version("split", "2.0.0", 3f);
    stack.publish(
        spec(
            "split",
            1,
            List.of(v1, v2),
            Map.of("prod", "1.0.0", "canary", "2.0.0"),
            new RouteSpec(Map.of("prod", 90, "canary", 10), null)));
    List<CompletableFuture<InferenceReply>> replies = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      replies.add(call("split", "split-" + i));
    }
    Map<String, Integer> counts = new HashMap<>();
    Map<String, String> versionById = new HashMap<>();
    for (int i = 0; i < replies.size(); i++) {
      InferenceReply reply = replies.get(i).get();
      assertThat(reply.status()).isEqualTo(200);
      String version = reply.response().modelVersion();
      counts.merge(version, 1, Integer::sum);
      versionById.put("split-" + i, version);
    }
    assertThat(counts.get("2.0.0")).isBetween(160, 240);
    for (int i = 0; i < 20; i++) {
      InferenceReply again = call("split", "split-" + i).get();
      assertThat(again.response().modelVersion()).isEqualTo(versionById.get("split-" + i));
    }
  }

  @Test
  void shadowRunsAsOftenAsThePrimaryNeverRepliesAndReportsDisagreement() throws Exception {
    ModelVersionSpec v1 = version("shadowed", "1.0.0", 2f);
    ModelVersionSpec v2 = version("shadowed", "2.0.0", 3f); // different outputs
    stack.publish(
        spec(
            "shadowed",
            1,
            List.of(v1, v2),
            Map.of("prod", "1.0.0", "staging", "2.0.0"),
            new RouteSpec(Map.of("prod", 100), "staging")));
    int n = 100;
    List<CompletableFuture<InferenceReply>> replies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      replies.add(call("shadowed", "shadow-" + i));
    }
    for (CompletableFuture<InferenceReply> reply : replies) {
      assertThat(reply.get().status()).isEqualTo(200);
      assertThat(reply.get().response().modelVersion()).isEqualTo("1.0.0");
    }
    try (KafkaConsumer<byte[], byte[]> status = statusConsumer()) {
      List<ModelStatusEvent> events = new ArrayList<>();
      Await.until(
          "shadow report covering all requests",
          Duration.ofSeconds(30),
          () ->
              summed(poll(status, events), "shadowed")[0] == n
                  && summed(events, "shadowed")[1] == n);
      long[] totals = summed(events, "shadowed");
      assertThat(totals[1]).as("shadow inferences").isEqualTo(totals[0]);
      assertThat(totals[2]).as("compared").isEqualTo(n);
      assertThat(totals[3]).as("disagreed").isEqualTo(n);
    }
    // no extra replies: the client drops and counts late or duplicate replies
    assertThat(client.droppedReplies()).isZero();
  }

  /** primary, shadow, compared, disagreed: the latest report of each reporter, summed. */
  private static long[] summed(List<ModelStatusEvent> events, String model) {
    Map<String, ModelStatusEvent.ShadowReport> latest = new HashMap<>();
    for (ModelStatusEvent event : events) {
      if (event.state() == ModelStatusEvent.State.SHADOW_REPORT && model.equals(event.model())) {
        latest.put(event.taskManager(), event.shadow());
      }
    }
    long[] totals = new long[4];
    for (ModelStatusEvent.ShadowReport report : latest.values()) {
      totals[0] += report.primaryInferences();
      totals[1] += report.shadowInferences();
      totals[2] += report.compared();
      totals[3] += report.disagreed();
    }
    return totals;
  }

  private static long readyAt(List<ModelStatusEvent> events, ModelVersionSpec version) {
    for (ModelStatusEvent event : events) {
      if (event.state() == ModelStatusEvent.State.READY
          && version.sha256().equals(event.sha256())) {
        return event.timestampMillis();
      }
    }
    return -1;
  }

  private static KafkaConsumer<byte[], byte[]> statusConsumer() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "status-" + System.nanoTime());
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(InferenceTopics.MODEL_STATUS));
    return consumer;
  }

  private static List<ModelStatusEvent> poll(
      KafkaConsumer<byte[], byte[]> consumer, List<ModelStatusEvent> events) {
    for (var record : consumer.poll(Duration.ofMillis(1))) {
      try {
        events.add(MAPPER.readValue(record.value(), ModelStatusEvent.class));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return events;
  }
}
