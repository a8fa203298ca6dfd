package io.inferstream.job.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.ServingTarget;
import io.inferstream.job.records.TensorData;
import io.inferstream.onnx.Sha256;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelStatusEvent.State;
import io.inferstream.schemas.Tensor;
import io.inferstream.testing.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session cache on real ONNX Runtime sessions of generated models. */
class InferenceServiceTest {
  @TempDir Path dir;
  private final List<ModelStatusEvent> events = new CopyOnWriteArrayList<>();
  private InferenceService service;

  private final StatusPublisher collect =
      new StatusPublisher() {
        @Override
        public void publish(ModelStatusEvent event) {
          events.add(event);
        }

        @Override
        public void close() {}
      };

  @AfterEach
  void release() {
    if (service != null) {
      InferenceService.release(service);
    }
  }

  private InferenceService start(long budgetBytes, long idleMillis) {
    return start(budgetBytes, idleMillis, UriArtifactFetcher.class, 60_000, 30_000);
  }

  private InferenceService start(
      long budgetBytes,
      long idleMillis,
      Class<? extends ArtifactFetcher> fetcher,
      long loadWaitMillis,
      long failedLoadRetryMillis) {
    service =
        InferenceService.acquire(
            new InferenceService.Settings(
                1,
                1,
                fetcher.getName(),
                dir.resolve("cache").toString(),
                null,
                "model-status",
                idleMillis,
                budgetBytes,
                1.0,
                loadWaitMillis,
                failedLoadRetryMillis),
            0,
            collect);
    return service;
  }

  /** Fetches like the real fetcher, unless told to throw an {@link Error} on its next fetch. */
  public static class ErrorOnceFetcher extends UriArtifactFetcher {
    static final AtomicReference<Error> NEXT = new AtomicReference<>();

    @Override
    public byte[] fetch(URI uri) throws IOException {
      Error error = NEXT.getAndSet(null);
      if (error != null) {
        throw error;
      }
      return super.fetch(uri);
    }
  }

  /** Fetches like the real fetcher once the test opens its gate: a load that takes its time. */
  public static class GatedFetcher extends UriArtifactFetcher {
    static final CountDownLatch ENTERED = new CountDownLatch(1);
    static final CountDownLatch GATE = new CountDownLatch(1);

