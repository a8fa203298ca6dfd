package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ModelLoadProbeTest {
  @Test
  void readsThisProcessResidentSetFromProc() throws Exception {
    long rss = ModelLoadProbe.rssBytes();
    // a running JVM holds at least its heap's touched pages, and less than the machine
    assertThat(rss).isBetween(10L << 20, Runtime.getRuntime().maxMemory() + (8L << 30));
  }
}
