package io.inferstream.job.runtime;

/** A batch that the model could not run; the runner splits the batch to find the culprit. */
public class InferenceFailure extends Exception {
  private static final long serialVersionUID = 1L;

  public InferenceFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
