package io.inferstream.job.embedded;

import io.inferstream.job.InferenceJob;
import io.inferstream.job.InferenceJobConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * The inference job on a Flink MiniCluster in this JVM (one task manager, REST API and web UI): the
 * one way the local stack, the benchmark and the job's integration tests start a cluster, submit
 * the job, wait until every task runs, and cancel it.
 *
 * <p>The cluster's {@link Configuration} sets the REST port ({@code RestOptions.PORT}, 0 for a free
 * one); the other ports are random unless the configuration names them.
 */
public final class EmbeddedJobCluster implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(1);

  private final MiniCluster miniCluster;

  private EmbeddedJobCluster(MiniCluster miniCluster) {
    this.miniCluster = miniCluster;
  }

  /**
   * Starts a MiniCluster with one task manager of {@code slots} slots.
   *
   * @throws Exception as {@link MiniCluster#start} does, e.g. when the REST port is taken
   */
  public static EmbeddedJobCluster start(Configuration conf, int slots) throws Exception {
    MiniCluster cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .withRandomPorts()
                .build());
    try {
      cluster.start();
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
    return new EmbeddedJobCluster(cluster);
  }

  /** The MiniCluster, for what only it offers (task managers, execution graphs). */
  public MiniCluster miniCluster() {
    return miniCluster;
  }

  /** The REST endpoint (what the web UI and {@code flink} CLI talk to). */
  public URI restAddress() throws Exception {
    return miniCluster.getRestAddress().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Builds the inference job over its Kafka sources and sinks from {@code jobConf} (job options,
   * checkpointing, restart strategy) and submits it; returns without waiting for its tasks.
   */
  public JobID submit(Configuration jobConf, int parallelism) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConf);
    env.setParallelism(parallelism);
    InferenceJob.buildWithKafka(env, InferenceJobConfig.from(jobConf));
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(InferenceJob.JOB_NAME);
    return miniCluster
        .submitJob(graph.getJobGraph())
        .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .getJobID();
  }

  /**
   * Waits until the job is RUNNING with every task RUNNING (a job shows RUNNING while its tasks
   * still deploy and initialize).
   *
   * @param stopRequested checked while waiting; when it turns true the wait ends with {@link
   *     CancellationException}
   * @throws IllegalStateException if the job ends first, or after {@code timeout}, naming the job
   *     and task states last seen
   */
  public void awaitAllTasksRunning(JobID job, Duration timeout, BooleanSupplier stopRequested)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String seen = "no execution graph yet";
    while (true) {
      if (stopRequested.getAsBoolean()) {
        throw new CancellationException("stopped while waiting for the job's tasks");
      }
      try {
        AccessExecutionGraph graph =
            miniCluster.getExecutionGraph(job).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        JobStatus state = graph.getState();
        if (state.isGloballyTerminalState()) {
          throw new IllegalStateException(
              "the inference job ended while starting: " + outcome(job));
        }
        List<ExecutionState> tasks = new ArrayList<>();
        for (AccessExecutionVertex vertex : graph.getAllExecutionVertices()) {
          tasks.add(vertex.getExecutionState());
        }
        if (state == JobStatus.RUNNING
            && !tasks.isEmpty()
            && tasks.stream().allMatch(s -> s == ExecutionState.RUNNING)) {
          return;
        }
        seen = "job " + state + ", tasks " + tasks;
      } catch (ExecutionException | TimeoutException e) {
        seen = "no execution graph (" + e.getCause() + ")";
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "the inference job did not get all its tasks running within "
                + timeout.toSeconds()
                + " s; last seen: "
                + seen);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Completes when the job ends. */
  public CompletableFuture<JobResult> result(JobID job) {
    return miniCluster.requestJobResult(job);
  }

  /** The job's state now. */
  public JobStatus status(JobID job) throws Exception {
    return miniCluster.getJobStatus(job).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How an ended job ended: its application status and, if it failed, the failure's message. */
  private String outcome(JobID job) {
    try {
      JobResult ended = result(job).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return ended.getApplicationStatus()
          + ended.getSerializedThrowable().map(t -> ": " + t.getMessage()).orElse("");
    } catch (Exception e) {
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      return "unknown (" + cause + ")";
    }
  }

  /** Cancels the job unless it has ended, and waits until it reaches a terminal state. */
  public void cancel(JobID job, Duration timeout) throws Exception {
    Objects.requireNonNull(job, "job");
    CompletableFuture<JobResult> result = result(job);
    if (!result.isDone() && !status(job).isGloballyTerminalState()) {
      miniCluster.cancelJob(job).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    result.handle((ended, failure) -> null).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Closes the MiniCluster, which stops any job still running.
   *
   * @throws TimeoutException if it has not closed within a minute
   */
  @Override
  public void close() throws Exception {
    miniCluster.closeAsync().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
