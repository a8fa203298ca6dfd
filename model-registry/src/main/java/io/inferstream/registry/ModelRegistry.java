package io.inferstream.registry;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model registry: an HTTP JSON API on Undertow over the compacted {@code model-registry} topic
 * (its database) and a content-addressed artifact store. {@link #start} takes the writer role,
 * reads the topic to its end and only then serves; {@link #close} frees the port and the Kafka
 * clients. Embeddable (the local stack and tests run it in-process) and runnable on its own ({@link
 * RegistryMain}).
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

  private final RegistrySettings settings;
  private RegistryTopic topic;
  private StatusFollower status;
  private RegistryService service;
  private Undertow server;
  private volatile int port = -1;

  public ModelRegistry(RegistrySettings settings) {
    this.settings = settings;
  }

  /** Starts serving; returns once the topic is read to its end and the port is bound. */
  public ModelRegistry start() {
    try {
      KafkaSupport.ensureTopics(settings);
      StatusBoard board = new StatusBoard();
      topic = new RegistryTopic(settings);
      topic.start();
      status = new StatusFollower(settings, board);
      status.start();
      Path staging = StagedUpload.prepareDirectory(settings.artifactDir().resolve("staging"));
      service =
          new RegistryService(
              settings,
              topic,
              board,
              new LocalArtifactStore(settings.artifactDir()),
              new OnnxValidator(),
              this::url);
      server =
          Undertow.builder()
              .addHttpListener(settings.port(), settings.bindHost())
              // multipart framing on top of the largest file; the exact limit is checked per file
              .setServerOption(
                  UndertowOptions.MAX_ENTITY_SIZE, settings.maxUploadBytes() + (1 << 20))
              .setHandler(new RegistryHttpHandler(service, settings, staging).handler())
              .build();
      server.start();
      port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
      LOG.info("Model registry serving on {} (artifacts in {})", url(), settings.artifactDir());
      return this;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The port it listens on (resolved when the settings asked for a free one). */
  public int port() {
    return port;
  }

  /** The advertised base URL, e.g. {@code http://localhost:8082}. */
  public String url() {
    return settings.advertisedUrl(port);
  }

  /**
   * Registers every model version of a Triton-style repository the registry lacks (artifacts go
   * into the store, URIs are the registry's); idempotent.
   *
   * @return the versions registered, as {@code model:version}
   */
  public List<String> seed(Path repository) {
    return service.seed(repository);
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop();
      server = null;
    }
    if (status != null) {
      status.close();
      status = null;
    }
    if (topic != null) {
      topic.close();
      topic = null;
    }
  }
}
