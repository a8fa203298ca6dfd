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
  void schemaNamesTheNonFiniteFloatStringsTheCodecWritesAndReads() throws Exception {
    List<String> names = new ArrayList<>();
    read("tensor").at("/$defs/nonFinite/enum").forEach(n -> names.add(n.asText()));
    assertThat(names)
        .containsExactly(
            TensorDataReader.NAN,
            TensorDataReader.POSITIVE_INFINITY,
            TensorDataReader.NEGATIVE_INFINITY);
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
            new RouteSpec(Map.of("prod", 90, "1.0.0", 10), "prod"),
            new BatchingConfig(64, List.of(8), 2000),
            2,
            Device.CPU,
            2.5,
            600);
    String json = MAPPER.writeValueAsString(spec);
    assertThat(json)
        .contains(
            "\"max_batch_size\":64",
            "\"artifact_uri\"",
            "\"device\":\"cpu\"",
            "\"route\":{\"split\":{\"1.0.0\":10,\"prod\":90},\"shadow\":\"prod\"}",
            "\"cost_weight\":2.5",
            "\"idle_unload_timeout_seconds\":600");
    assertThat(MAPPER.readValue(json, ModelSpec.class)).isEqualTo(spec);
    assertThat(spec.resolve(null).version()).isEqualTo("1.0.0");
    assertThat(spec.resolve("1")).isNotNull();
    assertThat(spec.resolve("2.0.0")).isNull();
    assertThat(spec.resolve("canary")).isNull();
  }

  @Test
  void modelSpecFromMinimalJsonGetsDefaults() throws Exception {
    ModelSpec spec =
        MAPPER.readValue(
            "{\"name\":\"m\",\"revision\":1,\"versions\":[],"
                + "\"batching\":{\"max_batch_size\":8},\"replicas\":1}",
            ModelSpec.class);
    assertThat(spec.route()).isEqualTo(RouteSpec.DEFAULT);
    assertThat(spec.device()).isEqualTo(Device.AUTO);
    assertThat(spec.costWeight()).isEqualTo(1.0);
    assertThat(spec.idleUnloadTimeoutSeconds()).isZero();
  }

  @Test
  void modelSpecSchemaNamesEveryField() throws Exception {
    Set<String> documented = new HashSet<>();
    read("model-spec").get("properties").fieldNames().forEachRemaining(documented::add);
    Set<String> written = new HashSet<>();
    MAPPER
        .readTree(
            MAPPER.writeValueAsString(
                new ModelSpec(
                    "m",
                    1,
                    List.of(),
                    Map.of(),
                    null,
                    new BatchingConfig(1, null, 0),
                    1,
                    null,
                    1,
                    0)))
        .fieldNames()
        .forEachRemaining(written::add);
    assertThat(documented).isEqualTo(written);
  }

  @Test
  void statusEventRoundTripsAndMatchesItsSchema() throws Exception {
    ModelStatusEvent event =
        new ModelStatusEvent(
            "affine",
            "2.0.0",
            "ab",
            ModelStatusEvent.State.FAILED,
            "tm-1",
            "cpu",
            "cannot load",
            12,
            34,
            new ModelStatusEvent.ShadowReport("1.0.0", "2.0.0", 5, 5, 5, 4, 1, 0.5));
    String json = MAPPER.writeValueAsString(event);
    assertThat(MAPPER.readValue(json, ModelStatusEvent.class)).isEqualTo(event);
    Set<String> documented = new HashSet<>();
    read("model-status").get("properties").fieldNames().forEachRemaining(documented::add);
    Set<String> written = new HashSet<>();
    MAPPER.readTree(json).fieldNames().forEachRemaining(written::add);
    assertThat(documented).isEqualTo(written);
    Set<String> states = new HashSet<>();
    read("model-status").at("/properties/state/enum").forEach(n -> states.add(n.asText()));
    assertThat(states)
        .containsExactlyInAnyOrder(
            java.util.Arrays.stream(ModelStatusEvent.State.values())
                .map(Enum::name)
                .toArray(String[]::new));
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
