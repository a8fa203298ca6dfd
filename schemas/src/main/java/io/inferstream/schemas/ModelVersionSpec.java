package io.inferstream.schemas;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.Serializable;
import java.util.List;

/** One version of a model: where its artifact lives, its checksum and its signature. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ModelVersionSpec(
    String version,
    String artifactUri,
    String sha256,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs,
    long createdMillis)
    implements Serializable {

  public ModelVersionSpec {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public TensorSpec input(String name) {
    for (TensorSpec input : inputs) {
      if (input.name().equals(name)) {
        return input;
      }
    }
    return null;
  }
}
