package io.inferstream.schemas;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model's default route: a weighted split over aliases or versions ({@code {"prod": 100}} unless
 * set) and an optional shadow that gets a copy of the traffic but never replies. The pick is
 * deterministic by request id, so a retried request lands on the same target on every task manager.
 */
public record RouteSpec(Map<String, Integer> split, String shadow) implements Serializable {

  public static final RouteSpec DEFAULT = new RouteSpec(Map.of(ModelSpec.PROD, 100), null);

  public RouteSpec {
    // sorted, so every task manager walks the targets in the same order
    split =
        split == null || split.isEmpty()
            ? DEFAULT.split
            : Collections.unmodifiableSortedMap(new TreeMap<>(split));
    long total = 0;
    for (Map.Entry<String, Integer> target : split.entrySet()) {
      if (target.getKey() == null || target.getKey().isEmpty()) {
        throw new IllegalArgumentException("split target must be an alias or a version");
      }
      if (target.getValue() == null || target.getValue() < 0) {
        throw new IllegalArgumentException(
            "split weight of '" + target.getKey() + "' must be >= 0, got " + target.getValue());
      }
      total += target.getValue();
    }
    if (total <= 0) {
      throw new IllegalArgumentException("split weights must add up to more than 0");
    }
    shadow = shadow == null || shadow.isEmpty() ? null : shadow;
  }

  /** The split target (an alias or a version) of a request, by a hash of its id. */
  public String pick(String requestId) {
    long total = 0;
    for (int weight : split.values()) {
      total += weight;
    }
    long point = Math.floorMod(mix(requestId.hashCode()), total);
    for (Map.Entry<String, Integer> target : split.entrySet()) {
      point -= target.getValue();
      if (point < 0) {
        return target.getKey();
      }
    }
    throw new IllegalStateException("unreachable: weights add up to " + total);
  }

  /** MurmurHash3's 64-bit finalizer: spreads sequential ids such as {@code req-1, req-2}. */
  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
