package io.inferstream.schemas;

/** HTTP-style status codes carried in the {@code status} header and in error bodies. */
public enum ErrorCode {
  OK(200),
  BAD_REQUEST(400),
  UNAUTHORIZED(401),
  FORBIDDEN(403),
  NOT_FOUND(404),
  PAYLOAD_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  TOO_MANY_REQUESTS(429),
  INTERNAL(500),
  UNAVAILABLE(503),
  DEADLINE_EXCEEDED(504);

  private final int status;

  ErrorCode(int status) {
    this.status = status;
  }

  public int status() {
    return status;
  }
}
