package io.inferstream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.form.FormData;
import io.undertow.server.handlers.form.FormDataParser;
import io.undertow.server.handlers.form.MultiPartParserDefinition;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's JSON API on Undertow: routes {@code /api/v1/...} to the {@link RegistryService}
 * and turns every failure into {@code {"error": "...", "code": N}} with the right status. Handlers
 * run on Undertow's worker threads (blocking I/O), never on its I/O threads.
 */
final class RegistryHttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpHandler.class);
  private static final String JSON = "application/json";
  private static final String SHA256_HEADER = "X-Content-Sha256";

  private final RegistryService service;
  private final RegistrySettings settings;
  private final Path staging;

  RegistryHttpHandler(RegistryService service, RegistrySettings settings, Path staging) {
    this.service = service;
    this.settings = settings;
    this.staging = staging;
  }

  /** The routes, each dispatched to a worker thread with blocking I/O. */
  HttpHandler handler() {
    String m = "/api/v1/models/{model}";
    RoutingHandler routes =
        new RoutingHandler()
            .get("/api/v1/health", json(x -> service.health(), x -> service.ready() ? 200 : 503))
            .get("/api/v1/models", json(x -> service.list()))
            .get(m, json(x -> service.model(param(x, "model"))))
            .delete(m, json(x -> service.deleteModel(param(x, "model"))))
            .get(m + "/versions", json(x -> service.versions(param(x, "model"))))
            .get(
                m + "/versions/{version}",
                json(x -> service.version(param(x, "model"), param(x, "version"))))
            .put(m + "/versions/{version}", json(this::upload, x -> StatusCodes.CREATED))
            .delete(
                m + "/versions/{version}",
                json(x -> service.deleteVersion(param(x, "model"), param(x, "version"))))
            .get(m + "/aliases", json(x -> service.aliases(param(x, "model"))))
            .put(
                m + "/aliases/{alias}",
                json(
                    x ->
                        service.setAlias(
                            param(x, "model"),
                            param(x, "alias"),
                            requiredText(body(x), "version"))))
            .delete(
                m + "/aliases/{alias}",
                json(x -> service.deleteAlias(param(x, "model"), param(x, "alias"))))
            .get(m + "/routing", json(x -> service.routing(param(x, "model"))))
            .put(m + "/routing", json(this::setRouting))
            .get(m + "/settings", json(x -> service.settings(param(x, "model"))))
            .put(m + "/settings", json(this::updateSettings))
            .add(Methods.PATCH, m + "/settings", json(this::updateSettings))
            .get(RegistryService.ARTIFACTS_PATH + "{sha256}", this::artifact)
            .add(Methods.HEAD, RegistryService.ARTIFACTS_PATH + "{sha256}", this::artifact)
            .setFallbackHandler(
                x ->
                    error(
                        x,
                        new RegistryException(
                            404,
                            "no such endpoint: "
                                + x.getRequestMethod()
                                + " "
                                + x.getRequestPath())))
            .setInvalidMethodHandler(
                x ->
                    error(
                        x,
                        new RegistryException(
                            405,
                            "method "
                                + x.getRequestMethod()
                                + " is not allowed on "
                                + x.getRequestPath())));
    return exchange -> {
      if (exchange.isInIoThread()) {
        exchange.dispatch(this.blocking(routes));
        return;
      }
      blocking(routes).handleRequest(exchange);
    };
  }

  private HttpHandler blocking(HttpHandler next) {
    return exchange -> {
      exchange.startBlocking();
      next.handleRequest(exchange);
    };
  }

  @FunctionalInterface
  private interface Action {
    Object run(HttpServerExchange exchange) throws Exception;
  }

  @FunctionalInterface
  private interface StatusOf {
    int of(HttpServerExchange exchange);
  }

  private HttpHandler json(Action action) {
    return json(action, x -> StatusCodes.OK);
  }

  private HttpHandler json(Action action, StatusOf status) {
    return exchange -> {
      try {
        Object result = action.run(exchange);
        send(exchange, status.of(exchange), Json.API.writeValueAsBytes(result));
      } catch (RegistryException e) {
        error(exchange, e);
      } catch (IllegalArgumentException e) {
        error(exchange, RegistryException.badRequest(e.getMessage()));
      } catch (Exception e) {
        LOG.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), e);
        error(exchange, new RegistryException(500, "internal error: " + e));
      }
    };
  }

  private Object upload(HttpServerExchange exchange) throws IOException {
    String model = param(exchange, "model");
    String version = param(exchange, "version");
    service.precheckUpload(
        model, version); // name, version string and a new version: before the body
    long declaredLength = exchange.getRequestContentLength();
    if (declaredLength > settings.maxUploadBytes()) {
      throw StagedUpload.tooLarge(settings.maxUploadBytes());
    }
    String declared =
        Optional.ofNullable(exchange.getRequestHeaders().getFirst(SHA256_HEADER))
            .or(() -> Optional.ofNullable(query(exchange, "sha256")))
            .map(s -> s.trim().toLowerCase(java.util.Locale.ROOT))
            .orElse(null);
    try (StagedUpload staged = stage(exchange)) {
      return service.upload(model, version, staged, declared);
    }
  }

  /** The body as a staged file: raw bytes, or the {@code file} part of a multipart form. */
  private StagedUpload stage(HttpServerExchange exchange) throws IOException {
    String type = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
    if (type == null
        || !type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
      return StagedUpload.stage(exchange.getInputStream(), staging, settings.maxUploadBytes());
    }
    MultiPartParserDefinition multipart = new MultiPartParserDefinition(staging);
    multipart.setMaxIndividualFileSize(settings.maxUploadBytes());
    multipart.setFileSizeThreshold(0);
    try (FormDataParser parser = multipart.create(exchange)) {
      FormData form;
      try {
        form = parser.parseBlocking();
      } catch (IOException e) {
        if (String.valueOf(e.getMessage()).contains("UT000054")) { // file over the size limit
          throw StagedUpload.tooLarge(settings.maxUploadBytes());
        }
        throw RegistryException.badRequest("unreadable multipart body: " + e.getMessage());
      }
      FormData.FormValue file = form.getFirst("file");
      if (file == null || !file.isFileItem()) {
        throw RegistryException.badRequest(
            "multipart upload needs a 'file' part holding the ONNX file");
      }
      try (InputStream in = file.getFileItem().getInputStream()) {
        return StagedUpload.stage(in, staging, settings.maxUploadBytes());
      }
    }
  }

  private Object setRouting(HttpServerExchange exchange) throws IOException {
    JsonNode body = body(exchange);
    JsonNode split = body.get("split");
    Map<String, Integer> weights = null;
    if (split != null && !split.isNull()) {
      if (!split.isObject()) {
        throw RegistryException.badRequest(
            "split must be an object of alias or version -> weight, e.g. {\"prod\": 90, \"canary\": 10}");
      }
      weights = new LinkedHashMap<>();
      for (var field : (Iterable<Map.Entry<String, JsonNode>>) split::fields) {
        if (!field.getValue().canConvertToInt()) {
          throw RegistryException.badRequest(
              "split weight of '"
                  + field.getKey()
                  + "' must be an integer, got "
                  + field.getValue());
        }
        weights.put(field.getKey(), field.getValue().intValue());
      }
    }
    JsonNode shadow = body.get("shadow");
    if (shadow != null && !shadow.isNull() && !shadow.isTextual()) {
      throw RegistryException.badRequest("shadow must be an alias or a version string, or null");
    }
    return service.setRouting(
        param(exchange, "model"),
        weights,
        shadow == null || shadow.isNull() ? null : shadow.asText());
  }

  private Object updateSettings(HttpServerExchange exchange) throws IOException {
    return service.updateSettings(param(exchange, "model"), SettingsPatch.parse(body(exchange)));
  }

  /** Serves a stored artifact with its sha256 as a strong ETag. */
  private void artifact(HttpServerExchange exchange) {
    try {
      String sha256 = param(exchange, "sha256");
      if (!ArtifactStore.isSha256(sha256)) {
        throw RegistryException.badRequest(
            "'" + sha256 + "' is not a sha256 (64 lowercase hex digits)");
      }
      var artifact =
          service
              .store()
              .find(sha256)
              .orElseThrow(() -> RegistryException.notFound("no artifact with sha256 " + sha256));
      String etag = "\"" + sha256 + "\"";
      exchange.getResponseHeaders().put(Headers.ETAG, etag);
      exchange
          .getResponseHeaders()
          .put(Headers.CACHE_CONTROL, "public, max-age=31536000, immutable");
      String ifNoneMatch = exchange.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH);
      if (ifNoneMatch != null && (ifNoneMatch.contains(etag) || ifNoneMatch.trim().equals("*"))) {
        exchange.setStatusCode(StatusCodes.NOT_MODIFIED);
        exchange.endExchange();
        return;
      }
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
      exchange.setResponseContentLength(artifact.size());
      if (exchange.getRequestMethod().equals(Methods.HEAD)) {
        exchange.endExchange();
        return;
      }
      try (InputStream in = service.store().open(sha256);
          OutputStream out = exchange.getOutputStream()) {
        in.transferTo(out);
      }
    } catch (RegistryException e) {
      error(exchange, e);
    } catch (IOException e) {
      LOG.warn("Serving artifact failed", e);
      error(exchange, new RegistryException(500, "cannot read the artifact: " + e.getMessage()));
    }
  }

  private static JsonNode body(HttpServerExchange exchange) throws IOException {
    byte[] bytes = exchange.getInputStream().readNBytes(1 << 20);
    if (bytes.length == 0) {
      throw RegistryException.badRequest("the request needs a JSON body");
    }
    try {
      return Json.API.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw RegistryException.badRequest("malformed JSON body: " + e.getOriginalMessage());
    }
  }

  private static String requiredText(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw RegistryException.badRequest("body needs a '" + field + "' string");
    }
    return value.asText();
  }

  private static String param(HttpServerExchange exchange, String name) {
    String value = query(exchange, name);
    if (value == null) {
      throw RegistryException.badRequest("missing path parameter '" + name + "'");
    }
    return value;
  }

  private static String query(HttpServerExchange exchange, String name) {
    Deque<String> values = exchange.getPathParameters().get(name);
    if (values == null || values.isEmpty()) {
      values = exchange.getQueryParameters().get(name);
    }
    return values == null || values.isEmpty() ? null : values.getFirst();
  }

  private static void error(HttpServerExchange exchange, RegistryException e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", e.getMessage());
    body.put("code", e.status());
    try {
      send(exchange, e.status(), Json.API.writeValueAsBytes(body));
    } catch (IOException io) {
      exchange.setStatusCode(e.status());
      exchange.endExchange();
    }
  }

  private static void send(HttpServerExchange exchange, int status, byte[] body) {
    if (exchange.isResponseStarted()) {
      exchange.endExchange();
      return;
    }
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JSON);
    exchange.getResponseHeaders().put(new HttpString("Cache-Control"), "no-store");
    exchange.setResponseContentLength(body.length);
    try {
      exchange.getOutputStream().write(body);
    } catch (IOException e) {
      LOG.debug("Client went away", e);
    }
    exchange.endExchange();
  }
}
