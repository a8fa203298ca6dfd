package io.inferstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Tensor;
import io.inferstream.topics.InferenceTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class InferenceClientTest {

  @Test
  void buildWithoutBootstrapServersNamesTheSetting() {
    assertThatThrownBy(() -> InferenceClient.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bootstrapServers");
  }

  @Test
  void blankTopicsAreRefused() {
    assertThatThrownBy(() -> valid().requestTopic(" ").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requestTopic");
    assertThatThrownBy(() -> valid().replyTopic(null).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replyTopic");
  }

  @Test
  void negativeReplyPartitionIsRefused() {
    assertThatThrownBy(() -> valid().replyPartition(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replyPartition must be >= 0, was -1");
  }

  @Test
  void nonPositiveTimeoutIsRefused() {
    assertThatThrownBy(() -> valid().defaultTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defaultTimeout");
    assertThatThrownBy(() -> valid().defaultTimeout(null).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defaultTimeout");
  }

  @Test
  void propertiesTheClientOwnsCannotBeOverridden() {
    assertThatThrownBy(
            () -> valid().producerProperty("value.serializer", "StringSerializer").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("producerProperty 'value.serializer'");
    assertThatThrownBy(() -> valid().consumerProperty("isolation.level", "read_committed").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("consumerProperty 'isolation.level'");
  }

  @Test
  void validSettingsPassTheSanityCheck() {
    valid().producerProperty("client.id", "test").sanityCheck();
  }

  @Test
  void aCallNeedsAModelAndARequest() {
    InferenceRequest request = InferenceRequest.of(null, Tensor.ofFloats("x", new long[] {1}, 1));
    assertThatThrownBy(() -> InferenceCall.builder().request(request).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model");
    assertThatThrownBy(() -> InferenceCall.builder().model("affine").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("request");

    InferenceCall call = InferenceCall.builder().model("affine").request(request).build();
    assertThat(call.requestId()).isNotBlank();
    assertThat(call.binary()).isFalse();
    assertThat(call.timeout()).isEmpty();
  }

  @Test
  void aReplyTakesItsIdFromTheHeaderElseTheKey() {
    ConsumerRecord<byte[], byte[]> keyed =
        new ConsumerRecord<>(InferenceTopics.REPLIES, 0, 0L, utf8("from-key"), utf8("{}"));
    keyed.headers().add(InferenceHeaders.STATUS, utf8("504"));
    assertThat(InferenceReply.fromRecord(keyed).requestId()).isEqualTo("from-key");
    assertThat(InferenceReply.fromRecord(keyed).status()).isEqualTo(504);

    keyed.headers().add(InferenceHeaders.REQUEST_ID, utf8("from-header"));
    assertThat(InferenceReply.fromRecord(keyed).requestId()).isEqualTo("from-header");

    ConsumerRecord<byte[], byte[]> anonymous =
        new ConsumerRecord<>(InferenceTopics.REPLIES, 0, 0L, null, utf8("{}"));
    assertThat(InferenceReply.fromRecord(anonymous).requestId()).isNull();
    assertThat(InferenceReply.fromRecord(anonymous).status()).isEqualTo(InferenceReply.NO_STATUS);
  }

  @Test
  void aReplyDecodesItsBinaryResponseOrItsError() {
    InferenceResponse response =
        new InferenceResponse(
            "affine", "1.0.0", "id", Map.of(), List.of(Tensor.ofFloats("y", new long[] {2}, 3, 5)));
    InferenceCodec.EncodedBody body = InferenceCodec.encodeResponse(response, name -> true);
    InferenceReply ok =
        new InferenceReply(
            "id",
            200,
            Map.of(
                InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
                utf8(String.valueOf(body.jsonLength()))),
            body.bytes());
    assertThat(ok.ok()).isTrue();
    assertThat(ok.response().output("y").asFloats()).containsExactly(3, 5);
    assertThatThrownBy(ok::error).isInstanceOf(IllegalStateException.class);

    InferenceReply error =
        new InferenceReply(
            "id",
            404,
            Map.of(),
            InferenceCodec.encodeError(new ErrorBody("unknown model 'x'", 404, "id")));
    assertThat(error.ok()).isFalse();
    assertThat(error.error().error()).isEqualTo("unknown model 'x'");
    assertThatThrownBy(error::response)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("status 404");
  }

  @Test
  void aReplyWithNonFiniteFloatsDecodes() {
    // the body the job writes for outputs NaN, +Infinity, -Infinity and 3
    byte[] body =
        utf8(
            "{\"model_name\":\"affine\",\"model_version\":\"1.0.0\",\"id\":\"r\",\"outputs\":"
                + "[{\"name\":\"output\",\"datatype\":\"FP32\",\"shape\":[4],"
                + "\"data\":[\"NaN\",\"Infinity\",\"-Infinity\",3.0]}]}");
    InferenceReply reply = new InferenceReply("r", 200, Map.of(), body);
    assertThat(reply.response().output("output").asFloats())
        .containsExactly(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3f);
  }

  @Test
  void aHostileReplyBodyIsADecodingErrorNotACrash() {
    byte[] bomb =
        utf8(
            "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\","
                + "\"shape\":[4611686018427387904],\"data\":[1]}]}");
    assertThatThrownBy(() -> new InferenceReply("r", 200, Map.of(), bomb).response())
        .isInstanceOf(InferenceException.class);
    InferenceReply negative =
        new InferenceReply(
            "r", 200, Map.of(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH, utf8("-3")), bomb);
    assertThatThrownBy(negative::response)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("invalid inference-header-content-length");
  }

  private static InferenceClient.Builder valid() {
    return InferenceClient.builder().bootstrapServers("localhost:1");
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