    @Override
    public byte[] fetch(URI uri) throws IOException {
      ENTERED.countDown();
      try {
        if (!GATE.await(60, TimeUnit.SECONDS)) {
          throw new IOException("gate never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      return super.fetch(uri);
    }
  }

  private ServingTarget target(String version, float scale, long idleSeconds) throws Exception {
    byte[] bytes = TinyOnnx.affine(scale, 1f);
    Path file = dir.resolve("affine-" + version + ".onnx");
    Files.write(file, bytes);
    return target(version, file.toUri().toString(), Sha256.of(bytes), idleSeconds);
  }

  private static ServingTarget target(String version, String uri, String sha, long idleSeconds) {
    ServingTarget target = new ServingTarget();
    target.model = "affine";
    target.version = version;
    target.artifactUri = uri;
    target.sha256 = sha;
    target.device = "cpu";
    target.idleUnloadTimeoutSeconds = idleSeconds;
    return target;
  }

  private static float run(LoadedSession session) throws Exception {
    ServingRequest request = new ServingRequest();
    request.inputs =
        new TensorData[] {
          TensorData.of(Tensor.ofFloats("input", new long[] {1, 4}, new float[] {1, 1, 1, 1}))
        };
    return session.model().run(List.of(request)).get(0).get(0).asFloats()[0];
  }

  private List<State> states(String version) {
    return events.stream().filter(e -> version.equals(e.version())).map(e -> e.state()).toList();
  }

  @Test
  void loadsLazilyOnceAndReportsLoadingThenReady() throws Exception {
    start(1 << 30, 600_000);
    ServingTarget v1 = target("1.0.0", 2f, 0);
    assertThat(service.isReady(v1)).isFalse();
    try (LoadedSession session = service.lease(v1)) {
      assertThat(run(session)).isEqualTo(3f);
    }
    try (LoadedSession again = service.lease(v1)) {
      assertThat(run(again)).isEqualTo(3f);
    }
    assertThat(service.isReady(v1)).isTrue();
    assertThat(states("1.0.0")).containsExactly(State.LOADING, State.READY);
    ModelStatusEvent ready = events.get(1);
    assertThat(ready.device()).isEqualTo("cpu");
    assertThat(ready.sha256()).isEqualTo(v1.sha256);
  }

  @Test
  void preloadLoadsInTheBackgroundAndIsIdempotent() throws Exception {
    start(1 << 30, 600_000);
    ServingTarget v2 = target("2.0.0", 3f, 0);
    service.preload(v2);
    service.preload(v2);
    Await.until("v2 ready", Duration.ofSeconds(30), () -> service.isReady(v2));
    assertThat(states("2.0.0")).containsExactly(State.LOADING, State.READY);
  }

  @Test
  void aWrongChecksumFailsWithTheCauseAndAnswersUnavailable() throws Exception {
    start(1 << 30, 600_000);
    ServingTarget good = target("1.0.0", 2f, 0);
    ServingTarget bad = target("9.0.0", good.artifactUri, "0".repeat(64), 0);
    assertThatThrownBy(() -> service.lease(bad))
        .isInstanceOf(ModelUnavailableException.class)
        .hasMessageContaining("has sha256 " + good.sha256 + ", expected " + "0".repeat(64));
    assertThat(states("9.0.0")).containsExactly(State.LOADING, State.FAILED);
    assertThat(events.get(1).cause()).contains("expected");
    // a failed load is not retried on every batch
    assertThatThrownBy(() -> service.lease(bad)).isInstanceOf(ModelUnavailableException.class);
    assertThat(states("9.0.0")).hasSize(2);
  }

  @Test
  void anErrorWhileLoadingFailsTheLoadPromptlyAndALaterLeaseRetries() throws Exception {
    start(1 << 30, 600_000, ErrorOnceFetcher.class, 60_000, 500);
    ServingTarget v1 = target("1.0.0", 2f, 0);
    ErrorOnceFetcher.NEXT.set(new OutOfMemoryError("test"));
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          assertThatThrownBy(() -> service.lease(v1))
              .isInstanceOf(ModelUnavailableException.class)
              .hasMessageContaining("OutOfMemoryError")
              .hasRootCauseInstanceOf(OutOfMemoryError.class);
          // remembered as failed, not awaited forever: the next batch is answered at once
          assertThatThrownBy(() -> service.lease(v1)).isInstanceOf(ModelUnavailableException.class);
        });
    assertThat(states("1.0.0")).containsExactly(State.LOADING, State.FAILED);
    assertThat(events.get(1).cause()).contains("OutOfMemoryError: test");
    // after the retry interval, a batch loads it again
    Await.until("a lease after the retry interval", Duration.ofSeconds(20), () -> leases(v1));
    assertThat(states("1.0.0"))
        .containsExactly(State.LOADING, State.FAILED, State.LOADING, State.READY);
    try (LoadedSession session = service.lease(v1)) {
      assertThat(run(session)).isEqualTo(3f);
    }
  }

  @Test
  void aBatchWaitsForAnotherThreadsLoadOnlyUpToTheLoadWait() throws Exception {
    start(1 << 30, 600_000, GatedFetcher.class, 200, 30_000);
    ServingTarget v1 = target("1.0.0", 2f, 0);
    service.preload(v1);
    assertThat(GatedFetcher.ENTERED.await(20, TimeUnit.SECONDS)).isTrue();
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () ->
            assertThatThrownBy(() -> service.lease(v1))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessageContaining("still loading after 200 ms"));
    GatedFetcher.GATE.countDown();
    Await.until("v1 ready", Duration.ofSeconds(30), () -> service.isReady(v1));
    try (LoadedSession session = service.lease(v1)) {
      assertThat(run(session)).isEqualTo(3f);
    }
  }

  private boolean leases(ServingTarget target) {
    try {
      service.lease(target).close();
      return true;
    } catch (ModelUnavailableException e) {
      return false;
    }
  }

