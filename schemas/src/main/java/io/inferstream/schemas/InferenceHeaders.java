package io.inferstream.schemas;

/** Kafka record header names of request, reply and dead-letter records. */
public final class InferenceHeaders {
  // request headers
  public static final String REQUEST_ID = "request-id";
  public static final String MODEL = "model";
  public static final String MODEL_VERSION = "model-version";
  public static final String API_KEY = "api-key";
  public static final String REPLY_TOPIC = "reply-topic";
  public static final String REPLY_PARTITION = "reply-partition";
  public static final String DEADLINE = "deadline";
  public static final String PRIORITY = "priority";
  public static final String CONTENT_TYPE = "content-type";

  /** Length of the JSON part of a binary (Triton binary tensor extension) body. */
  public static final String INFERENCE_HEADER_CONTENT_LENGTH = "inference-header-content-length";

  // reply headers (plus request-id, content-type and inference-header-content-length)
  public static final String STATUS = "status";

  // dead-letter headers (plus every header of the original record)
  public static final String DEAD_LETTER_REASON = "dead-letter-reason";
  public static final String DEAD_LETTER_TOPIC = "dead-letter-topic";
  public static final String DEAD_LETTER_PARTITION = "dead-letter-partition";
  public static final String DEAD_LETTER_OFFSET = "dead-letter-offset";

  /** Set when a dead letter had to drop the record's value to stay within the record limit. */
  public static final String DEAD_LETTER_VALUE_DROPPED = "dead-letter-value-dropped";

  public static final String CONTENT_TYPE_JSON = "application/json";
  public static final String CONTENT_TYPE_BINARY = "application/octet-stream";

  private InferenceHeaders() {}
}
