package io.inferstream.registry;

import io.inferstream.schemas.BatchingConfig;
import io.inferstream.topics.InferenceTopics;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@link ModelRegistry} needs. Build with {@link #builder()}; every setting has a
 * default that matches the project's (port 8082 on localhost, Kafka at {@code localhost:9092}).
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param bindHost the address the HTTP server binds to
 * @param port the HTTP port; 0 picks a free one
 * @param advertisedUrl the base URL task managers and clients reach this registry at (artifact URIs
 *     start with it); null derives {@code http://<bind>:<port>} once the port is known
 * @param artifactDir where the local artifact store keeps artifacts (and stages uploads)
 * @param maxUploadBytes the largest accepted ONNX file; at most {@link #MAX_UPLOAD_LIMIT}
 * @param registryTopic the compacted topic that is the registry's database
 * @param statusTopic the topic task managers publish model status events to
 * @param transactionalId the registry's Kafka {@code transactional.id}: the instance that
 *     initialises it last is the one writer, every earlier one is fenced
 * @param defaultBatching batching of a model created by an upload
 * @param topicReplicationFactor replication factor of the topics the registry creates
 * @param startupTimeout how long {@link ModelRegistry#start()} may take to reach Kafka and read the
 *     registry topic to its end
 * @param writeTimeout how long a write waits to publish and read its own record back
 * @param kafkaProperties extra Kafka client properties (security, client id, ...), applied to the
 *     admin, producer and consumers
 */
public record RegistrySettings(
    String bootstrapServers,
    String bindHost,
    int port,
    String advertisedUrl,
    Path artifactDir,
    long maxUploadBytes,
    String registryTopic,
    String statusTopic,
    String transactionalId,
    BatchingConfig defaultBatching,
    short topicReplicationFactor,
    Duration startupTimeout,
    Duration writeTimeout,
    Map<String, String> kafkaProperties) {

  public static final int DEFAULT_PORT = 8082;
  public static final String DEFAULT_BIND_HOST = "localhost";
  public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
  public static final String DEFAULT_TRANSACTIONAL_ID = "inferstream-model-registry";

  /** 512 MiB: larger than most single-file ONNX models, small enough to validate in memory. */
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 512L * 1024 * 1024;

  /**
   * Just under 2 GiB: protobuf (and so a single-file ONNX model) cannot be larger; bigger models
   * need external data, which a registry artifact cannot carry.
   */
  public static final long MAX_UPLOAD_LIMIT = Integer.MAX_VALUE - 8;

  public static final int DEFAULT_MAX_BATCH_SIZE = 32;
  public static final long DEFAULT_MAX_QUEUE_DELAY_MICROSECONDS = 2000;

  public RegistrySettings {
    requireText(bootstrapServers, "bootstrapServers");
    requireText(bindHost, "bindHost");
    requireText(registryTopic, "registryTopic");
    requireText(statusTopic, "statusTopic");
    requireText(transactionalId, "transactionalId");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "port must be 0 (pick a free one) or 1..65535, was " + port);
    }
    if (advertisedUrl != null && advertisedUrl.isBlank()) {
      advertisedUrl = null;
    }
    if (advertisedUrl != null) {
      advertisedUrl = checkUrl(advertisedUrl);
    }
    Objects.requireNonNull(artifactDir, "artifactDir");
    artifactDir = artifactDir.toAbsolutePath().normalize();
    if (maxUploadBytes < 1 || maxUploadBytes > MAX_UPLOAD_LIMIT) {
      throw new IllegalArgumentException(
          "maxUploadBytes must be within 1.." + MAX_UPLOAD_LIMIT + ", was " + maxUploadBytes);
    }
    Objects.requireNonNull(defaultBatching, "defaultBatching");
    if (topicReplicationFactor < 1) {
      throw new IllegalArgumentException(
          "topicReplicationFactor must be >= 1, was " + topicReplicationFactor);
    }
    requirePositive(startupTimeout, "startupTimeout");
    requirePositive(writeTimeout, "writeTimeout");
    kafkaProperties = kafkaProperties == null ? Map.of() : Map.copyOf(kafkaProperties);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these settings. */
  public Builder toBuilder() {
    return new Builder()
        .bootstrapServers(bootstrapServers)
        .bindHost(bindHost)
        .port(port)
        .advertisedUrl(advertisedUrl)
        .artifactDir(artifactDir)
        .maxUploadBytes(maxUploadBytes)
        .registryTopic(registryTopic)
        .statusTopic(statusTopic)
        .transactionalId(transactionalId)
        .defaultBatching(defaultBatching)
        .topicReplicationFactor(topicReplicationFactor)
        .startupTimeout(startupTimeout)
        .writeTimeout(writeTimeout)
        .kafkaProperties(kafkaProperties);
  }

  /**
   * The advertised URL: the configured one, else {@code http://<bind>:<port>} for the port the
   * server actually listens on (a wildcard bind address advertises this host's name).
   */
  public String advertisedUrl(int actualPort) {
    if (advertisedUrl != null) {
      return advertisedUrl;
    }
    String host = bindHost;
    if (List.of("0.0.0.0", "::", "[::]").contains(host)) {
      try {
        host = InetAddress.getLocalHost().getCanonicalHostName();
      } catch (UnknownHostException e) {
        host = "localhost";
      }
    }
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + actualPort;
  }

  /** {@code ~/.inferstream/artifacts}, or {@code $INFERSTREAM_HOME/artifacts}. */
  public static Path defaultArtifactDir() {
    String home = System.getenv("INFERSTREAM_HOME");
    Path base =
        home != null && !home.isBlank()
            ? Path.of(home)
            : Path.of(System.getProperty("user.home"), ".inferstream");
    return base.resolve("artifacts");
  }

  private static String checkUrl(String url) {
    String trimmed = url.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(trimmed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("advertisedUrl '" + url + "' is not a URL", e);
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "advertisedUrl '" + url + "' must be an http:// or https:// URL with a host");
    }
    return trimmed;
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
  }

  private static void requirePositive(Duration value, String what) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, was " + value);
    }
  }

  /** Builds {@link RegistrySettings}; every setting starts at its default. */
  public static final class Builder {
    private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
    private String bindHost = DEFAULT_BIND_HOST;
    private int port = DEFAULT_PORT;
    private String advertisedUrl;
    private Path artifactDir;
    private long maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES;
    private String registryTopic = InferenceTopics.MODEL_REGISTRY;
    private String statusTopic = InferenceTopics.MODEL_STATUS;
    private String transactionalId = DEFAULT_TRANSACTIONAL_ID;
    private BatchingConfig defaultBatching =
        new BatchingConfig(DEFAULT_MAX_BATCH_SIZE, List.of(), DEFAULT_MAX_QUEUE_DELAY_MICROSECONDS);
    private short topicReplicationFactor = 1;
    private Duration startupTimeout = Duration.ofSeconds(60);
    private Duration writeTimeout = Duration.ofSeconds(30);
    private final Map<String, String> kafkaProperties = new LinkedHashMap<>();

    private Builder() {}

    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    public Builder bindHost(String bindHost) {
      this.bindHost = bindHost;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder advertisedUrl(String advertisedUrl) {
      this.advertisedUrl = advertisedUrl;
      return this;
    }

    public Builder artifactDir(Path artifactDir) {
      this.artifactDir = artifactDir;
      return this;
    }

    public Builder maxUploadBytes(long maxUploadBytes) {
      this.maxUploadBytes = maxUploadBytes;
      return this;
    }

    public Builder registryTopic(String registryTopic) {
      this.registryTopic = registryTopic;
      return this;
    }

    public Builder statusTopic(String statusTopic) {
      this.statusTopic = statusTopic;
      return this;
    }

    public Builder transactionalId(String transactionalId) {
      this.transactionalId = transactionalId;
      return this;
    }

    public Builder defaultBatching(BatchingConfig defaultBatching) {
      this.defaultBatching = defaultBatching;
      return this;
    }

    public Builder topicReplicationFactor(short topicReplicationFactor) {
      this.topicReplicationFactor = topicReplicationFactor;
      return this;
    }

    public Builder startupTimeout(Duration startupTimeout) {
      this.startupTimeout = startupTimeout;
      return this;
    }

    public Builder writeTimeout(Duration writeTimeout) {
      this.writeTimeout = writeTimeout;
      return this;
    }

    /** Adds a Kafka client property (e.g. {@code security.protocol}). */
    public Builder kafkaProperty(String key, String value) {
      kafkaProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
      return this;
    }

    public Builder kafkaProperties(Map<String, String> properties) {
      kafkaProperties.clear();
      kafkaProperties.putAll(properties);
      return this;
    }

    public RegistrySettings build() {
      return new RegistrySettings(
          bootstrapServers,
          bindHost,
          port,
          advertisedUrl,
          artifactDir != null ? artifactDir : defaultArtifactDir(),
          maxUploadBytes,
          registryTopic,
          statusTopic,
          transactionalId,
          defaultBatching,
          topicReplicationFactor,
          startupTimeout,
          writeTimeout,
          kafkaProperties);
    }
  }
}
