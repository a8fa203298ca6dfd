package io.inferstream.job.records;

import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.topics.InferenceTopics;
import java.nio.charset.StandardCharsets;

/** Builds the records the sink writes: error replies, result replies and dead letters. */
public final class Replies {
  /** Error messages quote what requests carry; bounded, so an error reply stays small. */
  static final int MAX_ERROR_MESSAGE = 2048;

  private Replies() {}

  public static OutboundRecord error(
      String requestId, String replyTopic, int replyPartition, ErrorCode code, String message) {
    byte[] body =
        InferenceCodec.encodeError(new ErrorBody(bounded(message), code.status(), requestId));
    return reply(
        requestId,
        replyTopic,
        replyPartition,
        code.status(),
        body,
        InferenceHeaders.CONTENT_TYPE_JSON,
        -1);
  }

  public static OutboundRecord error(ServingRequest request, ErrorCode code, String message) {
    return forShadow(
        request,
        error(request.requestId, request.replyTopic, request.replyPartition, code, message),
        null);
  }

  /**
   * Marks the record of a request that takes part in a shadow comparison: the shadow copy's record
   * is never sent, and both carry what the comparison needs.
   */
  public static OutboundRecord forShadow(
      ServingRequest request, OutboundRecord record, TensorData[] outputs) {
    if (request.shadow || request.shadowed) {
      record.shadow = request.shadow;
      record.model = request.model;
      record.version = request.version;
      record.outputs = outputs;
    }
    return record;
  }

  /**
   * The result reply for one request, or an error reply when the encoded result is larger than
   * {@code maxReplyBytes}: a reply the broker would refuse must never reach the sink.
   */
  public static OutboundRecord result(
      ServingRequest request, InferenceResponse response, int maxReplyBytes) {
    InferenceCodec.EncodedBody body = InferenceCodec.encodeResponse(response, request::wantsBinary);
    if (body.bytes().length > maxReplyBytes) {
      return error(
          request,
          ErrorCode.INTERNAL,
          "reply of "
              + body.bytes().length
              + " bytes exceeds the reply limit of "
              + maxReplyBytes
              + " bytes (inference.reply.max-bytes)");
    }
    return reply(
        request.requestId,
        request.replyTopic,
        request.replyPartition,
        ErrorCode.OK.status(),
        body.bytes(),
        body.binary() ? InferenceHeaders.CONTENT_TYPE_BINARY : InferenceHeaders.CONTENT_TYPE_JSON,
        body.jsonLength());
  }

  /**
   * The raw record with its original headers (but never {@code api-key}, a secret) plus where it
   * came from and why it was rejected. A record too large to carry the extra headers within {@link
   * InferenceTopics#MAX_RECORD_BYTES} loses its value (header {@code dead-letter-value-dropped}
   * says how many bytes): a dead letter the producer would refuse must never reach the sink.
   */
  public static OutboundRecord deadLetter(RawRequest raw, String deadLetterTopic, String reason) {
    int headers = raw.headerNames == null ? 0 : raw.headerNames.length;
    String[] names = new String[headers + 5];
    byte[][] values = new byte[headers + 5][];
    long size = (raw.key == null ? 0 : raw.key.length) + raw.valueSize();
    int n = 0;
    for (int i = 0; i < headers; i++) {
      if (InferenceHeaders.API_KEY.equalsIgnoreCase(raw.headerNames[i])) {
        continue; // a secret: it never leaves the job, not even to whoever reads dead letters
      }
      names[n] = raw.headerNames[i];
      values[n] = raw.headerValues[i];
      size += utf8(names[n]).length + (values[n] == null ? 0 : values[n].length);
      n++;
    }
    names[n] = InferenceHeaders.DEAD_LETTER_REASON;
    values[n] = utf8(bounded(reason));
    names[n + 1] = InferenceHeaders.DEAD_LETTER_TOPIC;
    values[n + 1] = utf8(raw.topic);
    names[n + 2] = InferenceHeaders.DEAD_LETTER_PARTITION;
    values[n + 2] = utf8(Integer.toString(raw.partition));
    names[n + 3] = InferenceHeaders.DEAD_LETTER_OFFSET;
    values[n + 3] = utf8(Long.toString(raw.offset));
    for (int i = n; i < n + 4; i++) {
      size += names[i].length() + values[i].length;
    }
    OutboundRecord record = new OutboundRecord();
    record.topic = deadLetterTopic;
    record.key = raw.key;
    record.value = raw.value;
    int used = n + 4;
    if (size + InferenceTopics.RECORD_OVERHEAD_BYTES > InferenceTopics.MAX_RECORD_BYTES) {
      record.value = null;
      names[n + 4] = InferenceHeaders.DEAD_LETTER_VALUE_DROPPED;
      values[n + 4] = utf8(Integer.toString(raw.valueSize()));
      used = n + 5;
    }
    record.headerNames = java.util.Arrays.copyOf(names, used);
    record.headerValues = java.util.Arrays.copyOf(values, used);
    return record;
  }

  /** An error message of at most {@link #MAX_ERROR_MESSAGE} characters. */
  static String bounded(String message) {
    if (message == null || message.length() <= MAX_ERROR_MESSAGE) {
      return message;
    }
    return message.substring(0, MAX_ERROR_MESSAGE) + "... (truncated)";
  }

  private static OutboundRecord reply(
      String requestId,
      String topic,
      int partition,
      int status,
      byte[] body,
      String contentType,
      int jsonLength) {
    OutboundRecord record = new OutboundRecord();
    record.topic = topic;
    record.partition = partition;
    record.key = utf8(requestId);
    record.value = body;
    record.status = status;
    boolean binary = jsonLength >= 0;
    record.headerNames =
        binary
            ? new String[] {
              InferenceHeaders.REQUEST_ID,
              InferenceHeaders.STATUS,
              InferenceHeaders.CONTENT_TYPE,
              InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH
            }
            : new String[] {
              InferenceHeaders.REQUEST_ID, InferenceHeaders.STATUS, InferenceHeaders.CONTENT_TYPE
            };
    record.headerValues =
        binary
            ? new byte[][] {
              utf8(requestId),
              utf8(Integer.toString(status)),
              utf8(contentType),
              utf8(Integer.toString(jsonLength))
            }
            : new byte[][] {utf8(requestId), utf8(Integer.toString(status)), utf8(contentType)};
    return record;
  }

  private static byte[] utf8(String value) {
    return value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
  }
}
