package io.inferstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.schemas.InferenceHeaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Hostile request records for the hostile-traffic phase, derived from the valid request of the
 * model under test: mutations of its JSON and its binary (Triton binary tensor) encoding, and
 * header abuse around an otherwise valid body. Seeded: the same seed and payloads give the same
 * records in the same order. Bodies stay about the size of the valid body they come from (shorter
 * JSON mutations are padded with trailing whitespace); header abuse keeps the valid body.
 *
 * <p>A record's headers never include {@code request-id}: the sender adds the id as {@link
 * HostileRecord#identity()} says, so that replies can be matched to what was sent.
 */
final class HostileRecords {
  /** Long header values: far beyond any real header, small next to Kafka's record limit. */
  static final int LONG_HEADER_CHARS = 16 * 1024;

  /** Dimensions no tensor has; 2^62 of FP32 overflows a long byte count to exactly 0. */
  static final long[] HUGE_DIMS = {
    4611686018427387904L, 300000000L, 2147483648L, 4294967296L, Long.MAX_VALUE
  };

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What is wrong with a record. */
  enum Kind {
    JSON_BYTE_FLIP,
    JSON_TRUNCATED,
    JSON_HUGE_DIM,
    JSON_DATATYPE,
    JSON_NAN_STRINGS,
    JSON_DATA_REMOVED,
    BINARY_BYTE_FLIP,
    BINARY_TRUNCATED,
    BINARY_HUGE_DIM,
    BINARY_DATA_SIZE,
    CONTENT_LENGTH_WRONG,
    CONTENT_LENGTH_GARBAGE,
    MODEL_MISSING,
    MODEL_UNKNOWN,
    REPLY_TOPIC_FORBIDDEN,
    REPLY_TOPIC_NONEXISTENT,
    REPLY_PARTITION_BAD,
    DEADLINE_GARBAGE,
    PRIORITY_GARBAGE,
    CONTENT_TYPE_GARBAGE,
    DUPLICATE_HEADERS,
    LONG_HEADERS,
    NO_REQUEST_ID;

    /** {@code json-byte-flip} and so on. */
    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** How the sender identifies a record (key and {@code request-id} header). */
  enum Identity {
    /** Key and {@code request-id} are the sender's id. */
    REQUEST_ID,
    /** The id followed by {@link #LONG_HEADER_CHARS} more characters, as key and header. */
    LONG_REQUEST_ID,
    /** Two {@code request-id} headers, a foreign one first, the sender's id last; key the id. */
    DUPLICATED_REQUEST_ID,
    /** No key and no {@code request-id} header (the record's headers may hold an empty one). */
    NONE
  }

  /** One Kafka header; a record may repeat a name. */
  record Header(String name, byte[] value) {
    String text() {
      return new String(value, StandardCharsets.UTF_8);
    }
  }

  /**
   * One hostile record.
   *
   * @param variant what exactly was done, for reports and tests
   */
  record HostileRecord(
      Kind kind, String variant, Identity identity, byte[] body, List<Header> headers) {
    /** The last value of a header, or null. */
    String header(String name) {
      for (int i = headers.size() - 1; i >= 0; i--) {
        if (headers.get(i).name().equals(name)) {
          return headers.get(i).text();
        }
      }
      return null;
    }

    /** Bytes of the body and every header (names and values). */
    long bytes() {
      long total = body == null ? 0 : body.length;
      for (Header h : headers) {
        total += h.name().length() + h.value().length;
      }
      return total;
    }
  }

  /** Where a hostile record's reply should go when it has a usable reply address. */
  record ReplyAddress(String topic, int partition, int partitions) {}

  private final Random random;
  private final String model;
  private final RequestPayload underTest;
  private final byte[] json;
  private final byte[] binary;
  private final int binaryJsonLength;
  private final ObjectNode jsonTree;
  private final ObjectNode binaryTree;
  private final ReplyAddress reply;

