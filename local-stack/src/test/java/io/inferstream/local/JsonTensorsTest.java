package io.inferstream.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.schemas.DataType;
import io.inferstream.schemas.Tensor;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JsonTensorsTest {
  @Test
  void theNestingIsTheShape() {
    Tensor t = JsonTensors.fp32("input", "[[1,2,3,4],[0.5,-1,0,1e3]]");
    assertThat(t.name()).isEqualTo("input");
    assertThat(t.datatype()).isEqualTo(DataType.FP32);
    assertThat(t.shape()).containsExactly(2, 4);
    assertThat(t.asFloats()).containsExactly(1, 2, 3, 4, 0.5f, -1, 0, 1000);

    assertThat(JsonTensors.fp32("x", "[7]").shape()).containsExactly(1);
    assertThat(JsonTensors.fp32("x", "[[\"NaN\",\"Infinity\",\"-Infinity\",1]]").asFloats())
        .containsExactly(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f);
    assertThat(JsonTensors.fp32("x", "[[[1],[2]]]").shape()).containsExactly(1, 2, 1);
    assertThat(JsonTensors.fp32("x", "[]").shape()).containsExactly(0);
  }

  @Test
  void raggedOrNonNumericInputIsRefusedWithItsPosition() {
    assertThatThrownBy(() -> JsonTensors.fp32("x", "[[1,2],[3]]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("element [1] has 1 elements, expected 2");
    assertThatThrownBy(() -> JsonTensors.fp32("x", "[[1,2],[3,[4]]]"))
        .hasMessageContaining("element [1][1]");
    assertThatThrownBy(() -> JsonTensors.fp32("x", "[[1,\"a\"]]"))
        .hasMessageContaining("element [0][1] is \"a\"");
    assertThatThrownBy(() -> JsonTensors.fp32("x", "[[1,2]"))
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> JsonTensors.fp32("x", "{\"a\":1}"))
        .hasMessageContaining("must be a JSON array");
  }

  @Test
  void timeoutsReadAsUsersWriteThem() {
    InferCommand.TimeoutConverter converter = new InferCommand.TimeoutConverter();
    assertThat(converter.convert("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(converter.convert("1.5")).isEqualTo(Duration.ofMillis(1500));
    assertThat(converter.convert("PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThatThrownBy(() -> converter.convert("soon")).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> converter.convert("0s")).hasMessageContaining("positive");
  }
}
