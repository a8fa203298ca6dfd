package io.inferstream.registry;

/**
 * A request the registry refuses, with the HTTP status and the message its error body carries
 * ({@code {"error": "...", "code": N}}).
 */
public class RegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public RegistryException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public RegistryException(int status, String message, Throwable cause) {
    super(message, cause, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static RegistryException badRequest(String message) {
    return new RegistryException(400, message);
  }

  public static RegistryException notFound(String message) {
    return new RegistryException(404, message);
  }

  public static RegistryException conflict(String message) {
    return new RegistryException(409, message);
  }

  public static RegistryException tooLarge(String message) {
    return new RegistryException(413, message);
  }

  public static RegistryException unavailable(String message) {
    return new RegistryException(503, message);
  }
}
