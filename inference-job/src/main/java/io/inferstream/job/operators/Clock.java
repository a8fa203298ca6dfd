package io.inferstream.job.operators;

import java.time.Instant;

/** Wall-clock microseconds, comparable across task managers (queue times span machines). */
final class Clock {
  private Clock() {}

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }
}
