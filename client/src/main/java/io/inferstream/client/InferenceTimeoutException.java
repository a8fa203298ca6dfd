package io.inferstream.client;

/** No reply arrived before the call's deadline; a late reply is dropped and counted. */
public class InferenceTimeoutException extends InferenceClientException {
  private static final long serialVersionUID = 1L;

  public InferenceTimeoutException(String message) {
    super(message);
  }
}
