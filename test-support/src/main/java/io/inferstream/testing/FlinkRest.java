package io.inferstream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobID;

/**
 * GETs on a Flink cluster's REST API (what the web UI shows): job overview and details, metrics,
 * exception history and checkpoint statistics.
 *
 * <p>Metrics come from the REST endpoint's metric store, which a request refreshes only in the
 * background and at most every {@code metrics.fetcher.update-interval}: {@link #numRestarts} may be
 * that stale, {@link #freshNumRestarts} is not.
 */
public final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;

  /**
   * @param base the REST endpoint, e.g. {@code http://localhost:8081}
   */
  public FlinkRest(URI base) {
    this.base = base;
  }

  /**
   * The JSON answer to a GET.
   *
   * @throws IllegalStateException for an answer other than HTTP 200
   * @throws UncheckedIOException if the endpoint does not answer
   */
  public JsonNode get(String path) {
    URI uri = base.resolve(path);
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "GET " + uri + ": HTTP " + response.statusCode() + " " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + uri, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: GET " + uri, e);
    }
  }

  /** The job's entry of {@code /jobs/overview} (state, tasks), or null while it is not listed. */
  public JsonNode jobOverview(JobID job) {
    for (JsonNode entry : get("/jobs/overview").path("jobs")) {
      if (job.toHexString().equals(entry.path("jid").asText())) {
        return entry;
      }
    }
    return null;
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
    return !details.path("vertices").isEmpty();
  }

  /** The id of the job vertex whose name contains {@code part}. */
  public String vertexId(JobID job, String part) {
    for (JsonNode vertex : get("/jobs/" + job).path("vertices")) {
      if (vertex.path("name").asText().contains(part)) {
        return vertex.path("id").asText();
      }
    }
    throw new AssertionError("no vertex named *" + part + "* in job " + job);
  }

  /** The job's {@code numRestarts} metric as the metric store holds it, or -1 if not reported. */
  public long numRestarts(JobID job) {
    for (JsonNode metric : get("/jobs/" + job + "/metrics?get=numRestarts")) {
      if ("numRestarts".equals(metric.path("id").asText())) {
        return metric.path("value").asLong(-1);
      }
    }
    return -1;
  }

  /**
   * The job's current {@code numRestarts}: asks (which starts a fetch), waits past the endpoint's
   * {@code metrics.fetcher.update-interval} and asks again.
   */
  public long freshNumRestarts(JobID job, Duration fetchInterval) throws InterruptedException {
    numRestarts(job);
    Thread.sleep(fetchInterval.toMillis() + 500);
    return numRestarts(job);
  }

  /** The entries of the job's exception history, newest first: task failures since it started. */
  public List<JsonNode> exceptionHistory(JobID job) {
    List<JsonNode> entries = new ArrayList<>();
    get("/jobs/" + job + "/exceptions")
        .path("exceptionHistory")
        .path("entries")
        .forEach(entries::add);
    return entries;
  }

  /**
   * The newest entry of the job's exception history in one line (the exception's first line and the
   * task), or null if there is none.
   */
  public String lastFailure(JobID job) {
    List<JsonNode> entries = exceptionHistory(job);
    if (entries.isEmpty()) {
      return null;
    }
    JsonNode newest = entries.get(0);
    String trace = newest.path("stacktrace").asText("");
    int end = trace.indexOf('\n');
    String firstLine = (end < 0 ? trace : trace.substring(0, end)).strip();
    String task = newest.path("taskName").asText("");
    return (firstLine.isEmpty() ? newest.path("exceptionName").asText("?") : firstLine)
        + (task.isEmpty() ? "" : " (in " + task + ")");
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