  /**
   * @param jsonPayload the valid request in JSON
   * @param binaryPayload the same request in Triton's binary form
   * @param underTest the encoding the benchmark's valid load uses (the body of header abuse)
   */
  HostileRecords(
      RequestPayload jsonPayload,
      RequestPayload binaryPayload,
      RequestPayload underTest,
      ReplyAddress reply,
      long seed) {
    if (jsonPayload.format() != RequestPayload.Format.JSON
        || binaryPayload.format() != RequestPayload.Format.BINARY) {
      throw new IllegalArgumentException("need the JSON and the binary encoding of one request");
    }
    this.random = new Random(seed);
    this.model = jsonPayload.model();
    this.underTest = underTest;
    this.json = jsonPayload.body();
    this.binary = binaryPayload.body();
    this.binaryJsonLength =
        Integer.parseInt(
            new String(
                binaryPayload.headers().get(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH),
                StandardCharsets.UTF_8));
    this.jsonTree = parse(json, json.length);
    this.binaryTree = parse(binary, binaryJsonLength);
    this.reply = reply;
  }

  /** The next record: a kind chosen uniformly, then one of its variants. */
  HostileRecord next() {
    Kind[] kinds = Kind.values();
    return next(kinds[random.nextInt(kinds.length)]);
  }

  /** The next record of the given kind. */
  HostileRecord next(Kind kind) {
    return switch (kind) {
      case JSON_BYTE_FLIP -> jsonByteFlip();
      case JSON_TRUNCATED -> jsonTruncated();
      case JSON_HUGE_DIM -> hugeDim(kind, false);
      case JSON_DATATYPE -> jsonDatatype();
      case JSON_NAN_STRINGS -> jsonNanStrings();
      case JSON_DATA_REMOVED -> jsonDataRemoved();
      case BINARY_BYTE_FLIP -> binaryByteFlip();
      case BINARY_TRUNCATED -> binaryTruncated();
      case BINARY_HUGE_DIM -> hugeDim(kind, true);
      case BINARY_DATA_SIZE -> binaryDataSize();
      case CONTENT_LENGTH_WRONG -> contentLengthWrong();
      case CONTENT_LENGTH_GARBAGE -> contentLengthGarbage();
      case MODEL_MISSING -> modelMissing();
      case MODEL_UNKNOWN -> modelUnknown();
      case REPLY_TOPIC_FORBIDDEN -> replyTopicForbidden();
      case REPLY_TOPIC_NONEXISTENT -> replyTopicNonexistent();
      case REPLY_PARTITION_BAD -> replyPartitionBad();
      case DEADLINE_GARBAGE -> headerGarbage(kind, InferenceHeaders.DEADLINE, deadlines());
      case PRIORITY_GARBAGE -> headerGarbage(kind, InferenceHeaders.PRIORITY, priorities());
      case CONTENT_TYPE_GARBAGE -> contentTypeGarbage();
      case DUPLICATE_HEADERS -> duplicateHeaders();
      case LONG_HEADERS -> longHeaders();
      case NO_REQUEST_ID -> noRequestId();
    };
  }

  // ------------------------------------------------------------------ JSON bodies

  private HostileRecord jsonByteFlip() {
    byte[] body = json.clone();
    int flips = 1 + random.nextInt(4);
    StringBuilder where = new StringBuilder();
    for (int i = 0; i < flips; i++) {
      int at = random.nextInt(body.length);
      body[at] ^= (byte) (1 << random.nextInt(8));
      where.append(i == 0 ? "" : ",").append(at);
    }
    return jsonRecord(Kind.JSON_BYTE_FLIP, "bits flipped at " + where, body);
  }

  private HostileRecord jsonTruncated() {
    int keep = 1 + random.nextInt(json.length - 1);
    byte[] body = Arrays.copyOf(json, keep);
    return jsonRecord(
        Kind.JSON_TRUNCATED, "cut to " + keep + " of " + json.length + " bytes, padded", pad(body));
  }

  private HostileRecord jsonDatatype() {
    ObjectNode tree = jsonTree.deepCopy();
    ObjectNode input = firstInput(tree);
    String[] swaps = {
      "INT64", "FP64", "BYTES", "FP16", "BF16", "BOOL", "UINT8", "fp32", "", "NOT_A_TYPE"
    };
    int pick = random.nextInt(swaps.length + 2);
    String variant;
    if (pick < swaps.length) {
      input.put("datatype", swaps[pick]);
      variant = "datatype \"" + swaps[pick] + "\"";
    } else if (pick == swaps.length) {
      input.put("datatype", 7);
      variant = "datatype 7 (a number)";
    } else {
      input.remove("datatype");
      variant = "datatype removed";
    }
    return jsonRecord(Kind.JSON_DATATYPE, variant, pad(write(tree)));
  }

