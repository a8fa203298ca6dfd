package io.inferstream.job.runtime;

import io.inferstream.job.records.ServingTarget;
import java.io.Serializable;

/**
 * What the router asks of its task manager's session cache: whether a model version is ready, and
 * to load one ahead of traffic. Router and inference share a chain, so the answer is about the task
 * manager that will run the request.
 */
public interface ModelSessions extends AutoCloseable {

  /** Whether the target's session is loaded (and warmed) on this task manager. */
  boolean isReady(ServingTarget target);

  /** Starts loading the target in the background unless it is loaded, loading or just failed. */
  void preload(ServingTarget target);

  @Override
  void close();

  /** Opens the task manager's sessions from an operator; serializable with the operator. */
  @FunctionalInterface
  interface Factory extends Serializable {
    ModelSessions open(int gpuIndex);
  }
}
