package io.inferstream.job.operators;

import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceException;
import org.apache.flink.util.ExceptionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's error policy, decided once. Every step that interprets what a request carries — its
 * bytes, headers, shapes and values: decoding, validation and routing, batch inference, splitting
 * outputs, encoding the reply, shadow comparison — runs inside a guard whose failure becomes that
 * request's error reply, through {@link #of}:
 *
 * <ul>
 *   <li>an {@link InferenceException} is a refusal that names the problem: its own code (400, 404,
 *       413, 415, 503, 504...);
 *   <li>any other exception, or an {@link Error} such as an {@code OutOfMemoryError} or a {@code
 *       StackOverflowError}, is a fault of the job on this request: 500 with the cause, logged with
 *       the request id;
 *   <li>only JVM-fatal errors ({@code InternalError}, {@code UnknownError}) pass through.
 * </ul>
 *
 * The guards cover the interpretation only, never emitting records, state access or timers: those
 * are the infrastructure (network stack, state backend, checkpoint storage, the broker), whose
 * failures fail the task so that Flink restarts the job from its last checkpoint. Rejections in the
 * decoder also become dead letters, since only the decoder holds the raw record; later errors are
 * counted by code at the job's exits ({@link io.inferstream.job.metrics.ReplyMetrics}).
 */
public final class RequestErrors {
  private static final Logger LOG = LoggerFactory.getLogger(RequestErrors.class);

  /** Longest request-supplied text (a header value, a name) quoted in an error message. */
  static final int MAX_QUOTED = 128;

  private RequestErrors() {}

  /**
   * What a failure while interpreting a request means for that request.
   *
   * @param stage what the job was doing, for the message: "decoding", "routing", ...
   * @param requestId logged with unexpected failures (may be null)
   */
  public static InferenceException of(Throwable failure, String stage, String requestId) {
    ExceptionUtils.rethrowIfFatalError(failure);
    if (failure instanceof InferenceException refusal) {
      // expected bad input: no stack trace, and quiet unless asked for (a flood must not flood
      // logs)
      LOG.debug(
          "Request {} refused in {}: {} {}",
          requestId,
          stage,
          refusal.code(),
          refusal.getMessage());
      return refusal;
    }
    LOG.warn("Request {} failed in {}; it is answered 500", requestId, stage, failure);
    return new InferenceException(
        ErrorCode.INTERNAL, stage + " failed on this request: " + describe(failure));
  }

  /** A throwable as its class and message, bounded, for error replies. */
  public static String describe(Throwable failure) {
    String message = failure.getMessage();
    return failure.getClass().getName() + (message == null ? "" : ": " + quote(message));
  }

  /** Request-supplied text for an error message: at most {@link #MAX_QUOTED} characters. */
  public static String quote(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() <= MAX_QUOTED
        ? text
        : text.substring(0, MAX_QUOTED) + "... (" + text.length() + " characters)";
  }
}
