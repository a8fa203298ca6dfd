package io.inferstream.job.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.inferstream.testing.Await;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The snapshot's refresh and rate-limit logic, on a fake lister and a fake clock. */
class ReplyTopicSnapshotTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final Map<String, Integer> existing = new ConcurrentHashMap<>();
  private final AtomicInteger listings = new AtomicInteger();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private ReplyTopicSnapshot snapshot;

  private Map<String, Integer> list() {
    listings.incrementAndGet();
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
    return Map.copyOf(existing);
  }

  private ReplyTopicSnapshot snapshot(Duration period, Duration minGap) {
    snapshot = new ReplyTopicSnapshot(this::list, now::get, period, minGap);
    return snapshot;
  }

  @AfterEach
  void close() {
    if (snapshot != null) {
      snapshot.close();
    }
  }

  @Test
  void answersFromTheSnapshotAndAMissListsNothingOnTheCallersThread() {
    existing.put("inference-replies", 2);
    ReplyTopicSnapshot topics = snapshot(Duration.ofSeconds(10), Duration.ofSeconds(1));
    topics.refreshNow();
    assertThat(topics.partitions("inference-replies")).isEqualTo(2);
    for (int i = 0; i < 10_000; i++) {
      assertThat(topics.partitions("inference-replies." + i)).isEqualTo(-1);
    }
    assertThat(listings).hasValue(1);
    assertThat(topics.size()).isEqualTo(1); // the names asked for are not remembered
  }

  @Test
  void missesAskForOneEarlyRefreshAtMostOncePerMinimumGap() {
    ReplyTopicSnapshot topics = snapshot(Duration.ofSeconds(10), Duration.ofSeconds(1));
    topics.refreshNow();
    existing.put("inference-replies-late", 3);
    now.addAndGet(SECOND / 10);
    for (int i = 0; i < 100; i++) {
      assertThat(topics.partitions("inference-replies-late")).isEqualTo(-1);
    }
    assertThat(topics.refreshIfDue()).isEqualTo(SECOND - SECOND / 10); // not before the gap
    assertThat(listings).hasValue(1);
    now.addAndGet(SECOND - SECOND / 10);
    assertThat(topics.refreshIfDue()).isZero();
    assertThat(listings).hasValue(2); // 100 misses, one refresh
    assertThat(topics.partitions("inference-replies-late")).isEqualTo(3);

    assertThat(topics.partitions("inference-replies-never")).isEqualTo(-1);
    now.addAndGet(SECOND / 2);
    assertThat(topics.refreshIfDue()).isEqualTo(SECOND / 2);
    now.addAndGet(SECOND / 2);
    assertThat(topics.refreshIfDue()).isZero();
    assertThat(listings).hasValue(3);
  }

  @Test
  void withoutMissesItRefreshesOncePerPeriod() {
    ReplyTopicSnapshot topics = snapshot(Duration.ofSeconds(10), Duration.ofSeconds(1));
    topics.refreshNow();
    existing.put("inference-replies", 1);
    now.addAndGet(9 * SECOND);
    assertThat(topics.refreshIfDue()).isEqualTo(SECOND);
    now.addAndGet(SECOND);
    assertThat(topics.refreshIfDue()).isZero();
    assertThat(listings).hasValue(2);
    assertThat(topics.partitions("inference-replies")).isEqualTo(1);
    existing.remove("inference-replies");
    now.addAndGet(10 * SECOND);
    topics.refreshIfDue();
    assertThat(topics.partitions("inference-replies")).isEqualTo(-1); // deleted topics go too
  }

  @Test
  void aFailedRefreshKeepsTheLastSnapshotAndIsNotRetriedHot() {
    existing.put("inference-replies", 2);
    ReplyTopicSnapshot topics = snapshot(Duration.ofSeconds(10), Duration.ofSeconds(1));
    topics.refreshNow();
    failure.set(new IllegalStateException("broker unreachable"));
    assertThat(topics.partitions("inference-replies-x")).isEqualTo(-1);
    now.addAndGet(SECOND);
    assertThat(topics.refreshIfDue()).isZero(); // failed, logged
    assertThat(listings).hasValue(2);
    assertThat(topics.partitions("inference-replies")).isEqualTo(2);
    assertThat(topics.partitions("inference-replies-x")).isEqualTo(-1);
    assertThat(topics.refreshIfDue()).isPositive(); // the next one waits its gap
    assertThat(listings).hasValue(2);
  }

  @Test
  void theFirstRefreshThrows() {
    failure.set(new IllegalStateException("broker unreachable"));
    ReplyTopicSnapshot topics = snapshot(Duration.ofSeconds(10), Duration.ofSeconds(1));
    assertThatThrownBy(() -> topics.start("test-refresher"))
        .hasMessageContaining("broker unreachable");
  }

  @Test
  void theRefresherPicksUpANewTopicSoonAfterAMissAndLookupsNeverWaitForIt() throws Exception {
    CountDownLatch listing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    snapshot =
        new ReplyTopicSnapshot(
            () -> {
              if (calls.incrementAndGet() > 1) { // the refresher's calls block until released
                listing.countDown();
                try {
                  release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new IllegalStateException("interrupted", e);
                }
              }
              return Map.copyOf(existing);
            },
            System::nanoTime,
            Duration.ofHours(1),
            Duration.ofMillis(50));
    snapshot.start("test-refresher");
    existing.put("inference-replies-late", 4);
    assertThat(snapshot.partitions("inference-replies-late")).isEqualTo(-1);
    assertThat(listing.await(30, TimeUnit.SECONDS)).isTrue();
    // a refresh is under way (blocked): lookups answer at once all the same
    assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () -> assertThat(snapshot.partitions("inference-replies-late")).isEqualTo(-1));
    release.countDown();
    Await.until(
        "the new topic is known",
        Duration.ofSeconds(30),
        () -> snapshot.partitions("inference-replies-late") == 4);
  }
}