  private HostileRecord jsonNanStrings() {
    ObjectNode tree = jsonTree.deepCopy();
    ArrayNode data = (ArrayNode) firstInput(tree).get("data");
    String[] strings = {"NaN", "Infinity", "-Infinity", "nan", "1e99999", "0x1p3", ""};
    String value = strings[random.nextInt(strings.length)];
    boolean all = random.nextBoolean();
    if (all) {
      for (int i = 0; i < data.size(); i++) {
        data.set(i, value);
      }
    } else {
      data.set(random.nextInt(data.size()), value);
    }
    return jsonRecord(
        Kind.JSON_NAN_STRINGS,
        (all ? "every element" : "one element") + " \"" + value + "\"",
        pad(write(tree)));
  }

  private HostileRecord jsonDataRemoved() {
    ObjectNode tree = jsonTree.deepCopy();
    ObjectNode input = firstInput(tree);
    String variant;
    switch (random.nextInt(6)) {
      case 0 -> {
        input.remove("data");
        variant = "data removed";
      }
      case 1 -> {
        input.putNull("data");
        variant = "data null";
      }
      case 2 -> {
        input.putArray("data");
        variant = "data []";
      }
      case 3 -> {
        input.putObject("data");
        variant = "data {}";
      }
      case 4 -> {
        input.put("data", "AAAAAAAAAAAAAAAA");
        variant = "data a string";
      }
      default -> {
        tree.remove("inputs");
        variant = "inputs removed";
      }
    }
    return jsonRecord(Kind.JSON_DATA_REMOVED, variant, pad(write(tree)));
  }

  /** Shape dimensions no tensor has, in the JSON or in the binary encoding's JSON part. */
  private HostileRecord hugeDim(Kind kind, boolean binaryBody) {
    ObjectNode tree = (binaryBody ? binaryTree : jsonTree).deepCopy();
    ObjectNode input = firstInput(tree);
    ArrayNode shape = (ArrayNode) input.get("shape");
    long huge = HUGE_DIMS[random.nextInt(HUGE_DIMS.length)];
    String variant;
    switch (random.nextInt(binaryBody ? 4 : 5)) {
      case 0 -> {
        int dim = random.nextInt(shape.size());
        shape.set(dim, huge);
        variant = "shape[" + dim + "] = " + huge;
      }
      case 1 -> {
        for (int i = 0; i < shape.size(); i++) {
          shape.set(i, huge);
        }
        variant = "every dimension " + huge;
      }
      case 2 -> {
        shape.removeAll().add(huge);
        variant = "shape [" + huge + "]";
      }
      case 3 -> {
        int dim = random.nextInt(shape.size());
        shape.set(dim, new BigIntegerNode(new BigInteger("99999999999999999999999")));
        variant = "shape[" + dim + "] = 99999999999999999999999 (beyond a long)";
      }
      default -> {
        // The shape of a one-element tensor that claims 2^62 elements, as a client could send it.
        shape.removeAll().add(huge);
        ArrayNode data = input.putArray("data");
        data.add(1);
        variant = "shape [" + huge + "] with data [1]";
      }
    }
    return binaryBody
        ? binaryRecord(kind, variant, write(tree), null)
        : jsonRecord(kind, variant, pad(write(tree)));
  }

  // ------------------------------------------------------------------ binary bodies

  private HostileRecord binaryByteFlip() {
    byte[] body = binary.clone();
    int flips = 1 + random.nextInt(4);
    StringBuilder where = new StringBuilder();
    for (int i = 0; i < flips; i++) {
      // The first and most in the JSON part: flipped tensor bytes are just other numbers.
      int at =
          i == 0 || random.nextInt(4) > 0 || body.length == binaryJsonLength
              ? random.nextInt(binaryJsonLength)
              : binaryJsonLength + random.nextInt(body.length - binaryJsonLength);
      body[at] ^= (byte) (1 << random.nextInt(8));
      where.append(i == 0 ? "" : ",").append(at);
    }
    return new HostileRecord(
        Kind.BINARY_BYTE_FLIP,
        "bits flipped at " + where + " (JSON part " + binaryJsonLength + " bytes)",
        Identity.REQUEST_ID,
        body,
        headers(binaryHeaders(String.valueOf(binaryJsonLength))));
  }

