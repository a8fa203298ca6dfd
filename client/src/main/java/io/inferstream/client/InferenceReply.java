package io.inferstream.client;

import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceResponse;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** A reply record: its status, headers and body, decoded on demand. */
public final class InferenceReply {
  /** Status of a reply that carries no readable {@code status} header. */
  public static final int NO_STATUS = -1;

  private final String requestId;
  private final int status;
  private final Map<String, byte[]> headers;
  private final byte[] body;

  public InferenceReply(String requestId, int status, Map<String, byte[]> headers, byte[] body) {
    this.requestId = requestId;
    this.status = status;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    this.body = body == null ? new byte[0] : body;
  }

  /**
   * Reads a reply record. The request id comes from the {@code request-id} header, else the key; it
   * is null when the record has neither.
   */
  public static InferenceReply fromRecord(ConsumerRecord<byte[], byte[]> record) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    for (Header header : record.headers()) {
      headers.put(header.key(), header.value()); // the last of repeated headers wins
    }
    String requestId = utf8(headers.get(InferenceHeaders.REQUEST_ID));
    if (requestId == null) {
      requestId = utf8(record.key());
    }
    return new InferenceReply(
        requestId, parseStatus(headers.get(InferenceHeaders.STATUS)), headers, record.value());
  }

  public String requestId() {
    return requestId;
  }

  /** The HTTP-style {@code status} header, or {@link #NO_STATUS}. */
  public int status() {
    return status;
  }

  public boolean ok() {
    return status == ErrorCode.OK.status();
  }

  public Map<String, byte[]> headers() {
    return headers;
  }

  /** A header as a UTF-8 string, or null if absent. */
  public String header(String name) {
    return utf8(headers.get(name));
  }

  /** The raw body bytes. */
  public byte[] body() {
    return body;
  }

  /**
   * Decodes the body as an inference response (JSON or Triton binary).
   *
   * @throws IllegalStateException if the reply is an error
   * @throws io.inferstream.schemas.InferenceException if the body cannot be decoded
   */
  public InferenceResponse response() {
    if (!ok()) {
      throw new IllegalStateException(
          "reply to " + requestId + " is not a response but an error (status " + status + ")");
    }
    return InferenceCodec.decodeResponse(body, jsonLength());
  }

  /**
   * Decodes the body as an error.
   *
   * @throws IllegalStateException if the reply is a successful response
   * @throws io.inferstream.schemas.InferenceException if the body cannot be decoded
   */
  public ErrorBody error() {
    if (ok()) {
      throw new IllegalStateException("reply to " + requestId + " is a response, not an error");
    }
    return InferenceCodec.decodeError(body);
  }

  private int jsonLength() {
    String length = header(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH);
    if (length == null) {
      return -1;
    }
    try {
      int value = Integer.parseInt(length.trim());
      if (value < 0) {
        throw new NumberFormatException("negative");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "reply to "
              + requestId
              + " has an invalid "
              + InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH
              + " header '"
              + length
              + "'",
          e);
    }
  }

  private static int parseStatus(byte[] value) {
    String text = utf8(value);
    if (text == null) {
      return NO_STATUS;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return NO_STATUS;
    }
  }

  private static String utf8(byte[] value) {
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "InferenceReply{" + requestId + " status " + status + ", " + body.length + " bytes}";
  }
}
