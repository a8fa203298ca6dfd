package io.inferstream.schemas;

/** Default Kafka topic names. Every other module takes these as option defaults. */
public final class Topics {
  public static final String REQUESTS = "inference-requests";
  public static final String REPLIES = "inference-replies";
  public static final String DEAD_LETTERS = "inference-dead-letters";
  public static final String MODEL_REGISTRY = "model-registry";
  public static final String MODEL_STATUS = "model-status";

  /** A request may only name a reply topic that matches this pattern. */
  public static final String DEFAULT_REPLY_TOPIC_PATTERN = "inference-replies.*";

  private Topics() {}
}
