package io.inferstream.client;

/** A call the client could not complete: not sent, not answered in time, or the client closed. */
public class InferenceClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InferenceClientException(String message) {
    super(message);
  }

  public InferenceClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
