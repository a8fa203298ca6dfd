package io.inferstream.schemas;

/** A request that cannot be served, with the code and message its error reply carries. */
public class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public InferenceException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public static InferenceException badRequest(String message) {
    return new InferenceException(ErrorCode.BAD_REQUEST, message);
  }
}
