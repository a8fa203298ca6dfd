package io.inferstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteSpecTest {

  @Test
  void ninetyTenSplitOverSequentialIdsIsNearNinetyTen() {
    RouteSpec route = new RouteSpec(Map.of("prod", 90, "canary", 10), null);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      counts.merge(route.pick("req-" + i), 1, Integer::sum);
    }
    assertThat(counts.get("canary")).isBetween(160, 240);
    assertThat(counts.get("prod") + counts.get("canary")).isEqualTo(2000);
  }

  @Test
  void pickIsDeterministicAndIndependentOfMapOrder() {
    Map<String, Integer> ordered = new java.util.LinkedHashMap<>();
    ordered.put("b", 50);
    ordered.put("a", 50);
    RouteSpec one = new RouteSpec(ordered, null);
    RouteSpec other = new RouteSpec(Map.of("a", 50, "b", 50), null);
    for (int i = 0; i < 100; i++) {
      assertThat(one.pick("id-" + i)).isEqualTo(other.pick("id-" + i));
    }
  }

  @Test
  void zeroWeightTargetIsNeverPicked() {
    RouteSpec route = new RouteSpec(Map.of("prod", 100, "staging", 0), null);
    for (int i = 0; i < 500; i++) {
      assertThat(route.pick("x" + i)).isEqualTo("prod");
    }
  }

  @Test
  void defaultsAndInvalidWeights() {
    assertThat(new RouteSpec(null, "").split()).containsExactly(Map.entry("prod", 100));
    assertThat(new RouteSpec(null, "").shadow()).isNull();
    assertThatThrownBy(() -> new RouteSpec(Map.of("prod", -1), null))
        .hasMessageContaining("must be >= 0");
    assertThatThrownBy(() -> new RouteSpec(Map.of("prod", 0), null))
        .hasMessageContaining("more than 0");
  }
}