  private HostileRecord binaryTruncated() {
    // At least half the body stays: in the JSON part of a small tensor, in the tensor bytes of a
    // large one.
    int keep = binary.length / 2 + random.nextInt(binary.length - binary.length / 2);
    return new HostileRecord(
        Kind.BINARY_TRUNCATED,
        "cut to " + keep + " of " + binary.length + " bytes (JSON part " + binaryJsonLength + ")",
        Identity.REQUEST_ID,
        Arrays.copyOf(binary, keep),
        headers(binaryHeaders(String.valueOf(binaryJsonLength))));
  }

  private HostileRecord binaryDataSize() {
    ObjectNode tree = binaryTree.deepCopy();
    ObjectNode parameters = (ObjectNode) firstInput(tree).get("parameters");
    long size = parameters.path("binary_data_size").asLong();
    int pick = random.nextInt(9);
    String variant;
    switch (pick) {
      case 0 -> parameters.put("binary_data_size", size + 1);
      case 1 -> parameters.put("binary_data_size", size - 1);
      case 2 -> parameters.put("binary_data_size", 0);
      case 3 -> parameters.put("binary_data_size", -1);
      case 4 -> parameters.put("binary_data_size", 4611686018427387904L);
      case 5 -> parameters.put("binary_data_size", Integer.MAX_VALUE);
      case 6 -> parameters.put("binary_data_size", String.valueOf(size));
      case 7 -> parameters.put("binary_data_size", size + 0.5);
      default -> parameters.putNull("binary_data_size");
    }
    variant = "binary_data_size " + parameters.get("binary_data_size") + " (was " + size + ")";
    return binaryRecord(Kind.BINARY_DATA_SIZE, variant, write(tree), null);
  }

  private HostileRecord contentLengthWrong() {
    int length = binaryJsonLength;
    String value;
    String variant;
    switch (random.nextInt(7)) {
      case 0 -> value = String.valueOf(length - 1 - random.nextInt(Math.max(1, length / 2)));
      case 1 -> value = String.valueOf(length + 1 + random.nextInt(binary.length - length));
      case 2 -> value = String.valueOf(binary.length + 1);
      case 3 -> value = "0";
      case 4 -> value = null;
      case 5 -> value = String.valueOf(binary.length);
      default -> value = "\u0661\u0662"; // Arabic-Indic "12": Integer.parseInt reads it
    }
    if (value == null) {
      variant = "inference-header-content-length missing";
    } else {
      variant =
          "inference-header-content-length \"" + escape(value) + "\" (JSON part is " + length + ")";
    }
    return new HostileRecord(
        Kind.CONTENT_LENGTH_WRONG,
        variant,
        Identity.REQUEST_ID,
        binary.clone(),
        headers(binaryHeaders(value)));
  }

  private HostileRecord contentLengthGarbage() {
    String[] values = {
      "-1",
      "-2147483648",
      "abc",
      "",
      " ",
      "1e3",
      "0x10",
      "2147483648",
      "4611686018427387904",
      "99999999999999999999999",
      "+" + binaryJsonLength + "x"
    };
    String value = values[random.nextInt(values.length)];
    boolean onJson = random.nextInt(4) == 0;
    if (onJson) {
      // A JSON body that claims a binary part through the length header.
      List<Header> h = jsonHeaders();
      h.add(header(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH, value));
      return new HostileRecord(
          Kind.CONTENT_LENGTH_GARBAGE,
          "JSON body with inference-header-content-length \"" + value + "\"",
          Identity.REQUEST_ID,
          json.clone(),
          headers(h));
    }
    return new HostileRecord(
        Kind.CONTENT_LENGTH_GARBAGE,
        "inference-header-content-length \"" + value + "\"",
        Identity.REQUEST_ID,
        binary.clone(),
        headers(binaryHeaders(value)));
  }

  // ------------------------------------------------------------------ header abuse

  private HostileRecord modelMissing() {
    List<Header> h = validHeaders();
    String[] values = {null, "", " ", "\u0000"};
    String value = values[random.nextInt(values.length)];
    replace(h, InferenceHeaders.MODEL, value);
    return headerAbuse(
        Kind.MODEL_MISSING,
        value == null ? "model header missing" : "model \"" + escape(value) + "\"",
        h);
  }

