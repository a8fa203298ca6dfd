package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.onnx.Sha256;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelStatusEvent.State;
import io.inferstream.schemas.RegistryKeys;
import io.inferstream.testing.Await;
import io.inferstream.testing.FreePorts;
import io.inferstream.testing.StatusEventBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry against a real KRaft broker and real ONNX Runtime, over HTTP. One broker for the
 * class; every test has its own topics and transactional id, so tests never see each other.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModelRegistryITCase {
  private static final Path MODELS = Path.of("..", "models");
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final int MAX_UPLOAD = 256 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmbeddedKafkaBroker broker;
  private static Admin admin;
  private static HttpClient http;

  @TempDir Path dir;
  private String testName;
  private final java.util.List<AutoCloseable> toClose = new java.util.ArrayList<>();

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.builder().build().start();
    admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  @AfterAll
  static void stopBroker() {
    if (admin != null) {
      admin.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @org.junit.jupiter.api.BeforeEach
  void name(TestInfo info) {
    testName = info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  // ------------------------------------------------------------------ tests

  @Test
  void uploadsPromotesRoutesAndServesArtifacts() throws Exception {
    ModelRegistry registry = start(settings());
    String api = registry.url() + "/api/v1";
    byte[] v1 = Files.readAllBytes(MODELS.resolve("affine/1/model.onnx"));
    byte[] v2 = TinyOnnx.affine(3, 1);

    HttpResponse<String> created = put(api + "/models/affine/versions/1", v1);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode version = json(created);
    assertThat(version.get("model").asText()).isEqualTo("affine");
    assertThat(version.get("revision").asLong()).isEqualTo(1);
    assertThat(version.get("version").asText()).isEqualTo("1.0.0");
    assertThat(version.get("sha256").asText()).isEqualTo(Sha256.of(v1));
    assertThat(version.get("artifact_uri").asText())
        .isEqualTo(registry.url() + "/api/v1/artifacts/" + Sha256.of(v1));
    assertThat(version.get("inputs").toString())
        .isEqualTo("[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]");
    assertThat(version.get("outputs").get(0).get("name").asText()).isEqualTo("output");
    assertThat(version.get("aliases").toString()).isEqualTo("[\"prod\"]");
    assertThat(version.get("status").get("state").asText()).isEqualTo("registered");
    assertThat(created.headers().firstValue("Location"))
        .contains("/api/v1/models/affine/versions/1.0.0");

    // a GET right after the PUT sees it
    JsonNode model = json(get(api + "/models/affine"), 200);
    assertThat(model.get("revision").asLong()).isEqualTo(1);
    assertThat(model.get("aliases").toString()).isEqualTo("{\"prod\":\"1.0.0\"}");
    assertThat(model.get("route").get("split").toString()).isEqualTo("{\"prod\":100}");
    assertThat(model.get("batching").get("max_batch_size").asInt()).isEqualTo(32);
    assertThat(model.get("batching").get("max_queue_delay_microseconds").asLong()).isEqualTo(2000);
    assertThat(model.get("replicas").asInt()).isEqualTo(1);
    assertThat(model.get("device").asText()).isEqualTo("auto");

    // v2 as multipart, declaring its checksum
    HttpResponse<String> second =
        send(
            HttpRequest.newBuilder(
                    URI.create(api + "/models/affine/versions/2.0.0?sha256=" + Sha256.of(v2)))
                .header("Content-Type", "multipart/form-data; boundary=xyzzy")
                .PUT(multipart("xyzzy", "file", v2)));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
    assertThat(json(second).get("revision").asLong()).isEqualTo(2);
    assertThat(json(second).get("aliases").size()).isZero();

    // promote: prod moves to 2.0.0, canary keeps 1.0.0
    JsonNode promoted =
        json(put(api + "/models/affine/aliases/prod", "{\"version\":\"2.0.0\"}"), 200);
    assertThat(promoted.get("revision").asLong()).isEqualTo(3);
    assertThat(promoted.get("version").asText()).isEqualTo("2.0.0");
    json(put(api + "/models/affine/aliases/canary", "{\"version\":\"1\"}"), 200);
    json(put(api + "/models/affine/aliases/staging", "{\"version\":\"latest\"}"), 200);
    assertThat(json(get(api + "/models/affine/versions/prod"), 200).get("version").asText())
        .isEqualTo("2.0.0");

    // 90/10 split with a shadow
    JsonNode routing =
        json(
            put(
                api + "/models/affine/routing",
                "{\"split\":{\"prod\":90,\"canary\":10},\"shadow\":\"staging\"}"),
            200);
    assertThat(routing.get("revision").asLong()).isEqualTo(6);
    assertThat(routing.get("split").toString()).isEqualTo("{\"canary\":10,\"prod\":90}");
    assertThat(routing.get("shadow").asText()).isEqualTo("staging");
    assertThat(json(get(api + "/models/affine/routing"), 200).get("resolved").toString())
        .isEqualTo("{\"canary\":\"1.0.0\",\"prod\":\"2.0.0\",\"staging\":\"2.0.0\"}");
    assertError(put(api + "/models/affine/routing", "{\"split\":{\"beta\":100}}"), 400, "beta");
    assertError(
        put(api + "/models/affine/routing", "{\"split\":{\"prod\":0}}"), 400, "more than 0");

    // settings without re-uploading
    JsonNode settings =
        json(
            send(
                HttpRequest.newBuilder(URI.create(api + "/models/affine/settings"))
                    .header("Content-Type", "application/json")
                    .method(
                        "PATCH",
                        BodyPublishers.ofString(
                            "{\"batching\":{\"max_batch_size\":64},\"replicas\":2,\"device\":\"cpu\"}"))),
            200);
    assertThat(settings.get("revision").asLong()).isEqualTo(7);
    assertThat(settings.get("batching").get("max_batch_size").asInt()).isEqualTo(64);
    assertError(
        put(api + "/models/affine/settings", "{\"replicas\":0}"),
        400,
        "replicas must be an integer");

    // refusals while in use
    assertError(delete(api + "/models/affine/versions/1.0.0"), 409, "alias 'canary'");
    assertError(delete(api + "/models/affine/aliases/canary"), 409, "the route's split");
    assertError(put(api + "/models/affine/aliases/1.5", "{\"version\":\"1.0.0\"}"), 400, "version");
    assertError(
        put(api + "/models/affine/aliases/latest", "{\"version\":\"1.0.0\"}"), 400, "latest");
    assertError(put(api + "/models/affine/aliases/x", "{\"version\":\"9.0.0\"}"), 400, "9.0.0");
    assertError(get(api + "/models/nope"), 404, "unknown model 'nope'");
    assertError(get(api + "/models/affine/versions/3.0.0"), 404, "3.0.0");
    assertError(get(api + "/nothing/here"), 404, "no such endpoint");
    assertError(put(api + "/models/bad%20name/versions/1", v1), 400, "invalid model name");

    // the model as a whole, and the list
    JsonNode full = json(get(api + "/models/affine"), 200);
    assertThat(full.get("revision").asLong()).isEqualTo(7);
    assertThat(full.get("latest").asText()).isEqualTo("2.0.0");
    assertThat(full.get("versions").get(1).get("aliases").toString())
        .isEqualTo("[\"prod\",\"staging\"]");
    JsonNode list = json(get(api + "/models"), 200);
    assertThat(list.get("models").get(0).get("name").asText()).isEqualTo("affine");
    assertThat(list.get("models").get(0).get("versions").toString())
        .isEqualTo("[\"1.0.0\",\"2.0.0\"]");

    // artifacts: bytes, ETag, 304, HEAD
    String artifactUri = full.get("versions").get(0).get("artifact_uri").asText();
    HttpResponse<byte[]> download =
        http.send(
            HttpRequest.newBuilder(URI.create(artifactUri)).build(), BodyHandlers.ofByteArray());
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body()).isEqualTo(v1);
    assertThat(download.headers().firstValue("ETag")).contains("\"" + Sha256.of(v1) + "\"");
    HttpResponse<byte[]> notModified =
        http.send(
            HttpRequest.newBuilder(URI.create(artifactUri))
                .header("If-None-Match", "\"" + Sha256.of(v1) + "\"")
                .build(),
            BodyHandlers.ofByteArray());
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    HttpResponse<Void> head =
        http.send(
            HttpRequest.newBuilder(URI.create(artifactUri))
                .method("HEAD", BodyPublishers.noBody())
                .build(),
            BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(v1.length);
    assertThat(get(api + "/artifacts/" + "0".repeat(64)).statusCode()).isEqualTo(404);

    // the topic holds exactly one record per revision, the latest being the spec we see
    List<ConsumerRecord<String, byte[]>> records = readRegistryTopic();
    assertThat(records).hasSize(7);
    ModelSpec last = JSON.readValue(records.get(6).value(), ModelSpec.class);
    assertThat(last.revision()).isEqualTo(7);
    assertThat(records.get(6).key()).isEqualTo(RegistryKeys.model("affine"));
    assertThat(registry.model("affine")).contains(last);
  }

  @Test
  void everyWriteIsVisibleToTheNextRead() throws Exception {
    ModelRegistry registry = start(settings());
    String api = registry.url() + "/api/v1";
    assertThat(put(api + "/models/affine/versions/1.0.0", TinyOnnx.affine(2, 1)).statusCode())
        .isEqualTo(201);
    assertThat(put(api + "/models/affine/versions/2.0.0", TinyOnnx.affine(3, 1)).statusCode())
        .isEqualTo(201);
    for (int i = 0; i < 20; i++) {
      String target = i % 2 == 0 ? "2.0.0" : "1.0.0";
      long revision =
          json(put(api + "/models/affine/aliases/prod", "{\"version\":\"" + target + "\"}"), 200)
              .get("revision")
              .asLong();
      assertThat(revision).isEqualTo(3 + i);
      JsonNode model = json(get(api + "/models/affine"), 200);
      assertThat(model.get("revision").asLong()).isEqualTo(revision);
      assertThat(model.get("aliases").get("prod").asText()).isEqualTo(target);
    }
  }

  @Test
  void uploadsAboveUndertowsDefaultBodyLimitAreAccepted() throws Exception {
    // 16 MiB: far above Undertow's 2 MiB default entity limit, below this registry's own
    byte[] big = TinyOnnx.slowMatMul();
    ModelRegistry registry = start(settings().toBuilder().maxUploadBytes(32L << 20).build());
    String api = registry.url() + "/api/v1";
    HttpResponse<String> raw = put(api + "/models/slow/versions/1", big);
    assertThat(raw.statusCode()).as(raw.body()).isEqualTo(201);
    HttpResponse<String> multipart =
        send(
            HttpRequest.newBuilder(URI.create(api + "/models/slow/versions/2"))
                .header("Content-Type", "multipart/form-data; boundary=big")
                .PUT(multipart("big", "file", big)));
    assertThat(multipart.statusCode()).as(multipart.body()).isEqualTo(201);
    assertThat(json(multipart).get("sha256").asText()).isEqualTo(Sha256.of(big));
    HttpResponse<byte[]> download =
        http.send(
            HttpRequest.newBuilder(URI.create(json(raw).get("artifact_uri").asText())).build(),
            BodyHandlers.ofByteArray());
    assertThat(download.body()).isEqualTo(big);
  }

  @Test
  void aRestartedRegistryHoldsEverySpecAndAlias() throws Exception {
    RegistrySettings settings = settings();
    ModelRegistry first = start(settings);
    String api = first.url() + "/api/v1";
    assertThat(put(api + "/models/affine/versions/1.0.0", TinyOnnx.affine(2, 1)).statusCode())
        .isEqualTo(201);
    assertThat(put(api + "/models/affine/versions/2.0.0", TinyOnnx.affine(3, 1)).statusCode())
        .isEqualTo(201);
    assertThat(put(api + "/models/lookup/versions/1.0.0", TinyOnnx.lookup()).statusCode())
        .isEqualTo(201);
    json(put(api + "/models/affine/aliases/staging", "{\"version\":\"2.0.0\"}"), 200);
    json(put(api + "/models/affine/routing", "{\"split\":{\"prod\":50,\"staging\":50}}"), 200);
    json(put(api + "/models/lookup/settings", "{\"cost_weight\":3}"), 200);
    JsonNode before = json(get(api + "/models"), 200);
    JsonNode affineBefore = json(get(api + "/models/affine"), 200);
    Map<String, ModelSpec> specsBefore = first.models();
    first.close();

    ModelRegistry second = start(settings);
    String api2 = second.url() + "/api/v1";
    assertThat(second.models()).isEqualTo(specsBefore);
    assertThat(json(get(api2 + "/models"), 200)).isEqualTo(before);
    assertThat(json(get(api2 + "/models/affine"), 200)).isEqualTo(affineBefore);
    String sha = affineBefore.get("versions").get(1).get("sha256").asText();
    HttpResponse<byte[]> artifact =
        http.send(
            HttpRequest.newBuilder(URI.create(api2 + "/artifacts/" + sha)).build(),
            BodyHandlers.ofByteArray());
    assertThat(artifact.body()).isEqualTo(TinyOnnx.affine(3, 1));
    // and writing continues at the next revision
    assertThat(
            json(put(api2 + "/models/affine/aliases/prod", "{\"version\":\"2.0.0\"}"), 200)
                .get("revision")
                .asLong())
        .isEqualTo(affineBefore.get("revision").asLong() + 1);
  }

  @Test
  void badUploadsAreRefusedAndPublishNothing() throws Exception {
    ModelRegistry registry = start(settings());
    String api = registry.url() + "/api/v1";
    byte[] good = Files.readAllBytes(MODELS.resolve("affine/1/model.onnx"));
    assertThat(put(api + "/models/affine/versions/1.0.0", good).statusCode()).isEqualTo(201);
    long offset = endOffset();
    String before = get(api + "/models/affine").body();
    String v2 = api + "/models/affine/versions/2.0.0";

    assertError(
        put(v2, "this is not a model".getBytes(StandardCharsets.UTF_8)),
        400,
        "not an ONNX model, or a truncated one");
    assertError(
        put(v2, Arrays.copyOf(good, good.length - 40)),
        400,
        "not an ONNX model, or a truncated one");
    assertError(put(v2, new byte[0]), 400, "the request body is empty");
    assertError(put(v2, new byte[MAX_UPLOAD + 1]), 413, "upload limit of " + MAX_UPLOAD);
    // a client that waits for "100 Continue" gets the 413 before it sends a byte of the body
    // (by hand: JDK 17's HttpClient hangs on a final answer to Expect, JDK-8286171)
    assertThat(expectContinue(URI.create(v2), MAX_UPLOAD * 4L))
        .startsWith("HTTP/1.1 413")
        .contains("upload limit");
    assertError(
        send(
            HttpRequest.newBuilder(URI.create(v2))
                .header("X-Content-Sha256", Sha256.of(TinyOnnx.affine(9, 9)))
                .PUT(BodyPublishers.ofByteArray(TinyOnnx.affine(3, 1)))),
        400,
        "sha256 mismatch: the body hashes to " + Sha256.of(TinyOnnx.affine(3, 1)));
    assertError(
        put(api + "/models/affine/versions/1.0.0", TinyOnnx.affine(3, 1)),
        409,
        "already has version 1.0.0 (sha256 " + Sha256.of(good) + ")");
    assertError(put(api + "/models/affine/versions/1", good), 409, "already has version 1.0.0");
    assertError(put(api + "/models/affine/versions/v2", good), 400, "invalid version 'v2'");
    assertError(put(v2, TinyOnnx.unknownOperator()), 400, "ONNX Runtime refuses the model: ");
    assertError(put(v2, TinyOnnx.unknownOperator()), 400, "NoSuchOperator");
    assertError(put(v2, TinyOnnx.noInputs()), 400, "the model has no inputs");
    assertError(put(v2, TinyOnnx.externalData()), 400, "external data");
    assertError(put(v2, TinyOnnx.identity(10)), 400, "unsupported tensor type");
    assertError(
        send(
            HttpRequest.newBuilder(URI.create(v2))
                .header("Content-Type", "multipart/form-data; boundary=b")
                .PUT(multipart("b", "model", good))),
        400,
        "'file' part");
    // a new model that fails validation is not created either
    assertError(put(api + "/models/broken/versions/1", TinyOnnx.noInputs()), 400, "no inputs");

    assertThat(endOffset()).isEqualTo(offset);
    assertThat(get(api + "/models/affine").body()).isEqualTo(before);
    assertError(get(api + "/models/broken"), 404, "unknown model");
    // and the connection-level refusals did not break the server
    assertThat(put(v2, TinyOnnx.affine(3, 1)).statusCode()).isEqualTo(201);
  }

  @Test
  void aSecondInstanceFencesTheFirst() throws Exception {
    RegistrySettings settings = settings();
    ModelRegistry first = start(settings);
    String api1 = first.url() + "/api/v1";
    assertThat(put(api1 + "/models/affine/versions/1.0.0", TinyOnnx.affine(2, 1)).statusCode())
        .isEqualTo(201);

    ModelRegistry second = start(settings.toBuilder().artifactDir(dir.resolve("second")).build());
    String api2 = second.url() + "/api/v1";
    assertThat(json(get(api2 + "/models/affine"), 200).get("revision").asLong()).isEqualTo(1);

    HttpResponse<String> refused =
        put(api1 + "/models/affine/aliases/staging", "{\"version\":\"1\"}");
    assertError(refused, 503, "read-only: another registry instance");
    assertThat(refused.body()).contains("fenced");
    assertError(put(api1 + "/models/other/versions/1", TinyOnnx.affine(2, 1)), 503, "read-only");
    assertThat(first.writable()).isFalse();
    assertThat(json(get(api1 + "/health"), 200).get("writable").asBoolean()).isFalse();

    // the second writes; the first keeps serving reads and follows
    assertThat(put(api2 + "/models/affine/versions/2.0.0", TinyOnnx.affine(3, 1)).statusCode())
        .isEqualTo(201);
    Await.until(
        "the fenced instance reads the new writer's version",
        DEADLINE,
        () -> first.model("affine").map(s -> s.version("2.0.0") != null).orElse(false));
    JsonNode seenByFirst = json(get(api1 + "/models/affine"), 200);
    assertThat(seenByFirst.get("revision").asLong()).isEqualTo(2);
    assertThat(json(get(api2 + "/health"), 200).get("writable").asBoolean()).isTrue();
  }

  @Test
  void statusEventsAreFoldedIntoTheModel() throws Exception {
    RegistrySettings settings = settings();
    ModelRegistry registry = start(settings);
    String api = registry.url() + "/api/v1";
    byte[] v1 = TinyOnnx.affine(2, 1);
    byte[] v2 = TinyOnnx.affine(3, 1);
    put(api + "/models/affine/versions/1.0.0", v1);
    put(api + "/models/affine/versions/2.0.0", v2);

    try (KafkaProducer<String, byte[]> producer = producer()) {
      List<ModelStatusEvent> events =
          List.of(
              status("1.0.0", Sha256.of(v1), State.LOADING, "tm-1", null, null, 0, 1),
              status("1.0.0", Sha256.of(v1), State.READY, "tm-1", "cpu", null, 37, 2),
              status("1.0.0", Sha256.of(v1), State.LOADING, "tm-2", null, null, 0, 3),
              status(
                  "2.0.0", Sha256.of(v2), State.FAILED, "tm-1", null, "CUDA not available", 0, 4),
              StatusEventBuilder.shadowReport(
                  "affine", "tm-1/0", "1.0.0", "2.0.0", 100, 98, 0.5, 5),
              StatusEventBuilder.shadowReport(
                  "affine", "tm-2/0", "1.0.0", "2.0.0", 50, 50, 0.5, 6));
      for (ModelStatusEvent event : events) {
        producer.send(
            new ProducerRecord<>(
                settings.statusTopic(),
                RegistryKeys.model("affine"),
                JSON.writeValueAsBytes(event)));
      }
      producer.flush();
    }

    Await.until(
        "both shadow reports are folded",
        DEADLINE,
        () -> {
          JsonNode shadow = json(get(api + "/models/affine")).get("shadow");
          return shadow != null && shadow.get("reporters").asInt() == 2;
        });
    JsonNode model = json(get(api + "/models/affine"), 200);
    JsonNode one = model.get("versions").get(0).get("status");
    assertThat(one.get("state").asText()).isEqualTo("ready");
    assertThat(one.get("device").asText()).isEqualTo("cpu");
    assertThat(one.get("load_millis").asLong()).isEqualTo(37);
    assertThat(one.get("task_managers").size()).isEqualTo(2);
    assertThat(one.get("task_managers").get(1).get("state").asText()).isEqualTo("loading");
    JsonNode two = model.get("versions").get(1).get("status");
    assertThat(two.get("state").asText()).isEqualTo("failed");
    assertThat(two.get("cause").asText()).isEqualTo("CUDA not available");
    JsonNode shadow = model.get("shadow");
    assertThat(shadow.get("primary_version").asText()).isEqualTo("1.0.0");
    assertThat(shadow.get("shadow_version").asText()).isEqualTo("2.0.0");
    assertThat(shadow.get("compared").asLong()).isEqualTo(150);
    assertThat(shadow.get("agreed").asLong()).isEqualTo(148);
    assertThat(shadow.get("disagreed").asLong()).isEqualTo(2);
    assertThat(shadow.get("agreement_ratio").asDouble()).isEqualTo(148.0 / 150);
    assertThat(
            json(get(api + "/models/affine/versions/2.0.0"), 200)
                .get("status")
                .get("state")
                .asText())
        .isEqualTo("failed");
    assertThat(json(get(api + "/models"), 200).get("models").get(0).get("status").toString())
        .isEqualTo("{\"1.0.0\":\"ready\",\"2.0.0\":\"failed\"}");
  }

  @Test
  void seedingRegistersARepositoryOnce() throws Exception {
    RegistrySettings settings = settings().toBuilder().maxUploadBytes(1024 * 1024).build();
    ModelRegistry registry = start(settings);
    assertThat(registry.seed(MODELS)).containsExactly("affine:1.0.0", "digits-mlp:1.0.0");

    String api = registry.url() + "/api/v1";
    JsonNode digits = json(get(api + "/models/digits-mlp"), 200);
    assertThat(digits.get("batching").get("max_batch_size").asInt()).isEqualTo(64);
    assertThat(digits.get("batching").get("preferred_batch_size").toString()).isEqualTo("[32]");
    assertThat(digits.get("aliases").toString()).isEqualTo("{\"prod\":\"1.0.0\"}");
    JsonNode version = digits.get("versions").get(0);
    byte[] file = Files.readAllBytes(MODELS.resolve("digits-mlp/1/model.onnx"));
    assertThat(version.get("sha256").asText()).isEqualTo(Sha256.of(file));
    assertThat(version.get("artifact_uri").asText())
        .startsWith(registry.url() + "/api/v1/artifacts/");
    HttpResponse<byte[]> artifact =
        http.send(
            HttpRequest.newBuilder(URI.create(version.get("artifact_uri").asText())).build(),
            BodyHandlers.ofByteArray());
    assertThat(artifact.body()).isEqualTo(file);

    long offset = endOffset();
    assertThat(registry.seed(MODELS)).isEmpty();
    registry.close();
    ModelRegistry restarted = start(settings);
    assertThat(restarted.seed(MODELS)).isEmpty();
    assertThat(endOffset()).isEqualTo(offset);

    // a new version in the repository is added; the held one and its aliases stay
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve("affine/1"));
    Files.createDirectories(repo.resolve("affine/2"));
    Files.copy(MODELS.resolve("affine/1/model.onnx"), repo.resolve("affine/1/model.onnx"));
    Files.write(repo.resolve("affine/2/model.onnx"), TinyOnnx.affine(3, 1));
    assertThat(restarted.seed(repo)).containsExactly("affine:2.0.0");
    ModelSpec affine = restarted.model("affine").orElseThrow();
    assertThat(affine.aliases()).isEqualTo(Map.of("prod", "1.0.0"));
    assertThat(affine.batching().maxBatchSize()).isEqualTo(256);
  }

  @Test
  void deletingAModelPublishesATombstoneAndRevisionsKeepCounting() throws Exception {
    ModelRegistry registry = start(settings());
    String api = registry.url() + "/api/v1";
    put(api + "/models/affine/versions/1.0.0", TinyOnnx.affine(2, 1));
    put(api + "/models/affine/versions/2.0.0", TinyOnnx.affine(3, 1));
    JsonNode removed = json(delete(api + "/models/affine/versions/2.0.0"), 200);
    assertThat(removed.get("revision").asLong()).isEqualTo(3);
    assertThat(removed.get("model_deleted").asBoolean()).isFalse();

    JsonNode deleted = json(delete(api + "/models/affine"), 200);
    assertThat(deleted.get("revision").asLong()).isEqualTo(4);
    assertError(get(api + "/models/affine"), 404, "unknown model");
    assertError(delete(api + "/models/affine"), 404, "unknown model");
    List<ConsumerRecord<String, byte[]>> records = readRegistryTopic();
    assertThat(records.get(records.size() - 1).value()).isNull();

    JsonNode again = json(put(api + "/models/affine/versions/1.0.0", TinyOnnx.affine(2, 1)), 201);
    assertThat(again.get("revision").asLong()).isEqualTo(5);

    // removing the last version deletes the model too, once nothing points at it
    json(put(api + "/models/affine/routing", "{\"split\":{\"latest\":100}}"), 200);
    json(delete(api + "/models/affine/aliases/prod"), 200);
    JsonNode last = json(delete(api + "/models/affine/versions/1.0.0"), 200);
    assertThat(last.get("model_deleted").asBoolean()).isTrue();
    assertThat(registry.model("affine")).isEmpty();
  }

  @Test
  void healthAnswersAndCloseFreesThePortAndThreads() throws Exception {
    ModelRegistry registry = start(settings());
    JsonNode health = json(get(registry.url() + "/api/v1/health"), 200);
    assertThat(health.get("status").asText()).isEqualTo("ok");
    int port = registry.port();
    registry.close();
    registry.close();
    assertThat(FreePorts.canBind(port)).as("port %d free again", port).isTrue();
    Await.until(
        "the registry's threads (followers, Kafka clients, Undertow) end",
        DEADLINE,
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(
                    t ->
                        t.isAlive()
                            && (t.getName().contains("inferstream-registry")
                                || t.getName().startsWith("XNIO-"))));
  }

  // ------------------------------------------------------------------ helpers

  private RegistrySettings settings() {
    return RegistrySettings.builder()
        .bootstrapServers(broker.bootstrapServers())
        .port(0)
        .artifactDir(dir.resolve("artifacts"))
        .maxUploadBytes(MAX_UPLOAD)
        .registryTopic("registry-" + testName)
        .statusTopic("status-" + testName)
        .transactionalId("registry-" + testName)
        .build();
  }

  private ModelRegistry start(RegistrySettings settings) {
    ModelRegistry registry = new ModelRegistry(settings).start();
    toClose.add(0, registry);
    return registry;
  }

  private long endOffset() throws Exception {
    TopicPartition partition = new TopicPartition("registry-" + testName, 0);
    return admin
        .listOffsets(Map.of(partition, OffsetSpec.latest()))
        .partitionResult(partition)
        .get(30, TimeUnit.SECONDS)
        .offset();
  }

  private List<ConsumerRecord<String, byte[]>> readRegistryTopic() throws Exception {
    long end = endOffset();
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    TopicPartition partition = new TopicPartition("registry-" + testName, 0);
    List<ConsumerRecord<String, byte[]>> records = new java.util.ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      Await.until(
          "the registry topic read to offset " + end,
          DEADLINE,
          () -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return consumer.position(partition) >= end;
          });
    }
    return records;
  }

  private static KafkaProducer<String, byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  private static ModelStatusEvent status(
      String version,
      String sha,
      State state,
      String tm,
      String device,
      String cause,
      long load,
      long at) {
    return StatusEventBuilder.status("affine", version, state)
        .sha256(sha)
        .taskManager(tm)
        .device(device)
        .cause(cause)
        .loadMillis(load)
        .at(at)
        .build();
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  private static HttpResponse<String> delete(String url) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url)).DELETE());
  }

  private static HttpResponse<String> put(String url, byte[] body)
      throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/octet-stream")
            .PUT(BodyPublishers.ofByteArray(body)));
  }

  private static HttpResponse<String> put(String url, String json)
      throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .PUT(BodyPublishers.ofString(json)));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.timeout(DEADLINE).build(), BodyHandlers.ofString());
  }

  private static BodyPublisher multipart(String boundary, String field, byte[] file) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\""
            + field
            + "\"; filename=\"model.onnx\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    body.writeBytes(file);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return BodyPublishers.ofByteArray(body.toByteArray());
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  private static JsonNode json(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    return json(response);
  }

  private static void assertError(HttpResponse<String> response, int status, String message) {
    JsonNode body = json(response, status);
    assertThat(body.get("code").asInt()).isEqualTo(status);
    assertThat(body.get("error").asText()).contains(message);
  }

  /** Sends only the headers of a PUT with {@code Expect: 100-continue}; returns the answer. */
  private static String expectContinue(URI uri, long contentLength) throws IOException {
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout((int) DEADLINE.toMillis());
      String request =
          "PUT "
              + uri.getRawPath()
              + " HTTP/1.1\r\nHost: "
              + uri.getHost()
              + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
              + contentLength
              + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
