package io.inferstream.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.schemas.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a tensor from a nested JSON array such as {@code [[1,2,3,4]]}: shape [1,4], row-major.
 * Elements are numbers or the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}.
 */
final class JsonTensors {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The strings the codec writes non-finite values as (standard JSON has no literal for them). */
  private static final Map<String, Float> NON_FINITE =
      Map.of(
          "NaN",
          Float.NaN,
          "Infinity",
          Float.POSITIVE_INFINITY,
          "-Infinity",
          Float.NEGATIVE_INFINITY);

  private JsonTensors() {}

  /**
   * Parses an FP32 tensor; the shape is the nesting of the arrays.
   *
   * @throws IllegalArgumentException naming where the array is not rectangular or not numeric
   */
  static Tensor fp32(String name, String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "input is not valid JSON: " + e.getOriginalMessage() + " (expected e.g. [[1,2,3,4]])");
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(
          "input must be a JSON array of numbers, nested one level per dimension, e.g."
              + " [[1,2,3,4]] for shape [1,4]");
    }
    List<Long> shape = new ArrayList<>();
    for (JsonNode node = root; node.isArray(); node = node.size() > 0 ? node.get(0) : null) {
      shape.add((long) node.size());
      if (node.size() == 0) {
        break;
      }
    }
    long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
    long count = Tensor.elementCount(dims);
    if (count > Integer.MAX_VALUE / 4) {
      throw new IllegalArgumentException("input has too many elements: " + count);
    }
    float[] values = new float[(int) count];
    int[] filled = {0};
    collect(root, dims, 0, "", values, filled);
    return Tensor.ofFloats(name, dims, values);
  }

  private static void collect(
      JsonNode node, long[] dims, int depth, String path, float[] values, int[] filled) {
    String where = path.isEmpty() ? "the input" : "element " + path;
    if (depth == dims.length) {
      if (node.isTextual() && NON_FINITE.containsKey(node.textValue())) {
        values[filled[0]++] = NON_FINITE.get(node.textValue());
        return;
      }
      if (!node.isNumber()) {
        throw new IllegalArgumentException(
            where
                + " is "
                + (node.isArray() ? "an array" : node.toString())
                + ", expected a number (all rows must have the same nesting)");
      }
      values[filled[0]++] = node.floatValue();
      return;
    }
    if (!node.isArray()) {
      throw new IllegalArgumentException(
          where + " is " + node + ", expected an array of " + dims[depth] + " (ragged input)");
    }
    if (node.size() != dims[depth]) {
      throw new IllegalArgumentException(
          where
              + " has "
              + node.size()
              + " elements, expected "
              + dims[depth]
              + " like the first one (the input must be rectangular)");
    }
    for (int i = 0; i < node.size(); i++) {
      collect(node.get(i), dims, depth + 1, path + "[" + i + "]", values, filled);
    }
  }
}
