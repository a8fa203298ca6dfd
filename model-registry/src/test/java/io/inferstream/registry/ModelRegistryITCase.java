package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.onnx.Sha256;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.RegistryKeys;
import io.inferstream.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry over HTTP on a real KRaft broker; each test uses its own model names. */
class ModelRegistryITCase {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final long MAX_UPLOAD = 64 * 1024;

  @TempDir static Path artifacts;
  private static EmbeddedKafkaBroker broker;
  private static ModelRegistry registry;

  @BeforeAll
  static void start() {
    broker = EmbeddedKafkaBroker.builder().build().start();
    registry = new ModelRegistry(settings("inferstream-model-registry")).start();
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static RegistrySettings settings(String transactionalId) {
    return RegistrySettings.builder()
        .bootstrapServers(broker.bootstrapServers())
        .port(0)
        .artifactDir(artifacts)
        .maxUploadBytes(MAX_UPLOAD)
        .transactionalId(transactionalId)
        .build();
  }

  private record Reply(int status, JsonNode json, HttpResponse<byte[]> raw) {}

  private static Reply call(
      ModelRegistry to, String method, String path, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(to.url() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<byte[]> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    JsonNode json =
        response.body().length > 0
                && response.headers().firstValue("Content-Type").orElse("").contains("json")
            ? MAPPER.readTree(response.body())
            : null;
    return new Reply(response.statusCode(), json, response);
  }

  private static Reply call(String method, String path, String json) throws Exception {
    return call(
        registry,
        method,
        path,
        json == null ? null : json.getBytes(StandardCharsets.UTF_8),
        "Content-Type",
        "application/json");
  }

  private static Reply upload(String model, String version, byte[] onnx, String... headers)
      throws Exception {
    return call(registry, "PUT", "/api/v1/models/" + model + "/versions/" + version, onnx, headers);
  }

  @Test
  void uploadPromoteSplitShadowDownloadAndSurviveARestart() throws Exception {
    byte[] v1 = TinyOnnx.affine(2f, 1f);
    Reply first = upload("affine", "1.0.0", v1);
    assertThat(first.status).as(String.valueOf(first.json)).isEqualTo(201);
    assertThat(first.json.get("sha256").asText()).isEqualTo(Sha256.of(v1));
    assertThat(first.json.get("artifact_uri").asText())
        .isEqualTo(registry.url() + "/api/v1/artifacts/" + Sha256.of(v1));
    assertThat(first.json.at("/inputs/0/name").asText()).isEqualTo("input");
    JsonNode model = call("GET", "/api/v1/models/affine", null).json;
    assertThat(model.at("/aliases/prod").asText()).isEqualTo("1.0.0"); // first version is prod
    assertThat(model.at("/route/split/prod").asInt()).isEqualTo(100);
    long revision = model.get("revision").asLong();

    assertThat(upload("affine", "2.0.0", TinyOnnx.affine(3f, 1f)).status).isEqualTo(201);
    assertThat(call("GET", "/api/v1/models/affine", null).json.at("/aliases/prod").asText())
        .isEqualTo("1.0.0"); // a new version is not promoted by itself
    Reply promote = call("PUT", "/api/v1/models/affine/aliases/prod", "{\"version\":\"2.0.0\"}");
    assertThat(promote.status).as(String.valueOf(promote.json)).isEqualTo(200);
    // a GET right after the PUT sees it
    JsonNode promoted = call("GET", "/api/v1/models/affine", null).json;
    assertThat(promoted.at("/aliases/prod").asText()).isEqualTo("2.0.0");
    assertThat(promoted.get("revision").asLong()).isEqualTo(revision + 2); // upload + promote

    assertThat(
            call("PUT", "/api/v1/models/affine/aliases/canary", "{\"version\":\"1.0.0\"}").status)
        .isEqualTo(200);
    Reply routing =
        call(
            "PUT",
            "/api/v1/models/affine/routing",
            "{\"split\":{\"prod\":90,\"canary\":10},\"shadow\":\"1.0.0\"}");
    assertThat(routing.status).as(String.valueOf(routing.json)).isEqualTo(200);
    Reply badRoute = call("PUT", "/api/v1/models/affine/routing", "{\"split\":{\"nope\":100}}");
    assertThat(badRoute.status).isEqualTo(400);
    assertThat(badRoute.json.get("error").asText()).contains("nope");
    // deleting a version the route points at is refused
    Reply refused = call("DELETE", "/api/v1/models/affine/versions/1.0.0", null);
    assertThat(refused.status).isEqualTo(409);
    Reply settings =
        call(
            "PATCH",
            "/api/v1/models/affine/settings",
            "{\"batching\":{\"max_batch_size\":64},\"replicas\":2}");
    assertThat(settings.status).as(String.valueOf(settings.json)).isEqualTo(200);
    assertThat(call("PATCH", "/api/v1/models/affine/settings", "{\"replicas\":0}").status)
        .isEqualTo(400);

    String sha = Sha256.of(v1);
    Reply artifact = call(registry, "GET", "/api/v1/artifacts/" + sha, null);
    assertThat(artifact.status).isEqualTo(200);
    assertThat(artifact.raw.body()).isEqualTo(v1);
    assertThat(artifact.raw.headers().firstValue("ETag")).hasValue("\"" + sha + "\"");
    assertThat(
            call(
                    registry,
                    "GET",
                    "/api/v1/artifacts/" + sha,
                    null,
                    "If-None-Match",
                    "\"" + sha + "\"")
                .status)
        .isEqualTo(304);

    JsonNode before = call("GET", "/api/v1/models/affine", null).json;
    registry.close();
    registry = new ModelRegistry(settings("inferstream-model-registry")).start();
    JsonNode after = call("GET", "/api/v1/models/affine", null).json;
    for (String field :
        List.of("revision", "aliases", "route", "batching", "replicas", "versions")) {
      assertThat(after.get(field)).as(field).isEqualTo(before.get(field));
    }
    assertThat(after.at("/aliases/canary").asText()).isEqualTo("1.0.0");
    assertThat(after.at("/route/shadow").asText()).isEqualTo("1.0.0");
    assertThat(after.at("/batching/max_batch_size").asInt()).isEqualTo(64);
  }

  @Test
  void badUploadsAreSpecific4xxAndPublishNothing() throws Exception {
    assertThat(upload("checked", "1.0.0", TinyOnnx.affine(2f, 1f)).status).isEqualTo(201);
    long end = endOffset();
    byte[] good = TinyOnnx.affine(5f, 1f);
    Map<String, Object[]> cases = new java.util.LinkedHashMap<>();
    cases.put("not onnx", new Object[] {"2.0.0", "this is not a model".getBytes(), 400, "ONNX"});
    cases.put(
        "truncated", new Object[] {"2.0.1", Arrays.copyOf(good, good.length / 2), 400, "ONNX"});
    cases.put("too large", new Object[] {"2.0.2", new byte[(int) MAX_UPLOAD + 1], 413, "limit"});
    cases.put("duplicate", new Object[] {"1.0.0", good, 409, "1.0.0"});
    cases.put("bad version", new Object[] {"one.two", good, 400, "one.two"});
    cases.put(
        "unknown operator",
        new Object[] {"2.0.3", TinyOnnx.unknownOperator(), 400, "NoSuchOperator"});
    cases.put("no inputs", new Object[] {"2.0.4", TinyOnnx.noInputs(), 400, "no inputs"});
    cases.put(
        "external data", new Object[] {"2.0.5", TinyOnnx.externalData(), 400, "external data"});
    cases.put("empty", new Object[] {"2.0.6", new byte[0], 400, "empty"});
    for (Map.Entry<String, Object[]> c : cases.entrySet()) {
      Object[] v = c.getValue();
      Reply reply = upload("checked", (String) v[0], (byte[]) v[1]);
      assertThat(reply.status).as(c.getKey() + ": " + reply.json).isEqualTo(v[2]);
      assertThat(reply.json.get("error").asText())
          .as(c.getKey())
          .containsIgnoringCase((String) v[3]);
      assertThat(reply.json.get("code").asInt()).isEqualTo(v[2]);
    }
    Reply mismatch = upload("checked", "2.0.7", good, "X-Content-Sha256", "0".repeat(64));
    assertThat(mismatch.status).isEqualTo(400);
    assertThat(mismatch.json.get("error").asText()).contains("sha256 mismatch");
    assertThat(upload("-bad", "1.0.0", good).status).isEqualTo(400);
    assertThat(endOffset()).isEqualTo(end);
    assertThat(call("GET", "/api/v1/models/checked", null).json.get("versions")).hasSize(1);
  }

  @Test
  void taskManagerStatusEventsAreFoldedIntoTheVersionStatus() throws Exception {
    byte[] onnx = TinyOnnx.affine(7f, 1f);
    assertThat(upload("watched", "1.0.0", onnx).status).isEqualTo(201);
    assertThat(
            call("GET", "/api/v1/models/watched/versions/1.0.0", null)
                .json
                .at("/status/state")
                .asText())
        .isEqualTo("registered");
    publishStatus(
        new ModelStatusEvent(
            "watched",
            "1.0.0",
            Sha256.of(onnx),
            ModelStatusEvent.State.FAILED,
            "tm-a",
            null,
            "CUDA cannot be used",
            0,
            System.currentTimeMillis(),
            null));
    awaitState("watched", "failed");
    assertThat(
            call("GET", "/api/v1/models/watched/versions/1.0.0", null)
                .json
                .at("/status/cause")
                .asText())
        .contains("CUDA");
    publishStatus(
        new ModelStatusEvent(
            "watched",
            "1.0.0",
            Sha256.of(onnx),
            ModelStatusEvent.State.READY,
            "tm-b",
            "cpu",
            null,
            42,
            System.currentTimeMillis() + 1,
            null));
    awaitState("watched", "ready");
  }

  @Test
  void aSecondInstanceFencesTheFirstWhichThenRefusesWrites() throws Exception {
    try (ModelRegistry first = new ModelRegistry(settings("fence-test")).start()) {
      assertThat(
              call(first, "PUT", "/api/v1/models/fenced/versions/1.0.0", TinyOnnx.affine(2f, 1f))
                  .status)
          .isEqualTo(201);
      try (ModelRegistry second = new ModelRegistry(settings("fence-test")).start()) {
        Reply refused =
            call(first, "PUT", "/api/v1/models/fenced/versions/2.0.0", TinyOnnx.affine(3f, 1f));
        assertThat(refused.status).as(String.valueOf(refused.json)).isEqualTo(503);
        assertThat(
                call(second, "PUT", "/api/v1/models/fenced/versions/2.0.0", TinyOnnx.affine(3f, 1f))
                    .status)
            .isEqualTo(201);
        assertThat(call(first, "GET", "/api/v1/models/fenced", null, new String[0]).status)
            .isEqualTo(200); // reads still work
      }
    }
  }

  private static void awaitState(String model, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String seen = null;
    while (System.nanoTime() < deadline) {
      seen =
          call("GET", "/api/v1/models/" + model + "/versions/1.0.0", null)
              .json
              .at("/status/state")
              .asText();
      if (state.equals(seen)) {
        return;
      }
      Thread.sleep(50); // polling an HTTP endpoint for a condition, bounded by the deadline
    }
    throw new AssertionError("status of " + model + " stayed " + seen + ", expected " + state);
  }

  private static void publishStatus(ModelStatusEvent event) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.MODEL_STATUS,
                  RegistryKeys.model(event.model()),
                  MAPPER.writeValueAsString(event)))
          .get();
    }
  }

  private static long endOffset() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(Topics.MODEL_REGISTRY, 0);
      return consumer.endOffsets(List.of(partition)).get(partition);
    }
  }
}
