package io.inferstream.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running in this JVM.
 *
 * <p>The local stack runs it on the fixed port 9092; tests use port 0, which picks free ports for
 * the client and the controller listener. A data directory given to the builder is kept and reused
 * across restarts; without one, a fresh temporary directory is used and deleted on {@link
 * #close()}.
 *
 * <p>The broker keeps Kafka's default record limit ({@code message.max.bytes}, about 1 MiB): a
 * topic that carries larger records sets its own {@code max.message.bytes}, as every topic of the
 * project's topic catalogue ({@code io.inferstream.topics.InferenceTopics}) does.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final String META_PROPERTIES = "meta.properties";

  private final int requestedPort;
  private final Path requestedDataDir;
  private final Map<String, String> extraProperties;

  private KafkaRaftServer server;
  private Path dataDir;
  private boolean ownsDataDir;
  private int port;
  private boolean closed;

  private EmbeddedKafkaBroker(Builder builder) {
    this.requestedPort = builder.port;
    this.requestedDataDir = builder.dataDir;
    this.extraProperties = Map.copyOf(builder.brokerProperties);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Formats the data directory if it has never been formatted, starts the broker and returns once
   * an admin client gets an answer from it.
   *
   * @throws IllegalStateException if a fixed port is taken, or the broker is not ready in time
   */
  public synchronized EmbeddedKafkaBroker start() {
    if (closed) {
      throw new IllegalStateException("broker was closed; build a new one");
    }
    if (server != null) {
      throw new IllegalStateException("broker already started on port " + port);
    }
    long started = System.nanoTime();
    int controllerPort;
    if (requestedPort == 0) {
      int[] ports = freePorts(2);
      port = ports[0];
      controllerPort = ports[1];
    } else {
      requirePortFree(requestedPort);
      requirePortFree(requestedPort + 1);
      port = requestedPort;
      controllerPort = requestedPort + 1;
    }
    try {
      dataDir = prepareDataDir();
      Properties props = brokerProperties(port, controllerPort, dataDir);
      if (Files.exists(dataDir.resolve(META_PROPERTIES))) {
        LOG.debug("Reusing formatted Kafka data directory {}", dataDir);
      } else {
        format(props);
      }
      server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      server.startup();
      awaitReady();
    } catch (RuntimeException | Error e) {
      // A half-started broker holds ports and threads; give them back before failing.
      stopServer();
      deleteOwnedDataDir();
      port = 0;
      throw e;
    }
    LOG.info(
        "Kafka broker ready at {} (data {}) in {} ms",
        bootstrapServers(),
        dataDir,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return this;
  }

  /** {@code localhost:<port>}; valid once {@link #start()} has returned. */
  public String bootstrapServers() {
    return "localhost:" + port();
  }

  /** The client (PLAINTEXT) listener port; valid once {@link #start()} has returned. */
  public synchronized int port() {
    if (port == 0) {
      throw new IllegalStateException("broker not started");
    }
    return port;
  }

  /** Stops the broker and waits for it; deletes the data directory if this broker created it. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopServer();
    deleteOwnedDataDir();
  }

  private Path prepareDataDir() {
    try {
      if (requestedDataDir == null) {
        ownsDataDir = true;
        return Files.createTempDirectory("inferstream-kafka-");
      }
      ownsDataDir = false;
      return Files.createDirectories(requestedDataDir.toAbsolutePath());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create Kafka data directory", e);
    }
  }

  private Properties brokerProperties(int clientPort, int controllerPort, Path logDir) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put(
        "listeners",
        "PLAINTEXT://localhost:" + clientPort + ",CONTROLLER://localhost:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://localhost:" + clientPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.quorum.bootstrap.servers", "localhost:" + controllerPort);
    p.put("log.dirs", logDir.toString());

    // The defaults assume three nodes; with one, internal topics would never get created.
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // Saves 3 s on every first consumer-group join; nobody else joins a test's group late.
    p.put("group.initial.rebalance.delay.ms", "0");

    // Topics are created explicitly with their partitions and limits, never by a typo.
    p.put("auto.create.topics.enable", "false");
    p.put("num.partitions", "1");

    p.putAll(extraProperties);
    Properties props = new Properties();
    props.putAll(p);
    return props;
  }

  private void format(Properties props) {
    Path config = null;
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try {
      config = Files.createTempFile("inferstream-kafka-", ".properties");
      try (OutputStream out = Files.newOutputStream(config)) {
        props.store(out, "written by EmbeddedKafkaBroker for kafka-storage format");
      }
      String clusterId = Uuid.randomUuid().toString();
      String[] args = {"format", "-t", clusterId, "-c", config.toString(), "--standalone"};
      int exitCode;
      try (PrintStream printer = new PrintStream(output, true, StandardCharsets.UTF_8)) {
        exitCode = StorageTool.execute(args, printer);
      }
      String printed = output.toString(StandardCharsets.UTF_8).trim();
      if (exitCode != 0) {
        throw new IllegalStateException(
            "formatting Kafka data directory " + dataDir + " failed: " + printed);
      }
      LOG.debug("Formatted {} as cluster {}: {}", dataDir, clusterId, printed);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the broker configuration for formatting", e);
    } finally {
      if (config != null) {
        try {
          Files.deleteIfExists(config);
        } catch (IOException e) {
          LOG.debug("Could not delete {}", config, e);
        }
      }
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    try (Admin admin = Admin.create(adminProps)) {
      // A single describeCluster can hang on a broker that is still registering; retry in slices.
      Exception last = null;
      while (System.nanoTime() < deadline) {
        try {
          admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
          return;
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
        }
      }
      throw new IllegalStateException(
          "Kafka broker at "
              + bootstrapServers()
              + " did not answer describeCluster within "
              + READY_TIMEOUT.toSeconds()
              + " s",
          last);
    }
  }

  private void stopServer() {
    if (server == null) {
      return;
    }
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      server = null;
    }
  }

  private void deleteOwnedDataDir() {
    if (!ownsDataDir || dataDir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedKafkaBroker::deleteQuietly);
    } catch (IOException e) {
      LOG.warn("Could not delete Kafka data directory {}", dataDir, e);
    }
    ownsDataDir = false;
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.debug("Could not delete {}", path, e);
    }
  }

  /** Fails with a message a user can act on, rather than Kafka's bind error deep in startup. */
  private static void requirePortFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName("localhost"), port));
    } catch (IOException e) {
      throw new IllegalStateException(
          "port " + port + " is already in use (is another Kafka or inferstream running?)", e);
    }
  }

  /** Distinct free ports: all sockets stay open until every port is picked. */
  private static int[] freePorts(int count) {
    ServerSocket[] sockets = new ServerSocket[count];
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getByName("localhost"));
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    } finally {
      for (ServerSocket socket : sockets) {
        if (socket != null) {
          try {
            socket.close();
          } catch (IOException e) {
            LOG.debug("Could not close probe socket", e);
          }
        }
      }
    }
  }

  /** Settings for an {@link EmbeddedKafkaBroker}; {@link #build()} returns it not yet started. */
  public static final class Builder {
    private int port;
    private Path dataDir;
    private final Map<String, String> brokerProperties = new LinkedHashMap<>();

    private Builder() {}

    /** The client listener port; the controller listens on the next one. 0 picks free ports. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** A data directory to keep and reuse; by default a temporary one deleted on close. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return this;
    }

    /** Adds or overrides a broker property. */
    public Builder brokerProperty(String key, String value) {
      brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
      return this;
    }

    public EmbeddedKafkaBroker build() {
      if (port < 0 || port > 65534) {
        throw new IllegalArgumentException(
            "port must be 0 (pick a free one) or 1..65534 (the controller uses port + 1), was "
                + port);
      }
      return new EmbeddedKafkaBroker(this);
    }
  }
}