  private HostileRecord modelUnknown() {
    List<Header> h = validHeaders();
    String variant;
    switch (random.nextInt(6)) {
      case 0 -> {
        String name = "no-such-model-" + hex(8);
        replace(h, InferenceHeaders.MODEL, name);
        variant = "model " + name;
      }
      case 1 -> {
        replace(h, InferenceHeaders.MODEL, model.toUpperCase(Locale.ROOT) + "!");
        variant = "model " + model.toUpperCase(Locale.ROOT) + "!";
      }
      case 2 -> {
        replace(h, InferenceHeaders.MODEL, "../" + model);
        variant = "model ../" + model;
      }
      case 3 -> {
        h.add(header(InferenceHeaders.MODEL_VERSION, "99.0.0"));
        variant = "model-version 99.0.0";
      }
      case 4 -> {
        h.add(header(InferenceHeaders.MODEL_VERSION, "not-a-version"));
        variant = "model-version not-a-version";
      }
      default -> {
        replace(h, InferenceHeaders.MODEL, model + "\n");
        variant = "model with a trailing newline";
      }
    }
    return headerAbuse(Kind.MODEL_UNKNOWN, variant, h);
  }

  private HostileRecord replyTopicForbidden() {
    String[] topics = {
      "__consumer_offsets",
      "evil-replies",
      "Inference-Replies",
      "inference.replies",
      "bad topic name",
      "inference-replie",
      "x".repeat(300)
    };
    String topic = topics[random.nextInt(topics.length)];
    List<Header> h = validHeaders();
    replace(h, InferenceHeaders.REPLY_TOPIC, topic);
    return headerAbuse(
        Kind.REPLY_TOPIC_FORBIDDEN,
        "reply-topic " + (topic.length() > 40 ? topic.length() + " x's" : topic),
        h);
  }

  private HostileRecord replyTopicNonexistent() {
    String[] separators = {".", "-", ""};
    String topic = "inference-replies" + separators[random.nextInt(separators.length)] + hex(12);
    List<Header> h = validHeaders();
    replace(h, InferenceHeaders.REPLY_TOPIC, topic);
    return headerAbuse(Kind.REPLY_TOPIC_NONEXISTENT, "reply-topic " + topic, h);
  }

  private HostileRecord replyPartitionBad() {
    // No value may name a real partition: the reply would go to another client's partition.
    String[] values = {
      String.valueOf(reply.partitions()),
      String.valueOf(reply.partitions() + 1),
      "1000",
      "-1",
      "2147483647",
      "2147483648",
      "x",
      "",
      "1.5",
      "0x1"
    };
    String value = values[random.nextInt(values.length)];
    List<Header> h = validHeaders();
    replace(h, InferenceHeaders.REPLY_PARTITION, value);
    return headerAbuse(
        Kind.REPLY_PARTITION_BAD,
        "reply-partition \"" + value + "\" (topic has " + reply.partitions() + ")",
        h);
  }

  private static String[] deadlines() {
    return new String[] {
      "tomorrow",
      "-5",
      "0",
      "1",
      "99999999999999999999",
      "1.5e12",
      "0x10",
      " ",
      "2026-01-01T00:00:00Z"
    };
  }

  private static String[] priorities() {
    return new String[] {"urgent", "HIGH!", "-1", "999", "h i g h", "\u0000", "highest"};
  }

  private HostileRecord headerGarbage(Kind kind, String name, String[] values) {
    String value = values[random.nextInt(values.length)];
    List<Header> h = validHeaders();
    h.add(header(name, value));
    return headerAbuse(kind, name + " \"" + escape(value) + "\"", h);
  }

  private HostileRecord contentTypeGarbage() {
    String[] values = {
      "text/plain",
      "application/xml",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "APPLICATION/JSON",
      "\u0000",
      "image/png"
    };
    int pick = random.nextInt(values.length + 2);
    if (pick == values.length) {
      // The binary body declared as JSON, with its length header.
      List<Header> h = binaryHeaders(String.valueOf(binaryJsonLength));
      replace(h, InferenceHeaders.CONTENT_TYPE, InferenceHeaders.CONTENT_TYPE_JSON);
      return new HostileRecord(
          Kind.CONTENT_TYPE_GARBAGE,
          "binary body declared application/json",
          Identity.REQUEST_ID,
          binary.clone(),
          headers(h));
    }
    if (pick == values.length + 1) {
      List<Header> h = jsonHeaders();
      replace(h, InferenceHeaders.CONTENT_TYPE, InferenceHeaders.CONTENT_TYPE_BINARY);
      return new HostileRecord(
          Kind.CONTENT_TYPE_GARBAGE,
          "JSON body declared application/octet-stream",
          Identity.REQUEST_ID,
          json.clone(),
          headers(h));
    }
    List<Header> h = validHeaders();
    replace(h, InferenceHeaders.CONTENT_TYPE, values[pick]);
    return headerAbuse(
        Kind.CONTENT_TYPE_GARBAGE, "content-type \"" + escape(values[pick]) + "\"", h);
  }

