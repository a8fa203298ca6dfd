package io.inferstream.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls awaiting their reply, by request id. Every call leaves exactly once: by its reply, its
 * deadline, a send failure or the client closing; whichever removes it from the map completes it.
 */
final class PendingCalls {
  private static final Logger LOG = LoggerFactory.getLogger(PendingCalls.class);

  private final Map<String, Call> calls = new ConcurrentHashMap<>();
  private final ScheduledThreadPoolExecutor timer;
  private final LongAdder droppedReplies = new LongAdder();

  PendingCalls(String timerThreadName) {
    timer =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, timerThreadName);
              thread.setDaemon(true);
              return thread;
            });
    // Most calls are answered long before their deadline; keep their timers off the queue.
    timer.setRemoveOnCancelPolicy(true);
  }

  /** A registered call: its future and the timer that expires it. */
  static final class Call {
    final String requestId;
    final CompletableFuture<InferenceReply> future = new CompletableFuture<>();
    private volatile ScheduledFuture<?> expiry;

    private Call(String requestId) {
      this.requestId = requestId;
    }

    private void cancelExpiry() {
      ScheduledFuture<?> scheduled = expiry;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
    }
  }

  /**
   * Registers a call that expires after {@code timeout}.
   *
   * @throws InferenceClientException if a call with this id is already pending, or the timer has
   *     been shut down
   */
  Call register(String requestId, Duration timeout) {
    Call call = new Call(requestId);
    if (calls.putIfAbsent(requestId, call) != null) {
      throw new InferenceClientException("a call with request id " + requestId + " is pending");
    }
    try {
      call.expiry =
          timer.schedule(() -> expire(call, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      calls.remove(requestId, call);
      throw new InferenceClientException("client closed", e);
    }
    return call;
  }

  /** Completes the call the reply answers; counts the reply as dropped if none is waiting. */
  void complete(InferenceReply reply) {
    String requestId = reply.requestId();
    Call call = requestId == null ? null : calls.remove(requestId);
    if (call == null) {
      droppedReplies.increment();
      LOG.debug("Dropped reply for unknown, late or duplicate request {}", requestId);
      return;
    }
    call.cancelExpiry();
    call.future.complete(reply);
  }

  /** Fails this call, unless it has already left. */
  void fail(Call call, Throwable cause) {
    if (calls.remove(call.requestId, call)) {
      call.cancelExpiry();
      call.future.completeExceptionally(cause);
    }
  }

  /** Fails every pending call. */
  void failAll(Supplier<? extends Throwable> cause) {
    for (Call call : calls.values()) {
      fail(call, cause.get());
    }
  }

  void shutdown() {
    timer.shutdownNow();
  }

  long droppedReplies() {
    return droppedReplies.sum();
  }

  int size() {
    return calls.size();
  }

  private void expire(Call call, Duration timeout) {
    if (calls.remove(call.requestId, call)) {
      call.future.completeExceptionally(
          new InferenceTimeoutException(
              "no reply to request " + call.requestId + " within " + timeout.toMillis() + " ms"));
    }
  }
}
