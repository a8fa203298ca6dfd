package io.inferstream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferstream.schemas.Device;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A change to a model's serving settings; null fields stay as they are. Parsed from the JSON body
 * of {@code PATCH /api/v1/models/{m}/settings}:
 *
 * <pre>{"batching": {"max_batch_size": 64, "preferred_batch_size": [32],
 *  "max_queue_delay_microseconds": 1000}, "replicas": 2, "device": "cpu",
 *  "cost_weight": 1.5, "idle_unload_timeout_seconds": 600}</pre>
 */
public record SettingsPatch(
    Integer maxBatchSize,
    List<Integer> preferredBatchSize,
    Long maxQueueDelayMicroseconds,
    Integer replicas,
    Device device,
    Double costWeight,
    Long idleUnloadTimeoutSeconds) {

  /** More replicas than any cluster has subtasks is surely a typo. */
  public static final int MAX_REPLICAS = 1024;

  private static final Set<String> FIELDS =
      Set.of("batching", "replicas", "device", "cost_weight", "idle_unload_timeout_seconds");
  private static final Set<String> BATCHING_FIELDS =
      Set.of("max_batch_size", "preferred_batch_size", "max_queue_delay_microseconds");

  public boolean isEmpty() {
    return maxBatchSize == null
        && preferredBatchSize == null
        && maxQueueDelayMicroseconds == null
        && replicas == null
        && device == null
        && costWeight == null
        && idleUnloadTimeoutSeconds == null;
  }

  /**
   * Reads a patch; a field of the wrong type, out of range or unknown is a 400 naming the field.
   */
  public static SettingsPatch parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw RegistryException.badRequest("settings body must be a JSON object");
    }
    requireKnown(body, FIELDS, "");
    Integer maxBatchSize = null;
    List<Integer> preferred = null;
    Long maxQueueDelay = null;
    JsonNode batching = body.get("batching");
    if (batching != null && !batching.isNull()) {
      if (!batching.isObject()) {
        throw RegistryException.badRequest("batching must be an object");
      }
      requireKnown(batching, BATCHING_FIELDS, "batching.");
      maxBatchSize = intField(batching, "max_batch_size", "batching.max_batch_size", 1);
      maxQueueDelay =
          longField(
              batching, "max_queue_delay_microseconds", "batching.max_queue_delay_microseconds", 0);
      JsonNode list = batching.get("preferred_batch_size");
      if (list != null && !list.isNull()) {
        preferred = new ArrayList<>();
        if (list.isIntegralNumber()) {
          preferred.add(checkInt(list, "batching.preferred_batch_size", 1));
        } else if (list.isArray()) {
          for (JsonNode item : list) {
            preferred.add(checkInt(item, "batching.preferred_batch_size", 1));
          }
        } else {
          throw RegistryException.badRequest(
              "batching.preferred_batch_size must be a list of integers >= 1, got " + list);
        }
      }
    }
    Integer replicas = intField(body, "replicas", "replicas", 1);
    if (replicas != null && replicas > MAX_REPLICAS) {
      throw RegistryException.badRequest(
          "replicas must be within 1.." + MAX_REPLICAS + ", got " + replicas);
    }
    Device device = null;
    JsonNode deviceNode = body.get("device");
    if (deviceNode != null && !deviceNode.isNull()) {
      if (!deviceNode.isTextual()) {
        throw RegistryException.badRequest(
            "device must be one of auto, cpu, cuda, got " + deviceNode);
      }
      try {
        device = Device.parse(deviceNode.asText());
      } catch (IllegalArgumentException e) {
        throw RegistryException.badRequest("device: " + e.getMessage());
      }
    }
    Double costWeight = null;
    JsonNode cost = body.get("cost_weight");
    if (cost != null && !cost.isNull()) {
      if (!cost.isNumber() || !(cost.asDouble() > 0) || Double.isInfinite(cost.asDouble())) {
        throw RegistryException.badRequest("cost_weight must be a number > 0, got " + cost);
      }
      costWeight = cost.asDouble();
    }
    Long idle = longField(body, "idle_unload_timeout_seconds", "idle_unload_timeout_seconds", 0);
    SettingsPatch patch =
        new SettingsPatch(
            maxBatchSize, preferred, maxQueueDelay, replicas, device, costWeight, idle);
    if (patch.isEmpty()) {
      throw RegistryException.badRequest(
          "settings body changes nothing: give any of batching, replicas, device, cost_weight,"
              + " idle_unload_timeout_seconds");
    }
    return patch;
  }

  private static void requireKnown(JsonNode object, Set<String> known, String prefix) {
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      String field = it.next().getKey();
      if (!known.contains(field)) {
        throw RegistryException.badRequest(
            "unknown setting '"
                + prefix
                + field
                + "'; known: "
                + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }

  private static Integer intField(JsonNode object, String field, String path, int min) {
    JsonNode node = object.get(field);
    return node == null || node.isNull() ? null : checkInt(node, path, min);
  }

  private static int checkInt(JsonNode node, String path, int min) {
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < min) {
      throw RegistryException.badRequest(path + " must be an integer >= " + min + ", got " + node);
    }
    return node.asInt();
  }

  private static Long longField(JsonNode object, String field, String path, long min) {
    JsonNode node = object.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < min) {
      throw RegistryException.badRequest(path + " must be an integer >= " + min + ", got " + node);
    }
    return node.asLong();
  }
}