  private HostileRecord duplicateHeaders() {
    List<Header> h = validHeaders();
    String unknown = "no-such-model-" + hex(6);
    String variant;
    Identity identity = Identity.REQUEST_ID;
    switch (random.nextInt(6)) {
      case 0 -> {
        h.add(header(InferenceHeaders.MODEL, unknown));
        variant = "model twice, unknown last";
      }
      case 1 -> {
        h.add(0, header(InferenceHeaders.MODEL, unknown));
        variant = "model twice, unknown first";
      }
      case 2 -> {
        h.add(header(InferenceHeaders.CONTENT_TYPE, otherContentType()));
        variant = "content-type twice, contradicting";
      }
      case 3 -> {
        h.add(header(InferenceHeaders.REPLY_PARTITION, "x"));
        variant = "reply-partition twice, garbage last";
      }
      case 4 -> {
        identity = Identity.DUPLICATED_REQUEST_ID;
        variant = "request-id twice";
      }
      default -> {
        List<Header> twice = new ArrayList<>(h);
        h.addAll(twice);
        variant = "every header twice";
      }
    }
    return new HostileRecord(
        Kind.DUPLICATE_HEADERS, variant, identity, underTest.body().clone(), headers(h));
  }

  private HostileRecord longHeaders() {
    List<Header> h = validHeaders();
    String variant;
    Identity identity = Identity.REQUEST_ID;
    switch (random.nextInt(6)) {
      case 0 -> {
        replace(h, InferenceHeaders.MODEL, "m".repeat(LONG_HEADER_CHARS));
        variant = "model of " + LONG_HEADER_CHARS + " characters";
      }
      case 1 -> {
        String type =
            h.stream()
                .filter(x -> x.name().equals(InferenceHeaders.CONTENT_TYPE))
                .findFirst()
                .orElseThrow()
                .text();
        replace(h, InferenceHeaders.CONTENT_TYPE, type + ";" + " ".repeat(LONG_HEADER_CHARS));
        variant = "content-type with " + LONG_HEADER_CHARS + " trailing characters";
      }
      case 2 -> {
        h.add(header(InferenceHeaders.DEADLINE, "9".repeat(LONG_HEADER_CHARS)));
        variant = "deadline of " + LONG_HEADER_CHARS + " digits";
      }
      case 3 -> {
        identity = Identity.LONG_REQUEST_ID;
        variant = "request-id of " + LONG_HEADER_CHARS + "+ characters";
      }
      case 4 -> {
        h.add(header("x-junk", "j".repeat(4 * LONG_HEADER_CHARS)));
        variant = "an unknown header of " + 4 * LONG_HEADER_CHARS + " characters";
      }
      default -> {
        for (int i = 0; i < 1000; i++) {
          h.add(header("x-h" + i, "v"));
        }
        variant = "1000 extra headers";
      }
    }
    return new HostileRecord(
        Kind.LONG_HEADERS, variant, identity, underTest.body().clone(), headers(h));
  }

  private HostileRecord noRequestId() {
    List<Header> h = validHeaders();
    boolean empty = random.nextBoolean();
    if (empty) {
      h.add(header(InferenceHeaders.REQUEST_ID, ""));
    }
    return new HostileRecord(
        Kind.NO_REQUEST_ID,
        empty ? "no key, empty request-id" : "no key, no request-id",
        Identity.NONE,
        underTest.body().clone(),
        headers(h));
  }

  // ------------------------------------------------------------------ helpers

  private HostileRecord jsonRecord(Kind kind, String variant, byte[] body) {
    return new HostileRecord(kind, variant, Identity.REQUEST_ID, body, headers(jsonHeaders()));
  }

