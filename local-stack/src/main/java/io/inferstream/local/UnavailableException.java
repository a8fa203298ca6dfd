package io.inferstream.local;

/**
 * Something the stack needs is taken: a port, or the data directory. The CLI prints the message
 * alone (no stack trace) and exits with {@link InferstreamCli#EXIT_UNAVAILABLE}.
 */
public final class UnavailableException extends RuntimeException {
  public UnavailableException(String message) {
    super(message);
  }
}
