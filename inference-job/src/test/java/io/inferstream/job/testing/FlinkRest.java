package io.inferstream.job.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.flink.api.common.JobID;

/** Reads job status, metrics and checkpoint statistics from Flink's REST API. */
public final class FlinkRest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;

  public FlinkRest(URI base) {
    this.base = base;
  }

  public JsonNode get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      return MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new IllegalStateException("GET " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Whether the job is RUNNING and every one of its tasks is running. */
  public boolean allTasksRunning(JobID job) {
    JsonNode details = get("/jobs/" + job);
    if (!"RUNNING".equals(details.path("state").asText())) {
      return false;
    }
    for (JsonNode vertex : details.path("vertices")) {
      if (!"RUNNING".equals(vertex.path("status").asText())) {
        return false;
      }
    }
    return details.path("vertices").size() > 0;
  }

  /** The job's {@code numRestarts} metric, or -1 while the metric is not yet reported. */
  public long numRestarts(JobID job) {
    JsonNode metrics = get("/jobs/" + job + "/metrics?get=numRestarts");
    for (JsonNode metric : metrics) {
      if ("numRestarts".equals(metric.path("id").asText())) {
        return metric.path("value").asLong();
      }
    }
    return -1;
  }

  /** The entries of the job's exception history: every task failure since it started. */
  public java.util.List<JsonNode> exceptionHistory(JobID job) {
    java.util.List<JsonNode> entries = new java.util.ArrayList<>();
    get("/jobs/" + job + "/exceptions")
        .path("exceptionHistory")
        .path("entries")
        .forEach(entries::add);
    return entries;
  }

  public JsonNode checkpoints(JobID job) {
    return get("/jobs/" + job + "/checkpoints");
  }

  public long completedCheckpoints(JobID job) {
    return checkpoints(job).path("counts").path("completed").asLong();
  }

  public long restoredCheckpoints(JobID job) {
    return checkpoints(job).path("counts").path("restored").asLong();
  }
}