  @Test
  void overTheMemoryBudgetTheLeastRecentlyUsedClosesOnceItsBatchDrains() throws Exception {
    ServingTarget v1 = target("1.0.0", 2f, 0);
    long size = Files.size(Path.of(java.net.URI.create(v1.artifactUri)));
    start(size + size / 2, 600_000); // room for one session (factor 1.0)
    LoadedSession running = service.lease(v1); // a batch still running on v1
    ServingTarget v2 = target("2.0.0", 3f, 0);
    try (LoadedSession session = service.lease(v2)) {
      assertThat(run(session)).isEqualTo(4f);
    }
    assertThat(states("1.0.0")).containsExactly(State.LOADING, State.READY, State.UNLOADED);
    assertThat(events.get(events.size() - 1).cause()).contains("memory-budget");
    assertThat(service.isReady(v1)).isFalse();
    assertThat(running.isClosed()).isFalse(); // evicted, but its batch still runs
    assertThat(run(running)).isEqualTo(3f);
    running.close();
    assertThat(running.isClosed()).isTrue();
    assertThat(service.loadedSessions()).isEqualTo(1);
  }

  @Test
  void anIdleSessionIsUnloaded() throws Exception {
    start(1 << 30, 600_000);
    ServingTarget v1 = target("1.0.0", 2f, 1); // the spec's 1 s idle timeout wins
    LoadedSession session = service.lease(v1);
    session.close();
    Await.until(
        "idle unload", Duration.ofSeconds(20), () -> states("1.0.0").contains(State.UNLOADED));
    assertThat(session.isClosed()).isTrue();
    assertThat(service.isReady(v1)).isFalse();
  }

  @Test
  void oneObserverHearsSessionEventsWithTheDeviceOnLoadAndUnload() throws Exception {
    start(1 << 30, 600_000);
    List<ModelStatusEvent> first = new CopyOnWriteArrayList<>();
    List<ModelStatusEvent> second = new CopyOnWriteArrayList<>();
    Consumer<ModelStatusEvent> firstObserver = first::add;
    Consumer<ModelStatusEvent> secondObserver = second::add;
    assertThat(service.observeSessions(firstObserver)).isTrue();
    assertThat(service.observeSessions(secondObserver)).isFalse();

    ServingTarget v1 = target("1.0.0", 2f, 1);
    service.lease(v1).close();
    Await.until(
        "idle unload", Duration.ofSeconds(20), () -> states("1.0.0").contains(State.UNLOADED));
    assertThat(first)
        .extracting(ModelStatusEvent::state, ModelStatusEvent::device)
        .containsExactly(
            tuple(State.LOADING, null), tuple(State.READY, "cpu"), tuple(State.UNLOADED, "cpu"));
    assertThat(second).isEmpty();

    service.stopObservingSessions(firstObserver);
    assertThat(service.sessionsUnobserved()).isTrue();
    assertThat(service.observeSessions(secondObserver)).isTrue();
  }

  @Test
  void httpArtifactsAreFetchedOnceAndThenServedFromTheCache() throws Exception {
    byte[] bytes = TinyOnnx.affine(5f, 1f);
    AtomicInteger gets = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    server.createContext(
        "/a",
        exchange -> {
          gets.incrementAndGet();
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    String uri = "http://localhost:" + server.getAddress().getPort() + "/a";
    try {
      start(1 << 30, 600_000);
      ServingTarget v5 = target("5.0.0", uri, Sha256.of(bytes), 0);
      try (LoadedSession session = service.lease(v5)) {
        assertThat(run(session)).isEqualTo(6f);
      }
      InferenceService.release(service);
      service = null;
      start(1 << 30, 600_000); // a new service: the session is gone, the cached file is not
      try (LoadedSession session = service.lease(v5)) {
        assertThat(run(session)).isEqualTo(6f);
      }
      assertThat(gets).hasValue(1);
      assertThat(dir.resolve("cache").resolve(v5.sha256 + ".onnx")).exists();
    } finally {
      server.stop(0);
    }
  }
}
