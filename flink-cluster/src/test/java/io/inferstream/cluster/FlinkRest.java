package io.inferstream.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GETs on a Flink cluster's REST API (what the web UI shows). */
final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  FlinkRest(int port) {
    this.baseUrl = "http://localhost:" + port;
  }

  JsonNode get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(baseUrl + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + baseUrl + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The job's entry of /jobs/overview (state, tasks), or null while it is not listed. */
  JsonNode jobOverview(String jobId) {
    for (JsonNode job : get("/jobs/overview").path("jobs")) {
      if (jobId.equals(job.path("jid").asText())) {
        return job;
      }
    }
    return null;
  }

  /** The id of the job vertex whose name contains {@code part}. */
  String vertexId(String jobId, String part) {
    for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
      if (vertex.path("name").asText().contains(part)) {
        return vertex.path("id").asText();
      }
    }
    throw new AssertionError("no vertex named *" + part + "* in job " + jobId);
  }
}
