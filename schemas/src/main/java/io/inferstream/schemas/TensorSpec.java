package io.inferstream.schemas;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/** A model input or output signature; -1 marks a dynamic dimension. */
public record TensorSpec(String name, DataType datatype, long[] shape) implements Serializable {

  /** Whether a concrete shape fits this signature's shape. */
  public boolean accepts(long[] concrete) {
    if (concrete.length != shape.length) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] >= 0 && shape[i] != concrete[i]) {
        return false;
      }
    }
    return true;
  }

  public String shapeString() {
    return Tensor.shapeString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec other
        && name.equals(other.name)
        && datatype == other.datatype
        && Arrays.equals(shape, other.shape);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, datatype, Arrays.hashCode(shape));
  }

  @Override
  public String toString() {
    return name + ":" + datatype + shapeString();
  }
}
