package io.inferstream.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.inferstream.schemas.ErrorBody;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.server.handlers.form.FormData;
import io.undertow.server.handlers.form.FormDataParser;
import io.undertow.server.handlers.form.FormParserFactory;
import io.undertow.server.handlers.form.MultiPartParserDefinition;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.PathTemplateMatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's HTTP API on Undertow. Reads of the in-memory view are answered on the I/O thread;
 * everything that reads a body, touches the artifact store or writes to Kafka is dispatched to a
 * worker thread and runs blocking there.
 */
final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

  static final String SHA256_HEADER = "X-Content-Sha256";
  private static final HttpString SHA256_HEADER_NAME = new HttpString(SHA256_HEADER);
  private static final String JSON = "application/json";
  private static final int MAX_JSON_BYTES = 1024 * 1024;

  /** Room for the multipart framing around the file part. */
  static final long MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

  private final RegistryService service;
  private final RegistrySettings settings;
  private final Path stagingDir;

  HttpApi(RegistryService service, RegistrySettings settings, Path stagingDir) {
    this.service = service;
    this.settings = settings;
    this.stagingDir = stagingDir;
  }

  /** A response: a status and a body to write as JSON (null for none). */
  record Response(int status, Object body, Map<String, String> headers) {
    static Response ok(Object body) {
      return new Response(200, body, Map.of());
    }
  }

  @FunctionalInterface
  interface Endpoint {
    Response handle(HttpServerExchange exchange) throws Exception;
  }

  HttpHandler handler() {
    String models = "/api/v1/models";
    String model = models + "/{model}";
    String version = model + "/versions/{version}";
    String alias = model + "/aliases/{alias}";
    String artifact = "/api/v1/artifacts/{sha256}";
    RoutingHandler routes =
        new RoutingHandler()
            .get("/api/v1/health", inline(this::health))
            .get(models, inline(ex -> Response.ok(service.list())))
            .get(model, inline(ex -> Response.ok(service.model(param(ex, "model")))))
            .delete(model, blocking(ex -> Response.ok(service.deleteModel(param(ex, "model")))))
            .get(
                model + "/versions",
                inline(ex -> Response.ok(Map.of("versions", service.versions(param(ex, "model"))))))
            .get(
                version,
                inline(
                    ex -> Response.ok(service.version(param(ex, "model"), param(ex, "version")))))
            .put(version, blocking(this::upload))
            .delete(
                version,
                blocking(
                    ex ->
                        Response.ok(
                            service.deleteVersion(param(ex, "model"), param(ex, "version")))))
            .get(
                model + "/aliases",
                inline(ex -> Response.ok(Map.of("aliases", service.aliases(param(ex, "model"))))))
            .put(alias, blocking(this::setAlias))
            .delete(
                alias,
                blocking(
                    ex -> Response.ok(service.deleteAlias(param(ex, "model"), param(ex, "alias")))))
            .get(model + "/routing", inline(ex -> Response.ok(service.routing(param(ex, "model")))))
            .put(model + "/routing", blocking(this::setRouting))
            .get(
                model + "/settings",
                inline(ex -> Response.ok(service.settings(param(ex, "model")))))
            .put(model + "/settings", blocking(this::updateSettings))
            .add(Methods.PATCH, model + "/settings", blocking(this::updateSettings))
            .get(artifact, blocking(this::artifact))
            .add(Methods.HEAD, artifact, blocking(this::artifact));
    routes.setFallbackHandler(
        inline(
            ex -> {
              throw RegistryException.notFound(
                  "no such endpoint: " + ex.getRequestMethod() + " " + ex.getRequestPath());
            }));
    routes.setInvalidMethodHandler(
        inline(
            ex -> {
              throw new RegistryException(
                  405, ex.getRequestMethod() + " is not allowed on " + ex.getRequestPath());
            }));
    // Sends "100 Continue" only once a handler starts reading the body: an upload refused on its
    // headers (size, version, name) is answered before the client sends the bytes.
    return new HttpContinueReadHandler(routes);
  }

  // ---------------------------------------------------------------- endpoints

  private Response health(HttpServerExchange exchange) {
    ApiViews.Health health = service.health();
    return new Response(service.ready() ? 200 : 503, health, Map.of());
  }

  private Response upload(HttpServerExchange exchange) throws IOException {
    String model = param(exchange, "model");
    String version = service.precheckUpload(model, param(exchange, "version"));
    String declared = declaredSha256(exchange);
    long length = exchange.getRequestContentLength();
    long max = settings.maxUploadBytes();
    boolean multipart = isMultipart(exchange);
    if (length > (multipart ? max + MULTIPART_OVERHEAD_BYTES : max)) {
      throw StagedUpload.tooLarge(max);
    }
    // Undertow caps bodies at 2 MiB by default (UndertowOptions.MAX_ENTITY_SIZE); uploads get the
    // registry's own limit, enforced while staging with the registry's message.
    exchange.setMaxEntitySize(max + MULTIPART_OVERHEAD_BYTES);
    try (StagedUpload staged = multipart ? stageMultipart(exchange) : stageRaw(exchange)) {
      ApiViews.VersionView view = service.upload(model, version, staged, declared);
      return new Response(
          201, view, Map.of("Location", "/api/v1/models/" + model + "/versions/" + view.version()));
    }
  }

  private StagedUpload stageRaw(HttpServerExchange exchange) throws IOException {
    try {
      return StagedUpload.stage(exchange.getInputStream(), stagingDir, settings.maxUploadBytes());
    } catch (RequestTooBigException e) {
      throw StagedUpload.tooLarge(settings.maxUploadBytes());
    }
  }

  private StagedUpload stageMultipart(HttpServerExchange exchange) throws IOException {
    MultiPartParserDefinition definition = new MultiPartParserDefinition(stagingDir);
    definition.setMaxIndividualFileSize(settings.maxUploadBytes());
    FormParserFactory factory = FormParserFactory.builder(false).addParsers(definition).build();
    exchange.setMaxEntitySize(settings.maxUploadBytes() + MULTIPART_OVERHEAD_BYTES);
    try (FormDataParser parser = factory.createParser(exchange)) {
      FormData form = parser.parseBlocking();
      FormData.FormValue file = form.getFirst("file");
      if (file == null || !file.isFileItem()) {
        throw RegistryException.badRequest(
            "a multipart upload needs a 'file' part holding the ONNX file (curl -F file=@model.onnx)");
      }
      try (InputStream in = file.getFileItem().getInputStream()) {
        return StagedUpload.stage(in, stagingDir, settings.maxUploadBytes());
      }
    } catch (MultiPartParserDefinition.FileTooLargeException | RequestTooBigException e) {
      throw StagedUpload.tooLarge(settings.maxUploadBytes());
    } catch (IOException e) {
      throw RegistryException.badRequest("cannot read the multipart body: " + e.getMessage());
    }
  }

  private Response setAlias(HttpServerExchange exchange) throws IOException {
    JsonNode body = readJson(exchange);
    JsonNode target = body.get("version");
    if (target == null || !target.isTextual() || target.asText().isBlank()) {
      throw RegistryException.badRequest(
          "body must be {\"version\": \"<version, alias or latest>\"}");
    }
    return Response.ok(
        service.setAlias(param(exchange, "model"), param(exchange, "alias"), target.asText()));
  }

  private Response setRouting(HttpServerExchange exchange) throws IOException {
    JsonNode body = readJson(exchange);
    JsonNode split = body.get("split");
    if (split == null || !split.isObject()) {
      throw RegistryException.badRequest(
          "body must be {\"split\": {\"<alias or version>\": <weight>, ...}, \"shadow\": \"<alias"
              + " or version>\"}");
    }
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = split.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode weight = entry.getValue();
      if (!weight.isIntegralNumber() || !weight.canConvertToInt() || weight.asInt() < 0) {
        throw RegistryException.badRequest(
            "split weight of '" + entry.getKey() + "' must be an integer >= 0, got " + weight);
      }
      weights.put(entry.getKey(), weight.asInt());
    }
    JsonNode shadow = body.get("shadow");
    if (shadow != null && !shadow.isNull() && !shadow.isTextual()) {
      throw RegistryException.badRequest("shadow must be an alias or version name, got " + shadow);
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!field.equals("split") && !field.equals("shadow")) {
        throw RegistryException.badRequest("unknown routing field '" + field + "'");
      }
    }
    return Response.ok(
        service.setRouting(
            param(exchange, "model"),
            weights,
            shadow == null || shadow.isNull() ? null : shadow.asText()));
  }

  private Response updateSettings(HttpServerExchange exchange) throws IOException {
    SettingsPatch patch = SettingsPatch.parse(readJson(exchange));
    return Response.ok(service.updateSettings(param(exchange, "model"), patch));
  }

  private Response artifact(HttpServerExchange exchange) throws IOException {
    String sha256 = param(exchange, "sha256").toLowerCase(Locale.ROOT);
    if (!ArtifactStore.isSha256(sha256)) {
      throw RegistryException.notFound(
          "'" + sha256 + "' is not an artifact checksum (64 hex digits)");
    }
    Optional<ArtifactStore.Artifact> artifact = service.store().find(sha256);
    if (artifact.isEmpty()) {
      throw RegistryException.notFound("no artifact with sha256 " + sha256);
    }
    String etag = "\"" + sha256 + "\"";
    exchange.getResponseHeaders().put(Headers.ETAG, etag);
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "public, max-age=31536000, immutable");
    if (matches(exchange.getRequestHeaders().get(Headers.IF_NONE_MATCH), sha256)) {
      exchange.setStatusCode(304);
      exchange.endExchange();
      return null;
    }
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
    exchange.setResponseContentLength(artifact.get().size());
    if (exchange.getRequestMethod().equals(Methods.HEAD)) {
      exchange.endExchange();
      return null;
    }
    try (InputStream in = service.store().open(sha256);
        OutputStream out = exchange.getOutputStream()) {
      in.transferTo(out);
    }
    return null;
  }

  // ---------------------------------------------------------------- plumbing

  private HttpHandler inline(Endpoint endpoint) {
    return exchange -> respond(exchange, endpoint);
  }

  private HttpHandler blocking(Endpoint endpoint) {
    return new BlockingHandler(exchange -> respond(exchange, endpoint));
  }

  private void respond(HttpServerExchange exchange, Endpoint endpoint) {
    Response response;
    try {
      response = endpoint.handle(exchange);
    } catch (RegistryException e) {
      response = error(e.status(), e.getMessage());
    } catch (IllegalArgumentException e) {
      response = error(400, e.getMessage());
    } catch (Exception e) {
      LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), e);
      response = error(500, "internal error: " + e);
    }
    if (response == null) {
      return; // the endpoint answered itself
    }
    if (exchange.isResponseStarted()) {
      LOG.warn(
          "{} {} failed after its response started: {}",
          exchange.getRequestMethod(),
          exchange.getRequestPath(),
          response.body());
      exchange.endExchange();
      return;
    }
    send(exchange, response);
  }

  private static Response error(int status, String message) {
    return new Response(status, new ErrorBody(message, status, null), Map.of());
  }

  private static void send(HttpServerExchange exchange, Response response) {
    byte[] bytes;
    try {
      bytes = Json.API.writeValueAsBytes(response.body());
    } catch (JsonProcessingException e) {
      LOG.error("Cannot write a response body", e);
      exchange.setStatusCode(500);
      exchange.endExchange();
      return;
    }
    exchange.setStatusCode(response.status());
    response
        .headers()
        .forEach((name, value) -> exchange.getResponseHeaders().put(new HttpString(name), value));
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JSON);
    exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
  }

  private static String param(HttpServerExchange exchange, String name) {
    PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
    String value = match == null ? null : match.getParameters().get(name);
    if (value == null || value.isEmpty()) {
      throw RegistryException.badRequest("missing path parameter '" + name + "'");
    }
    return value;
  }

  private static JsonNode readJson(HttpServerExchange exchange) throws IOException {
    byte[] body = exchange.getInputStream().readNBytes(MAX_JSON_BYTES + 1);
    if (body.length > MAX_JSON_BYTES) {
      throw RegistryException.tooLarge("a JSON body is limited to " + MAX_JSON_BYTES + " bytes");
    }
    if (body.length == 0) {
      throw RegistryException.badRequest("the request needs a JSON body");
    }
    try {
      JsonNode node = Json.API.readTree(body);
      if (node == null || !node.isObject()) {
        throw RegistryException.badRequest("the body must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw RegistryException.badRequest("invalid JSON body: " + e.getOriginalMessage());
    }
  }

  private static String declaredSha256(HttpServerExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst(SHA256_HEADER_NAME);
    Deque<String> query = exchange.getQueryParameters().get("sha256");
    String declared = header != null ? header : query == null ? null : query.peekFirst();
    if (declared == null || declared.isBlank()) {
      return null;
    }
    String normal = declared.strip().toLowerCase(Locale.ROOT);
    if (!ArtifactStore.isSha256(normal)) {
      throw RegistryException.badRequest("declared sha256 '" + declared + "' is not 64 hex digits");
    }
    return normal;
  }

  private static boolean isMultipart(HttpServerExchange exchange) {
    String type = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
    return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
  }

  private static boolean matches(HeaderValues ifNoneMatch, String sha256) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String header : ifNoneMatch) {
      for (String tag : header.split(",")) {
        String t = tag.strip();
        if (t.startsWith("W/")) {
          t = t.substring(2);
        }
        if (t.equals("*") || t.equals("\"" + sha256 + "\"")) {
          return true;
        }
      }
    }
    return false;
  }
}
