package io.inferstream.bench;

/** A setting the run cannot use; the command line reports it as a usage error. */
final class SetupException extends RuntimeException {
  SetupException(String message) {
    super(message);
  }
}
