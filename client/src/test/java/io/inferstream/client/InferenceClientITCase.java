package io.inferstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Priority;
import io.inferstream.schemas.Tensor;
import io.inferstream.testing.Await;
import io.inferstream.topics.InferenceTopics;
import io.inferstream.topics.TopicSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InferenceClientITCase {
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private static EmbeddedKafkaBroker broker;
  private static EchoServer echo;

  @BeforeAll
  static void startBrokerAndEcho() {
    broker = EmbeddedKafkaBroker.builder().build().start();
    try (Admin admin = admin()) {
      InferenceTopics.createIfAbsent(admin, TopicSettings.defaults(), AWAIT);
    }
    echo = new EchoServer(broker.bootstrapServers(), InferenceTopics.REQUESTS);
  }

  @AfterAll
  static void stopEchoAndBroker() throws InterruptedException {
    if (echo != null) {
      echo.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void syncJsonRoundTripGivesBackTheInputs() {
    InferenceRequest request =
        InferenceRequest.of(
            "req-json",
            Tensor.ofFloats("x", new long[] {2, 4}, 1, 2, 3, 4, 5, 6, 7, 8),
            Tensor.ofLongs("ids", new long[] {3}, 7, 8, 9),
            Tensor.ofStrings("words", new long[] {2}, "héllo", "world"));
    try (InferenceClient client = client(0)) {
      InferenceCall call =
          InferenceCall.builder()
              .model(EchoServer.ECHO)
              .modelVersion("prod")
              .request(request)
              .priority(Priority.HIGH)
              .deadline(Instant.ofEpochMilli(4_102_444_800_000L))
              .apiKey("secret")
              .build();

      InferenceReply reply = client.send(call);

      assertThat(reply.ok()).isTrue();
      assertThat(reply.requestId()).isEqualTo(call.requestId());
      InferenceResponse response = reply.response();
      assertThat(response.id()).isEqualTo("req-json");
      assertThat(response.outputs()).isEqualTo(request.inputs());
      assertThat(echo.headersOf(call.requestId()))
          .containsEntry(InferenceHeaders.REQUEST_ID, call.requestId())
          .containsEntry(InferenceHeaders.MODEL, EchoServer.ECHO)
          .containsEntry(InferenceHeaders.MODEL_VERSION, "prod")
          .containsEntry(InferenceHeaders.PRIORITY, "high")
          .containsEntry(InferenceHeaders.DEADLINE, "4102444800000")
          .containsEntry(InferenceHeaders.API_KEY, "secret")
          .containsEntry(InferenceHeaders.REPLY_TOPIC, InferenceTopics.REPLIES)
          .containsEntry(InferenceHeaders.REPLY_PARTITION, "0")
          .containsEntry(InferenceHeaders.CONTENT_TYPE, InferenceHeaders.CONTENT_TYPE_JSON)
          .doesNotContainKey(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH);
    }
  }

  @Test
  void asyncBinaryRoundTripCarriesAnImageBatch() throws Exception {
    // Eight 3x224x224 FP32 images: 4.8 MB, over Kafka's 1 MiB default.
    float[] pixels = new float[8 * 3 * 224 * 224];
    Random random = new Random(7);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextFloat();
    }
    InferenceRequest request =
        InferenceRequest.of(
            "req-bin", Tensor.ofFloats("images", new long[] {8, 3, 224, 224}, pixels));
    try (InferenceClient client = client(1)) {
      InferenceCall call =
          InferenceCall.builder().model(EchoServer.ECHO).request(request).binary(true).build();

      InferenceReply reply = client.sendAsync(call).get(30, TimeUnit.SECONDS);

      assertThat(reply.ok()).isTrue();
      assertThat(reply.header(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH)).isNotNull();
      assertThat(reply.response().output("images").asFloats()).isEqualTo(pixels);
      assertThat(echo.headersOf(call.requestId()))
          .containsEntry(InferenceHeaders.CONTENT_TYPE, InferenceHeaders.CONTENT_TYPE_BINARY)
          .containsEntry(InferenceHeaders.REPLY_PARTITION, "1")
          .containsKey(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH);
    }
  }

  @Test
  void hundredConcurrentCallsEachGetTheirOwnReply() throws Exception {
    try (InferenceClient client = client(0)) {
      List<InferenceCall> calls = new ArrayList<>();
      List<CompletableFuture<InferenceReply>> replies = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        InferenceCall call =
            InferenceCall.builder()
                .model(EchoServer.ECHO)
                .request(InferenceRequest.of(null, Tensor.ofFloats("x", new long[] {1}, i)))
                .binary(i % 2 == 0)
                .build();
        calls.add(call);
        replies.add(client.sendAsync(call));
      }

      CompletableFuture.allOf(replies.toArray(new CompletableFuture<?>[0]))
          .get(60, TimeUnit.SECONDS);

      for (int i = 0; i < calls.size(); i++) {
        InferenceReply reply = replies.get(i).join();
        assertThat(reply.requestId()).isEqualTo(calls.get(i).requestId());
        assertThat(reply.response().output("x").asFloats()).containsExactly((float) i);
      }
      assertThat(client.pendingCalls()).isZero();
      assertThat(client.droppedReplies()).isZero();
    }
  }

  @Test
  void anUnansweredCallTimesOutAtItsDeadline() {
    try (InferenceClient client = client(0)) {
      Duration timeout = Duration.ofMillis(300);
      InferenceCall call = silentCall(timeout);
      long started = System.nanoTime();

      CompletableFuture<InferenceReply> reply = client.sendAsync(call);

      assertThatThrownBy(() -> reply.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(InferenceTimeoutException.class)
          .hasMessageContaining(call.requestId());
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(timeout);
      assertThat(client.pendingCalls()).isZero();

      assertThatThrownBy(() -> client.send(silentCall(timeout)))
          .isInstanceOf(InferenceTimeoutException.class);
    }
  }

  @Test
  void aDuplicateReplyIsDroppedAndCounted() {
    try (InferenceClient client = client(0)) {
      InferenceReply reply =
          client.send(
              InferenceCall.builder()
                  .model(EchoServer.TWICE)
                  .request(InferenceRequest.of(null, Tensor.ofFloats("x", new long[] {1}, 1)))
                  .build());

      assertThat(reply.ok()).isTrue();
      Await.until("the second reply dropped", AWAIT, () -> client.droppedReplies() == 1);
      assertThat(client.pendingCalls()).isZero();
    }
  }

  @Test
  void aRequestOverTheSizeLimitFailsWithRequestTooLarge() {
    InferenceCall call = largeCall(5 * 1024 * 1024); // 20 MiB as FP32
    try (InferenceClient client = client(0)) {
      CompletableFuture<InferenceReply> reply = client.sendAsync(call);

      assertThatThrownBy(() -> reply.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(RequestTooLargeException.class)
          .hasMessageContaining(call.requestId());
      assertThatThrownBy(() -> client.send(call)).isInstanceOf(RequestTooLargeException.class);
      assertThat(client.pendingCalls()).isZero();
    }
  }

  @Test
  void aRequestTheBrokerRefusesFailsWithRequestTooLarge() {
    // A producer allowed more than the topic takes: the refusal now comes from the broker.
    InferenceCall call = largeCall(5 * 1024 * 1024);
    try (InferenceClient client =
        InferenceClient.builder()
            .bootstrapServers(broker.bootstrapServers())
            .producerProperty("max.request.size", String.valueOf(32 * 1024 * 1024))
            .build()) {
      assertThatThrownBy(() -> client.send(call))
          .isInstanceOf(RequestTooLargeException.class)
          .hasMessageContaining(call.requestId());
    }
  }

  @Test
  void aReplyWrittenRightAfterBuildIsSeen() throws Exception {
    // The consumer's position is fixed inside build(); were it resolved lazily at the first poll,
    // a record written in between would be skipped. A stranger's reply shows up as dropped.
    try (InferenceClient client = client(1)) {
      echo.reply(
          InferenceTopics.REPLIES, 1, "nobody-asked", 200, "{}".getBytes(StandardCharsets.UTF_8));

      Await.until("the reply written after build read", AWAIT, () -> client.droppedReplies() == 1);
    }
  }

  @Test
  void aMalformedRawBodyGetsAnErrorReply() throws Exception {
    try (InferenceClient client = client(0)) {
      InferenceReply reply =
          client
              .sendRaw(
                  "raw-1",
                  "{not json".getBytes(StandardCharsets.UTF_8),
                  Map.of(InferenceHeaders.MODEL, EchoServer.ECHO.getBytes(StandardCharsets.UTF_8)))
              .get(30, TimeUnit.SECONDS);

      assertThat(reply.ok()).isFalse();
      assertThat(reply.status()).isEqualTo(ErrorCode.BAD_REQUEST.status());
      assertThat(reply.error().error()).contains("malformed JSON");
      assertThatThrownBy(reply::response).isInstanceOf(IllegalStateException.class);
      assertThat(echo.headersOf("raw-1"))
          .containsEntry(InferenceHeaders.REPLY_TOPIC, InferenceTopics.REPLIES)
          .containsEntry(InferenceHeaders.REPLY_PARTITION, "0");
    }
  }

  @Test
  void closeFailsPendingCallsAndRefusesNewOnes() {
    InferenceClient client = client(0);
    CompletableFuture<InferenceReply> pending = client.sendAsync(silentCall(Duration.ofMinutes(5)));

    client.close();

    assertThatThrownBy(() -> pending.get(30, TimeUnit.SECONDS))
        .cause()
        .isExactlyInstanceOf(InferenceClientException.class)
        .hasMessage("client closed");
    assertThat(client.sendAsync(silentCall(Duration.ofSeconds(1))))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableThat()
        .havingCause()
        .withMessage("client closed");
    client.close();
  }

  @Test
  void aMissingReplyPartitionIsNamedAtBuild() {
    assertThatThrownBy(
            () ->
                InferenceClient.builder()
                    .bootstrapServers(broker.bootstrapServers())
                    .replyPartition(7)
                    .build())
        .isInstanceOf(InferenceClientException.class)
        .hasMessageContaining("replyPartition 7 does not exist");
    assertThatThrownBy(
            () ->
                InferenceClient.builder()
                    .bootstrapServers(broker.bootstrapServers())
                    .replyTopic("inference-replies-missing")
                    .build())
        .isInstanceOf(InferenceClientException.class)
        .hasMessageContaining("'inference-replies-missing' does not exist");
  }

  private static InferenceCall largeCall(int floats) {
    return InferenceCall.builder()
        .model(EchoServer.ECHO)
        .request(
            InferenceRequest.of(null, Tensor.ofFloats("x", new long[] {floats}, new float[floats])))
        .binary(true)
        .build();
  }

  private static InferenceCall silentCall(Duration timeout) {
    return InferenceCall.builder()
        .model(EchoServer.SILENT)
        .request(InferenceRequest.of(null, Tensor.ofFloats("x", new long[] {1}, 1)))
        .timeout(timeout)
        .build();
  }

  private static InferenceClient client(int replyPartition) {
    return InferenceClient.builder()
        .bootstrapServers(broker.bootstrapServers())
        .replyPartition(replyPartition)
        .build();
  }

  private static Admin admin() {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
  }
}
