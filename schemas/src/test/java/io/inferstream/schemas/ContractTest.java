package io.inferstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The JSON Schema files document exactly the names the Java contract uses. */
class ContractTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void everyHeaderDocumentedInASchemaIsAJavaConstantAndViceVersa() throws Exception {
    Set<String> documented = new HashSet<>();
    for (String file : List.of("inference-request", "inference-reply", "dead-letter")) {
      documented.addAll(headerNames(file));
    }
    Set<String> constants = new HashSet<>();
    for (Field field : InferenceHeaders.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && !field.getName().startsWith("CONTENT_TYPE_")) {
        constants.add((String) field.get(null));
      }
    }
    assertThat(documented).isEqualTo(constants);
  }

  @Test
  void schemaDatatypesAreExactlyTheSupportedOnes() throws Exception {
    JsonNode tensor = read("tensor");
    List<String> names = new ArrayList<>();
    tensor.at("/properties/datatype/enum").forEach(n -> names.add(n.asText()));
    assertThat(names)
        .containsExactlyInAnyOrder(
            java.util.Arrays.stream(DataType.values()).map(Enum::name).toArray(String[]::new));
  }

  @Test
  void modelSpecRoundTripsThroughJsonWithSnakeCaseNames() throws Exception {
    ModelSpec spec =
        new ModelSpec(
            "affine",
            3,
            List.of(
                new ModelVersionSpec(
                    "1.0.0",
                    "file:///m/affine/1/model.onnx",
                    "ab",
                    List.of(new TensorSpec("input", DataType.FP32, new long[] {-1, 4})),
                    List.of(new TensorSpec("output", DataType.FP32, new long[] {-1, 4})),
                    5L)),
            Map.of("prod", "1.0.0"),
            new BatchingConfig(64, List.of(8), 2000),
            2,
            Device.CPU);
    String json = MAPPER.writeValueAsString(spec);
    assertThat(json).contains("\"max_batch_size\":64", "\"artifact_uri\"", "\"device\":\"cpu\"");
    assertThat(MAPPER.readValue(json, ModelSpec.class)).isEqualTo(spec);
    assertThat(spec.resolve(null).version()).isEqualTo("1.0.0");
    assertThat(spec.resolve("1")).isNotNull();
    assertThat(spec.resolve("2.0.0")).isNull();
    assertThat(spec.resolve("canary")).isNull();
  }

  private static Set<String> headerNames(String file) throws Exception {
    Set<String> names = new HashSet<>();
    read(file).get("x-kafka-headers").fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static JsonNode read(String file) throws Exception {
    try (InputStream in =
        ContractTest.class.getResourceAsStream("/schemas/" + file + ".schema.json")) {
      assertThat(in).as(file).isNotNull();
      return MAPPER.readTree(in);
    }
  }
}
