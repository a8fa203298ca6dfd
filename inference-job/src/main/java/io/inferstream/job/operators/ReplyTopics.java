package io.inferstream.job.operators;

import java.io.Serializable;

/** Tells how many partitions a reply topic has, so no reply is sent where the sink would fail. */
public interface ReplyTopics extends Serializable {

  /**
   * Partitions of the topic, or -1 when it does not exist or is not known yet. Called on the task
   * thread for every request: it must never block, and must not remember the names it is asked for
   * (requests choose them).
   */
  int partitions(String topic);

  default void open() {}

  default void close() {}
}
