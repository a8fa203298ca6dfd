package io.inferstream.registry;

import io.inferstream.schemas.ModelSpec;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model registry service, embeddable: an HTTP API ({@code /api/v1/...}) on Undertow over a
 * compacted Kafka topic that is its database, an artifact store, and the folded status of every
 * model version.
 *
 * <pre>{@code
 * try (ModelRegistry registry = new ModelRegistry(RegistrySettings.builder()
 *         .bootstrapServers("localhost:9092").port(0).artifactDir(dir).build()).start()) {
 *   registry.seed(Path.of("models"));
 *   String url = registry.url();   // http://localhost:<port>
 * }
 * }</pre>
 *
 * <p>{@link #start()} returns once the registry has taken the writer role (fencing any earlier
 * instance with the same {@code transactional.id}) and read the registry topic to its end; {@link
 * #close()} stops the server, the Kafka clients and their threads.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

  private final RegistrySettings settings;
  private Undertow server;
  private RegistryTopic topic;
  private StatusFollower statusFollower;
  private RegistryService service;
  private volatile int port;
  private volatile String url;
  private boolean started;
  private boolean closed;

  public ModelRegistry(RegistrySettings settings) {
    this.settings = settings;
  }

  /**
   * Starts the HTTP server (health answers 503 until ready), creates the topics if missing, takes
   * the writer role, reads the registry topic to its end and starts following the status topic.
   *
   * @throws IllegalStateException if Kafka cannot be reached or read in time, or the port is taken
   */
  public synchronized ModelRegistry start() {
    if (closed) {
      throw new IllegalStateException("registry was closed; create a new one");
    }
    if (started) {
      throw new IllegalStateException("registry already started at " + url);
    }
    long begin = System.nanoTime();
    try {
      ArtifactStore store = new LocalArtifactStore(settings.artifactDir());
      Path staging = StagedUpload.prepareDirectory(settings.artifactDir().resolve("staging"));
      StatusBoard board = new StatusBoard();
      topic = new RegistryTopic(settings);
      service = new RegistryService(settings, topic, board, store, new OnnxValidator(), () -> url);
      HttpApi api = new HttpApi(service, settings, staging);
      server =
          Undertow.builder()
              .addHttpListener(settings.port(), settings.bindHost())
              .setIoThreads(2)
              .setWorkerThreads(16)
              // multipart uploads: the parser applies this before the handler's own limit
              .setServerOption(
                  UndertowOptions.MULTIPART_MAX_ENTITY_SIZE,
                  settings.maxUploadBytes() + HttpApi.MULTIPART_OVERHEAD_BYTES)
              .setHandler(api.handler())
              .build();
      try {
        server.start();
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "cannot listen on "
                + settings.bindHost()
                + ":"
                + settings.port()
                + " (is another registry running?): "
                + e.getMessage(),
            e);
      }
      port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
      url = settings.advertisedUrl(port);

      KafkaSupport.ensureTopics(settings);
      topic.start();
      statusFollower = new StatusFollower(settings, board);
      statusFollower.start();
      started = true;
    } catch (RuntimeException | Error e) {
      stopAll();
      throw e;
    }
    LOG.info(
        "Model registry ready at {} (listening on {}:{}, topic '{}', {} models) in {} ms",
        url,
        settings.bindHost(),
        port,
        settings.registryTopic(),
        topic.models().size(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    return this;
  }

  /** The port the HTTP server listens on; valid once started. */
  public int port() {
    requireStarted();
    return port;
  }

  /** The advertised base URL (artifact URIs start with it), e.g. {@code http://localhost:8082}. */
  public String url() {
    requireStarted();
    return url;
  }

  public RegistrySettings settings() {
    return settings;
  }

  /** Whether this instance may write: false once a newer instance has fenced it. */
  public boolean writable() {
    requireStarted();
    return topic.readOnlyReason() == null;
  }

  /** Every model the registry holds, by name, as last read from the topic. */
  public Map<String, ModelSpec> models() {
    requireStarted();
    return topic.models();
  }

  public Optional<ModelSpec> model(String name) {
    requireStarted();
    return Optional.ofNullable(topic.model(name));
  }

  /**
   * Registers every model version of a Triton-style repository ({@code <repo>/<model>/<version>/
   * model.onnx} plus {@code config.json}) that the registry does not hold yet, through the upload
   * path: validated, stored in the artifact store, published with this registry's artifact URIs. A
   * new model keeps the batching, replicas and device of its {@code config.json}, with its highest
   * version as {@code prod}. Versions the registry holds are left alone, so seeding again (or after
   * a restart) publishes nothing.
   *
   * @return the versions registered now, as {@code model:version}
   * @throws IllegalArgumentException if a model in the repository is not one the registry accepts
   */
  public List<String> seed(Path repository) {
    requireStarted();
    return service.seed(repository);
  }

  /** Stops the HTTP server and the Kafka clients; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopAll();
    LOG.info("Model registry at {} stopped", url);
  }

  private void stopAll() {
    if (server != null) {
      try {
        server.stop();
      } catch (RuntimeException e) {
        LOG.warn("Error stopping the HTTP server", e);
      }
      server = null;
    }
    if (statusFollower != null) {
      statusFollower.close();
      statusFollower = null;
    }
    if (topic != null) {
      topic.close();
    }
  }

  private void requireStarted() {
    if (!started || closed) {
      throw new IllegalStateException(closed ? "registry is closed" : "registry not started");
    }
  }
}
