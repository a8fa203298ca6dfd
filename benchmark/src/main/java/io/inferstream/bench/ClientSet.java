package io.inferstream.bench;

import io.inferstream.client.InferenceClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The load generator's clients: one per reply partition 0..n-1. */
record ClientSet(List<InferenceClient> clients) implements AutoCloseable {
  static ClientSet open(
      int count,
      String bootstrapServers,
      String requestTopic,
      String replyTopic,
      Duration timeout,
      Map<String, String> producerOptions) {
    List<InferenceClient> opened = new ArrayList<>();
    try {
      for (int partition = 0; partition < count; partition++) {
        InferenceClient.Builder builder =
            InferenceClient.builder()
                .bootstrapServers(bootstrapServers)
                .requestTopic(requestTopic)
                .replyTopic(replyTopic)
                .replyPartition(partition)
                .defaultTimeout(timeout);
        producerOptions.forEach(builder::producerProperty);
        opened.add(builder.build());
      }
    } catch (RuntimeException e) {
      opened.forEach(InferenceClient::close);
      throw e;
    }
    return new ClientSet(List.copyOf(opened));
  }

  @Override
  public void close() {
    clients.forEach(InferenceClient::close);
  }
}
