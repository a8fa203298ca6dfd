package io.inferstream.client;

import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.Priority;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/** One inference request and how to send it. Build with {@link #builder()}. */
public final class InferenceCall {
  private final String model;
  private final String modelVersion;
  private final String requestId;
  private final InferenceRequest request;
  private final boolean binary;
  private final Priority priority;
  private final Instant deadline;
  private final Duration timeout;
  private final String apiKey;
  private final Map<String, byte[]> headers;

  private InferenceCall(Builder builder) {
    this.model = builder.model;
    this.modelVersion = builder.modelVersion;
    this.requestId = builder.requestId != null ? builder.requestId : UUID.randomUUID().toString();
    this.request = builder.request;
    this.binary = builder.binary;
    this.priority = builder.priority;
    this.deadline = builder.deadline;
    this.timeout = builder.timeout;
    this.apiKey = builder.apiKey;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
  }

  public static Builder builder() {
    return new Builder();
  }

  public String model() {
    return model;
  }

  /** A semantic version, an alias such as {@code prod}, or {@code latest}. */
  public Optional<String> modelVersion() {
    return Optional.ofNullable(modelVersion);
  }

  /** The correlation id: record key and {@code request-id} header. */
  public String requestId() {
    return requestId;
  }

  public InferenceRequest request() {
    return request;
  }

  /** Whether the inputs travel in Triton's binary tensor form rather than as JSON. */
  public boolean binary() {
    return binary;
  }

  public Optional<Priority> priority() {
    return Optional.ofNullable(priority);
  }

  /** When the server should stop bothering: it answers 504 to a request past its deadline. */
  public Optional<Instant> deadline() {
    return Optional.ofNullable(deadline);
  }

  /** How long the client waits for the reply; the client's default when empty. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  public Optional<String> apiKey() {
    return Optional.ofNullable(apiKey);
  }

  /** Extra record headers; they replace standard headers of the same name. */
  public Map<String, byte[]> headers() {
    return headers;
  }

  @Override
  public String toString() {
    return "InferenceCall{"
        + requestId
        + " "
        + model
        + (modelVersion == null ? "" : "@" + modelVersion)
        + (binary ? " binary" : " json")
        + "}";
  }

  /** Builds an {@link InferenceCall}; {@code model} and {@code request} are required. */
  public static final class Builder {
    private String model;
    private String modelVersion;
    private String requestId;
    private InferenceRequest request;
    private boolean binary;
    private Priority priority;
    private Instant deadline;
    private Duration timeout;
    private String apiKey;
    private final Map<String, byte[]> headers = new LinkedHashMap<>();

    private Builder() {}

    public Builder model(String model) {
      this.model = model;
      return this;
    }

    public Builder modelVersion(String modelVersion) {
      this.modelVersion = modelVersion;
      return this;
    }

    /** Defaults to a random UUID. */
    public Builder requestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    public Builder request(InferenceRequest request) {
      this.request = request;
      return this;
    }

    public Builder binary(boolean binary) {
      this.binary = binary;
      return this;
    }

    public Builder priority(Priority priority) {
      this.priority = priority;
      return this;
    }

    public Builder deadline(Instant deadline) {
      this.deadline = deadline;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** Adds a raw header, e.g. a malformed one for a test; replaces a standard header. */
    public Builder header(String name, byte[] value) {
      headers.put(Objects.requireNonNull(name, "header name"), value);
      return this;
    }

    public Builder headers(Map<String, byte[]> extraHeaders) {
      extraHeaders.forEach(this::header);
      return this;
    }

    public InferenceCall build() {
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("InferenceCall needs a model name (.model(...))");
      }
      if (request == null) {
        throw new IllegalArgumentException("InferenceCall needs a request body (.request(...))");
      }
      if (requestId != null && requestId.isEmpty()) {
        throw new IllegalArgumentException("requestId must not be empty");
      }
      if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
      return new InferenceCall(this);
    }
  }
}
