package io.inferstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.flink.api.common.JobID;

/**
 * A job's restart count and last failure from Flink's REST API. (The project's other REST helpers,
 * {@code FlinkRest} in inference-job and flink-cluster, are test code.)
 *
 * <p>{@code numRestarts} comes from the REST endpoint's metric store, which a request refreshes
 * only in the background and at most every {@code metrics.fetcher.update-interval} ({@link
 * BenchmarkStack} sets 1 s): {@link #numRestarts} asks, waits past that interval and asks again.
 */
final class FlinkJobRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Duration METRIC_FETCH_INTERVAL = Duration.ofSeconds(1);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;
  private final JobID job;

  FlinkJobRest(URI base, JobID job) {
    this.base = base;
    this.job = job;
  }

  /** The job's {@code numRestarts} metric, or -1 if it cannot be read. */
  long numRestarts() {
    try {
      numRestartsOnce(); // starts a fetch of the current value
      Thread.sleep(METRIC_FETCH_INTERVAL.toMillis() + 500);
      return numRestartsOnce();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The newest entry of the job's exception history, one line, or null if there is none. */
  String lastFailure() {
    try {
      JsonNode entries =
          get("/jobs/" + job + "/exceptions?maxExceptions=1")
              .path("exceptionHistory")
              .path("entries");
      if (!entries.isArray() || entries.isEmpty()) {
        return null;
      }
      JsonNode newest = entries.get(0);
      String trace = newest.path("stacktrace").asText("");
      int end = trace.indexOf('\n');
      String firstLine = end < 0 ? trace : trace.substring(0, end);
      String task = newest.path("taskName").asText("");
      return (firstLine.isEmpty() ? newest.path("exceptionName").asText("?") : firstLine.trim())
          + (task.isEmpty() ? "" : " (in " + task + ")");
    } catch (IOException | RuntimeException e) {
      return "(exception history unreadable: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private long numRestartsOnce() throws IOException, InterruptedException {
    for (JsonNode metric : get("/jobs/" + job + "/metrics?get=numRestarts")) {
      if ("numRestarts".equals(metric.path("id").asText())) {
        return metric.path("value").asLong(-1);
      }
    }
    return -1;
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + ": HTTP " + response.statusCode());
    }
    return JSON.readTree(response.body());
  }
}
