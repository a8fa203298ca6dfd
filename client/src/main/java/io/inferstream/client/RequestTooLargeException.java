package io.inferstream.client;

/**
 * The request record is larger than the producer's {@code max.request.size} or the broker's (or
 * topic's) message size limit, so it was never written.
 */
public class RequestTooLargeException extends InferenceClientException {
  private static final long serialVersionUID = 1L;

  public RequestTooLargeException(String message, Throwable cause) {
    super(message, cause);
  }
}
