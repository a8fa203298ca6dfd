package io.inferstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.client.InferenceClient;
import io.inferstream.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixture of the cluster ITCases: the broker and the registry ({@link KafkaAndRegistry}), a
 * standalone cluster on its own home ({@link StandaloneCluster}), the job jar submitted with the
 * CLI and running with all its tasks, and a client. {@link #close} stops all of it, even after a
 * half-done start, and checks that every port it used is free again.
 */
final class JobOnCluster implements AutoCloseable {
  static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(2);

  private final FreePorts ports = new FreePorts();
  private KafkaAndRegistry services;
  private StandaloneCluster cluster;
  private InferenceClient client;
  private String jobId;

  private JobOnCluster() {}

  /** Starts everything in {@code dir}; a failure stops what did start. */
  static JobOnCluster start(Path dir, boolean gpu) {
    JobOnCluster fixture = new JobOnCluster();
    try {
      fixture.services = KafkaAndRegistry.start(fixture.ports, dir.resolve("inferstream"));
      fixture.cluster =
          new StandaloneCluster(
              dir.resolve(gpu ? "flink-home-gpu" : "flink-home"),
              gpu,
              fixture.ports,
              dir.resolve("flink-data"));
      fixture.cluster.start();
      fixture.submit();
      fixture.client =
          InferenceClient.builder().bootstrapServers(fixture.services.bootstrapServers()).build();
      return fixture;
    } catch (RuntimeException | AssertionError e) {
      try {
        fixture.close();
      } catch (RuntimeException | AssertionError suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Submits the job jar with {@code flink run -d} and waits until all its tasks run. */
  String submit() {
    jobId = cluster.submit(StandaloneCluster.jobJar(), services.bootstrapServers());
    cluster.awaitAllTasksRunning(jobId, RUNNING_TIMEOUT);
    return jobId;
  }

  String jobId() {
    return jobId;
  }

  StandaloneCluster cluster() {
    return cluster;
  }

  KafkaAndRegistry services() {
    return services;
  }

  InferenceClient client() {
    return client;
  }

  @Override
  public void close() {
    try (KafkaAndRegistry stopLast = services;
        StandaloneCluster stopSecond = cluster;
        InferenceClient stopFirst = client) {
      // closing in reverse order: client, cluster (bin/flink-cluster stop), broker and registry
    }
    List<Integer> used = new ArrayList<>();
    if (cluster != null) {
      for (String component :
          List.of(StandaloneCluster.TASK_MANAGER, StandaloneCluster.JOB_MANAGER)) {
        assertThat(cluster.pid(component)).as("%s pid file after stop", component).isEmpty();
      }
      used.addAll(cluster.ports());
    }
    if (services != null) {
      used.addAll(services.ports());
    }
    assertThat(used).as("ports still accepting connections").noneMatch(FreePorts::accepts);
  }
}
