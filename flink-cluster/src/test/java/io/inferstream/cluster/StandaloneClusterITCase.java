package io.inferstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Tensor;
import io.inferstream.testing.Await;
import io.inferstream.testing.PrometheusText;
import io.inferstream.topics.InferenceTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inference job on a real standalone Flink cluster, as a user runs it: the broker and the
 * registry of {@code bin/inferstream up --no-job} (in this JVM), {@code bin/flink-cluster start} on
 * a temporary home with free ports, the job jar submitted with Flink's own CLI; requests through
 * the Java client, metrics from the TaskManager's Prometheus endpoint and the REST API, then cancel
 * and resubmit into the same TaskManager. One cluster for the whole class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class StandaloneClusterITCase {
  private static final Duration REPLY_TIMEOUT = AffineRequests.REPLY_TIMEOUT;
  private static final Duration METRIC_TIMEOUT = Duration.ofSeconds(45);

  /** Flink's name for an operator metric: scope, then the groups ("model" is a key group). */
  private static final String INFERSTREAM = "flink_taskmanager_job_task_operator_inferstream_";

  private static final String MODEL = INFERSTREAM + "model_";

  @TempDir static Path temp;

  private JobOnCluster fixture;
  private StandaloneCluster cluster;
  private InferenceClient client;

  @BeforeAll
  void startBrokerRegistryClusterAndJob() {
    fixture = JobOnCluster.start(temp, false);
    cluster = fixture.cluster();
    client = fixture.client();
  }

  @AfterAll
  void stopEverythingAndFreeThePorts() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  @Order(1)
  void jobRunsWithAllTasksOnTheTaskManagerAndAnswers() {
    JsonNode job = cluster.rest().jobOverview(JobID.fromHexString(fixture.jobId()));
    assertThat(job.path("state").asText()).isEqualTo("RUNNING");
    assertThat(job.path("tasks").path("running").asInt())
        .isEqualTo(job.path("tasks").path("total").asInt())
        .isPositive();
    JsonNode taskManagers = cluster.rest().get("/taskmanagers").path("taskmanagers");
    assertThat(taskManagers).hasSize(1);
    assertThat(taskManagers.get(0).path("slotsNumber").asInt()).isEqualTo(2);

    assertAffineAnswers("standalone-1");
  }

  @Test
  @Order(2)
  void prometheusEndpointsServeWithoutAttemptLabels() {
    PrometheusText jobManager =
        PrometheusText.scrape(cluster.prometheusPort(StandaloneCluster.JOB_MANAGER));
    assertThat(jobManager.sum("flink_jobmanager_numRegisteredTaskManagers", Map.of()))
        .isEqualTo(1.0);
    assertThat(jobManager.sum("flink_jobmanager_numRunningJobs", Map.of())).isEqualTo(1.0);

    PrometheusText taskManager =
        PrometheusText.scrape(cluster.prometheusPort(StandaloneCluster.TASK_MANAGER));
    assertThat(taskManager.samples("flink_taskmanager_job_task_numRecordsIn", s -> true))
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.label("job_id")).isEqualTo(fixture.jobId()));
    // metrics.reporter.prom.scope.variables.excludes: a restart must not start new series.
    assertThat(taskManager.samples())
        .noneMatch(s -> s.labels().containsKey("task_attempt_id"))
        .noneMatch(s -> s.labels().containsKey("task_attempt_num"));
  }

  /**
   * The job's own metrics (group {@code inferstream}, key group {@code model}) with values: after N
   * one-row requests the batch-size histogram counts N (one sample per request), rows count N; an
   * unknown model counts one NOT_FOUND error, a record with a forbidden reply topic one dead
   * letter. The web UI's REST API shows the same counter.
   */
  @Test
  @Order(3)
  void inferenceMetricsCountRequestsInPrometheusAndTheRestApi() throws Exception {
    int prometheusPort = cluster.prometheusPort(StandaloneCluster.TASK_MANAGER);
    Map<String, String> affine = Map.of("model", "affine");
    assertAffineAnswers("metrics-warm-up");
    PrometheusText before = PrometheusText.scrape(prometheusPort);

    int requests = 20;
    List<CompletableFuture<InferenceReply>> replies = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      replies.add(
          client.sendAsync(
              InferenceCall.builder()
                  .model("affine")
                  .request(
                      InferenceRequest.of(
                          "metrics-" + i, Tensor.ofFloats("input", new long[] {1, 4}, i, 0, 0, 0)))
                  .timeout(REPLY_TIMEOUT)
                  .build()));
    }
    for (int i = 0; i < requests; i++) {
      InferenceReply reply = replies.get(i).get(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(reply.status())
          .as(new String(reply.body(), StandardCharsets.UTF_8))
          .isEqualTo(200);
      assertThat(reply.response().output("output").asFloats()[0]).isEqualTo(2f * i + 1);
    }
    InferenceReply unknown =
        client.send(
            InferenceCall.builder()
                .model("no-such-model")
                .request(
                    InferenceRequest.of(
                        "metrics-unknown", Tensor.ofFloats("input", new long[] {1, 4}, 1, 2, 3, 4)))
                .timeout(REPLY_TIMEOUT)
                .build());
    assertThat(unknown.status()).isEqualTo(404);
    sendWithForbiddenReplyTopic("metrics-dead-letter");

    PrometheusText after =
        Await.until(
            "all " + requests + " requests, the error and the dead letter counted",
            METRIC_TIMEOUT,
            () -> PrometheusText.scrape(prometheusPort),
            now ->
                delta(before, now, MODEL + "batchSize_count", affine) >= requests
                    && delta(before, now, INFERSTREAM + "code_errors", Map.of("code", "NOT_FOUND"))
                        >= 1
                    && delta(before, now, INFERSTREAM + "deadLetters", Map.of()) >= 1);

    assertThat(delta(before, after, MODEL + "batchSize_count", affine)).isEqualTo(requests);
    assertThat(delta(before, after, MODEL + "rows", affine)).isEqualTo(requests);
    assertThat(delta(before, after, MODEL + "queueDelayMicros_count", affine)).isEqualTo(requests);
    double batches = delta(before, after, MODEL + "inferenceMicros_count", affine);
    assertThat(batches).as("one inference per batch").isBetween(1.0, (double) requests);
    assertThat(delta(before, after, MODEL + "batches", affine)).isEqualTo(batches);
    assertThat(after.type(MODEL + "batchSize")).isEqualTo("summary");
    assertThat(after.type(MODEL + "queueDelayMicros")).isEqualTo("summary");
    assertThat(after.type(MODEL + "inferenceMicros")).isEqualTo("summary");
    assertThat(after.samples(MODEL + "batchSize", s -> "affine".equals(s.label("model"))))
        .anySatisfy(s -> assertThat(s.label("quantile")).isEqualTo("0.5"));
    assertThat(after.samples(MODEL + "rowsPerSecond", s -> "affine".equals(s.label("model"))))
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.value()).isNotNegative());
    assertThat(after.sum(MODEL + "modelLoads", affine)).isGreaterThanOrEqualTo(1);
    assertThat(after.sum(MODEL + "device_sessions", Map.of("model", "affine", "device", "cpu")))
        .isEqualTo(1.0);
    assertThat(delta(before, after, INFERSTREAM + "code_errors", Map.of("code", "NOT_FOUND")))
        .isEqualTo(1.0);
    assertThat(delta(before, after, INFERSTREAM + "deadLetters", Map.of())).isEqualTo(1.0);
    assertThat(after.samples())
        .noneMatch(s -> s.labels().containsKey("task_attempt_id"))
        .noneMatch(s -> s.labels().containsKey("task_attempt_num"));

    // The web UI reads the same metric through the REST API (refreshed every 10 s).
    String jobId = fixture.jobId();
    String vertex = cluster.rest().vertexId(JobID.fromHexString(jobId), "infer");
    String base = "/jobs/" + jobId + "/vertices/" + vertex;
    Await.until(
        "infer.inferstream.model.affine.rows listed by " + base + "/metrics",
        METRIC_TIMEOUT,
        () -> cluster.rest().get(base + "/metrics"),
        metrics ->
            metrics.findValuesAsText("id").stream()
                .anyMatch(id -> id.matches("\\d+\\.infer\\.inferstream\\.model\\.affine\\.rows")));
    double rows = after.sum(MODEL + "rows", affine);
    Await.until(
        "REST sum of infer.inferstream.model.affine.rows = " + rows,
        METRIC_TIMEOUT,
        () ->
            cluster
                .rest()
                .get(base + "/subtasks/metrics?get=infer.inferstream.model.affine.rows&agg=sum")
                .path(0)
                .path("sum")
                .asDouble(),
        sum -> sum == rows);
  }

  @Test
  @Order(4)
  void cancelledJobResubmitsIntoTheSameTaskManager() {
    long taskManagerPid = cluster.pid(StandaloneCluster.TASK_MANAGER).orElseThrow();
    String taskManagerId = onlyTaskManagerId();

    String cancelled = fixture.jobId();
    assertThat(cluster.flink("cancel", cancelled)).contains(cancelled);
    cluster.awaitJobState(cancelled, "CANCELED", JobOnCluster.RUNNING_TIMEOUT);

    String jobId = fixture.submit();
    assertThat(onlyTaskManagerId()).as("no TaskManager restart").isEqualTo(taskManagerId);
    assertThat(ProcessHandle.of(taskManagerPid).map(ProcessHandle::isAlive)).contains(true);

    // ONNX Runtime's JNI library lives in lib/ (parent classloader): the new job's classloader
    // uses the loaded one instead of failing to load it a second time.
    assertAffineAnswers("resubmitted-1");
    assertThat(cluster.log(StandaloneCluster.TASK_MANAGER))
        .doesNotContain("UnsatisfiedLinkError")
        .doesNotContain("already loaded in another classloader");
    assertThat(cluster.flink("list")).contains(jobId).contains("(RUNNING)");
  }

  private void assertAffineAnswers(String requestId) {
    InferenceResponse response = AffineRequests.assertAnswers(client, "affine", requestId);
    assertThat(response.parameters()).containsEntry("device", "cpu");
  }

  private String onlyTaskManagerId() {
    JsonNode taskManagers = cluster.rest().get("/taskmanagers").path("taskmanagers");
    assertThat(taskManagers).hasSize(1);
    return taskManagers.get(0).path("id").asText();
  }

  /** A record the job can only dead-letter: its reply topic is outside the allowed pattern. */
  private void sendWithForbiddenReplyTopic(String requestId) throws Exception {
    Map<String, Object> config =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.services().bootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
      ProducerRecord<byte[], byte[]> record =
          new ProducerRecord<>(
              InferenceTopics.REQUESTS,
              requestId.getBytes(StandardCharsets.UTF_8),
              "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_8));
      record.headers().add(InferenceHeaders.REQUEST_ID, utf8(requestId));
      record.headers().add(InferenceHeaders.MODEL, utf8("affine"));
      record.headers().add(InferenceHeaders.REPLY_TOPIC, utf8("not-a-reply-topic"));
      producer.send(record).get(30, TimeUnit.SECONDS);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static double delta(
      PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
    return after.sum(name, labels) - before.sum(name, labels);
  }
}
