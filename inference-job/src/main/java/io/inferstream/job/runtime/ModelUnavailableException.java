package io.inferstream.job.runtime;

/** A model version that cannot be loaded here: its requests are answered 503. */
public class ModelUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  public ModelUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
