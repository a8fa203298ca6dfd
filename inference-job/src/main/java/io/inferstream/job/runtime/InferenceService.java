package io.inferstream.job.runtime;

import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelVersionSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task manager's inference resources, shared by all slots of a job: one bounded executor and
 * one session per model version, created lazily. Reference-counted: the last subtask to close shuts
 * the executor down and closes the sessions, so a cancelled job leaves nothing behind.
 */
public final class InferenceService {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceService.class);

  /** A failed load is retried after this long, not on every batch. */
  private static final long FAILED_LOAD_RETRY_NANOS = 30_000_000_000L;

  private static InferenceService shared;
  private static int references;

  private final ExecutorService executor;
  private final OnnxModelLoader loader;
  private final Map<String, Entry> sessions = new ConcurrentHashMap<>();

  private record Entry(OnnxBatchModel model, ModelUnavailableException failure, long at) {}

  /** Never loaded, or a failed load old enough to try again. */
  private static boolean needsLoad(Entry entry) {
    return entry == null
        || (entry.failure != null && System.nanoTime() - entry.at > FAILED_LOAD_RETRY_NANOS);
  }

  private InferenceService(int threads, int intraOpThreads, int gpuIndex) {
    AtomicInteger counter = new AtomicInteger();
    ThreadFactory factory =
        runnable -> {
          Thread thread =
              new Thread(runnable, "inferstream-inference-" + counter.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        };
    this.executor = Executors.newFixedThreadPool(threads, factory);
    this.loader = new OnnxModelLoader(intraOpThreads, gpuIndex);
    LOG.info(
        "Inference service started: {} threads, {} intra-op threads per session",
        threads,
        intraOpThreads);
  }

  public static synchronized InferenceService acquire(
      int threads, int intraOpThreads, int gpuIndex) {
    if (shared == null) {
      shared = new InferenceService(threads, intraOpThreads, gpuIndex);
    }
    references++;
    return shared;
  }

  public static synchronized void release(InferenceService service) {
    if (service != shared || --references > 0) {
      return;
    }
    shared = null;
    service.executor.shutdownNow();
    try {
      // A session must never close under a running batch (native use-after-free): wait for the
      // inference threads; a batch that outlives the wait keeps its sessions open (leaked, not
      // freed).
      if (!service.executor.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("Inference threads still busy after 30 s; leaving their sessions open");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warn("Interrupted while waiting for inference threads; leaving their sessions open");
      return;
    }
    service
        .sessions
        .values()
        .forEach(
            entry -> {
              if (entry.model != null) {
                entry.model.close();
              }
            });
    service.sessions.clear();
    LOG.info("Inference service stopped; sessions closed");
  }

  public ExecutorService executor() {
    return executor;
  }

  /** The session of a model version, loaded on first use (by the calling inference thread). */
  public BatchModel model(String model, ModelVersionSpec version, Device device)
      throws ModelUnavailableException {
    String key = model + "@" + version.version() + "#" + version.sha256() + "/" + device;
    Entry entry = sessions.get(key);
    if (needsLoad(entry)) {
      synchronized (this) {
        entry = sessions.get(key);
        if (needsLoad(entry)) {
          try {
            entry = new Entry(loader.load(model, version, device), null, System.nanoTime());
          } catch (ModelUnavailableException e) {
            LOG.warn("{}", e.getMessage());
            entry = new Entry(null, e, System.nanoTime());
          }
          sessions.put(key, entry);
        }
      }
    }
    if (entry.failure != null) {
      throw entry.failure;
    }
    return entry.model;
  }
}