  /** A binary body from a new JSON part and the valid tensor bytes, with a matching length. */
  private HostileRecord binaryRecord(Kind kind, String variant, byte[] jsonPart, String length) {
    byte[] body = new byte[jsonPart.length + binary.length - binaryJsonLength];
    System.arraycopy(jsonPart, 0, body, 0, jsonPart.length);
    System.arraycopy(
        binary, binaryJsonLength, body, jsonPart.length, binary.length - binaryJsonLength);
    String header = length != null ? length : String.valueOf(jsonPart.length);
    return new HostileRecord(
        kind, variant, Identity.REQUEST_ID, body, headers(binaryHeaders(header)));
  }

  private HostileRecord headerAbuse(Kind kind, String variant, List<Header> h) {
    return new HostileRecord(
        kind, variant, Identity.REQUEST_ID, underTest.body().clone(), headers(h));
  }

  /** Model, content headers and reply address of the valid request in the load's encoding. */
  private List<Header> validHeaders() {
    return underTest.format() == RequestPayload.Format.BINARY
        ? binaryHeaders(String.valueOf(binaryJsonLength))
        : jsonHeaders();
  }

  private List<Header> jsonHeaders() {
    List<Header> h = new ArrayList<>();
    h.add(header(InferenceHeaders.MODEL, model));
    h.add(header(InferenceHeaders.CONTENT_TYPE, InferenceHeaders.CONTENT_TYPE_JSON));
    addReplyAddress(h);
    return h;
  }

  /**
   * @param length the inference-header-content-length value, or null for none
   */
  private List<Header> binaryHeaders(String length) {
    List<Header> h = new ArrayList<>();
    h.add(header(InferenceHeaders.MODEL, model));
    h.add(header(InferenceHeaders.CONTENT_TYPE, InferenceHeaders.CONTENT_TYPE_BINARY));
    if (length != null) {
      h.add(header(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH, length));
    }
    addReplyAddress(h);
    return h;
  }

  private void addReplyAddress(List<Header> h) {
    h.add(header(InferenceHeaders.REPLY_TOPIC, reply.topic()));
    h.add(header(InferenceHeaders.REPLY_PARTITION, String.valueOf(reply.partition())));
  }

  private String otherContentType() {
    return underTest.format() == RequestPayload.Format.BINARY
        ? InferenceHeaders.CONTENT_TYPE_JSON
        : InferenceHeaders.CONTENT_TYPE_BINARY;
  }

  /** Sets the header's value where it is, or removes it for {@code null}; adds it if absent. */
  private static void replace(List<Header> h, String name, String value) {
    for (int i = 0; i < h.size(); i++) {
      if (h.get(i).name().equals(name)) {
        if (value == null) {
          h.remove(i);
        } else {
          h.set(i, header(name, value));
        }
        return;
      }
    }
    if (value != null) {
      h.add(header(name, value));
    }
  }

  private static Header header(String name, String value) {
    return new Header(name, value.getBytes(StandardCharsets.UTF_8));
  }

  private static List<Header> headers(List<Header> h) {
    return List.copyOf(h);
  }

  private static ObjectNode firstInput(ObjectNode tree) {
    return (ObjectNode) tree.get("inputs").get(0);
  }

  /** Pads a shorter JSON body with trailing spaces to the valid body's length. */
  private byte[] pad(byte[] body) {
    if (body.length >= json.length) {
      return body;
    }
    byte[] padded = Arrays.copyOf(body, json.length);
    Arrays.fill(padded, body.length, padded.length, (byte) ' ');
    return padded;
  }

  private String hex(int digits) {
    StringBuilder s = new StringBuilder(digits);
    for (int i = 0; i < digits; i++) {
      s.append(Character.forDigit(random.nextInt(16), 16));
    }
    return s.toString();
  }

  private static String escape(String value) {
    StringBuilder s = new StringBuilder();
    for (char c : value.toCharArray()) {
      if (c < 0x20 || c > 0x7e) {
        s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  private static ObjectNode parse(byte[] body, int length) {
    try {
      JsonNode node = JSON.readTree(body, 0, length);
      if (!(node instanceof ObjectNode object)
          || !object.path("inputs").isArray()
          || object.path("inputs").isEmpty()) {
        throw new IllegalArgumentException("the valid request has no inputs");
      }
      return object;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] write(JsonNode tree) {
    try {
      return JSON.writeValueAsBytes(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
