package io.inferstream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.job.TestModels;
import io.inferstream.job.model.ModelSpecs;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.RegistryUpdate;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.ServingTarget;
import io.inferstream.job.runtime.ModelSessions;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.Priority;
import io.inferstream.schemas.RouteSpec;
import io.inferstream.testing.ModelSpecBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router on Flink's keyed broadcast harness, with a fake session cache. */
class ModelRouterTest {
  private static final BatchingConfig BATCHING = new BatchingConfig(8, List.of(), 1000);

  /** Session keys the fake cache reports ready, and what the router asked it to preload. */
  static final Set<String> READY = ConcurrentHashMap.newKeySet();

  static final List<String> PRELOADED = new CopyOnWriteArrayList<>();

  private static final ModelSessions.Factory FAKE_SESSIONS =
      gpuIndex ->
          new ModelSessions() {
            @Override
            public boolean isReady(ServingTarget target) {
              return READY.contains(target.version);
            }

            @Override
            public void preload(ServingTarget target) {
              PRELOADED.add(target.version);
            }

            @Override
            public void close() {}
          };

  private KeyedBroadcastOperatorTestHarness<String, ServingRequest, RegistryUpdate, ServingRequest>
      harness;

  @BeforeEach
  void open() throws Exception {
    READY.clear();
    PRELOADED.clear();
    harness =
        ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
            new ModelRouter(FAKE_SESSIONS, 5_000),
            r -> r.routingKey,
            Types.STRING,
            ModelSpecs.DESCRIPTOR);
    harness.setProcessingTime(1_000);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  /** affine with versions 1.0.0 (sha 1…), 2.0.0 (sha 2…), 3.0.0 (sha 3…). */
  private static ModelSpec spec(long revision, Map<String, String> aliases, RouteSpec route) {
    ModelSpecBuilder spec =
        ModelSpecBuilder.model("affine")
            .revision(revision)
            .aliases(aliases)
            .route(route)
            .batching(BATCHING)
            .device(Device.CPU);
    for (int v = 1; v <= 3; v++) {
      spec.version(
          ModelSpecBuilder.affineVersion(
              v + ".0.0", "file:///m/" + v, String.valueOf(v).repeat(64)));
    }
    return spec.build();
  }

  private void publish(ModelSpec spec) throws Exception {
    harness.processBroadcastElement(
        new RegistryUpdate(spec.name(), spec.revision(), ModelSpecs.toJson(spec)), 0);
  }

  private ServingRequest send(String id, String version) throws Exception {
    ServingRequest request = TestModels.request(id, 1, Priority.NORMAL);
    request.requestedVersion = version;
    request.version = null;
    request.batchGroup = null;
    int before = harness.extractOutputValues().size();
    harness.processElement(request, 0);
    List<ServingRequest> out = harness.extractOutputValues();
    return out.size() > before ? out.get(before) : null;
  }

  private List<OutboundRecord> rejected() {
    List<OutboundRecord> records = new ArrayList<>();
    var queue = harness.getSideOutput(OperatorOutputs.REJECTED);
    if (queue != null) {
      queue.forEach(r -> records.add(((StreamRecord<OutboundRecord>) r).getValue()));
    }
    return records;
  }

  @Test
  void routesByVersionAliasLatestAndTheWeightedSplit() throws Exception {
    publish(
        spec(
            1,
            Map.of("prod", "1.0.0", "canary", "2.0.0"),
            new RouteSpec(Map.of("prod", 90, "canary", 10), null)));
    assertThat(send("a", "3.0.0").version).isEqualTo("3.0.0");
    assertThat(send("b", "canary").version).isEqualTo("2.0.0");
    assertThat(send("c", "latest").version).isEqualTo("3.0.0");
    assertThat(send("d", "prod").target.sha256).isEqualTo("1".repeat(64));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      counts.merge(send("req-" + i, null).version, 1, Integer::sum);
    }
    assertThat(counts.get("2.0.0")).isBetween(160, 240);
    assertThat(counts.get("1.0.0") + counts.get("2.0.0")).isEqualTo(2000);
    // the same id lands on the same version
    for (int i = 0; i < 50; i++) {
      assertThat(send("req-" + i, null).version).isEqualTo(send("req-" + i, null).version);
    }
    assertThat(rejected()).isEmpty();
  }

  @Test
  void unknownVersionAndUnknownModelGet404() throws Exception {
    publish(spec(1, Map.of("prod", "1.0.0"), null));
    assertThat(send("x", "9.0.0")).isNull();
    harness.setProcessingTime(10_000); // past the unknown-model window
    ServingRequest other = TestModels.request("y", 1, Priority.NORMAL);
    other.model = "nope";
    other.routingKey = "nope";
    harness.processElement(other, 0);
    assertThat(rejected()).extracting(r -> r.status).containsExactly(404, 404);
    assertThat(InferenceCodec.decodeError(rejected().get(0).value).error())
        .contains("no version or alias '9.0.0'");
    assertThat(InferenceCodec.decodeError(rejected().get(1).value).error())
        .contains("model 'nope' is not served (models: affine)");
  }

  @Test
  void staleAndRepeatedRevisionsAreIgnoredAndATombstoneDeletes() throws Exception {
    publish(spec(2, Map.of("prod", "2.0.0"), null));
    publish(spec(1, Map.of("prod", "1.0.0"), null)); // older: ignored
    publish(spec(2, Map.of("prod", "3.0.0"), null)); // same revision: ignored
    assertThat(send("a", "prod").version).isEqualTo("2.0.0");
    publish(spec(3, Map.of("prod", "3.0.0"), null));
    assertThat(send("b", "3.0.0").version).isEqualTo("3.0.0");
    harness.processBroadcastElement(new RegistryUpdate("affine", Long.MAX_VALUE, null), 0);
    assertThat(harness.getBroadcastState(ModelSpecs.DESCRIPTOR).contains("affine")).isFalse();
    harness.setProcessingTime(10_000);
    assertThat(send("c", "prod")).isNull();
    assertThat(rejected()).extracting(r -> r.status).containsExactly(404);
  }

  @Test
  void promotedVersionGetsTrafficOnlyOnceThisTaskManagerHasItReady() throws Exception {
    publish(spec(1, Map.of("prod", "1.0.0"), null));
    READY.add("1.0.0");
    assertThat(send("a", null).version).isEqualTo("1.0.0");
    publish(spec(2, Map.of("prod", "2.0.0"), null)); // promote 2.0.0
    assertThat(PRELOADED).containsExactly("2.0.0"); // preloaded on the update, before traffic
    assertThat(send("b", null).version).isEqualTo("1.0.0");
    assertThat(send("c", "prod").version).isEqualTo("1.0.0"); // the header names the same alias
    assertThat(send("c", "2.0.0").version).isEqualTo("2.0.0"); // an explicit version: direct
    READY.add("2.0.0");
    assertThat(send("d", null).version).isEqualTo("2.0.0");
    assertThat(send("e", null).version).isEqualTo("2.0.0");
  }

  @Test
  void shadowGetsACopyThatNeverRepliesAndExplicitVersionsAreNotShadowed() throws Exception {
    publish(
        spec(
            1,
            Map.of("prod", "1.0.0", "staging", "2.0.0"),
            new RouteSpec(Map.of("prod", 100), "staging")));
    harness.processElement(withVersion(TestModels.request("a", 1, Priority.NORMAL), null), 0);
    List<ServingRequest> out = harness.extractOutputValues();
    assertThat(out).hasSize(2);
    assertThat(out.get(0).version).isEqualTo("1.0.0");
    assertThat(out.get(0).shadowed).isTrue();
    assertThat(out.get(0).shadow).isFalse();
    assertThat(out.get(1).version).isEqualTo("2.0.0");
    assertThat(out.get(1).shadow).isTrue();
    assertThat(out.get(1).requestId).isEqualTo("a");
    assertThat(out.get(1).batchGroup).startsWith("2.0.0|");
    harness.processElement(withVersion(TestModels.request("b", 1, Priority.NORMAL), "1.0.0"), 0);
    assertThat(harness.extractOutputValues()).hasSize(3);
    assertThat(harness.extractOutputValues().get(2).shadowed).isFalse();
  }

  @Test
  void requestsForAModelNotYetReadWaitInStateUntilItsSpecArrives() throws Exception {
    ServingRequest early = withVersion(TestModels.request("early", 1, Priority.NORMAL), null);
    harness.processElement(early, 0);
    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(keyedStateEntries()).isEqualTo(1);
    publish(spec(1, Map.of("prod", "1.0.0"), null));
    assertThat(harness.extractOutputValues())
        .extracting(r -> r.requestId + "@" + r.version)
        .containsExactly("early@1.0.0");
    assertThat(keyedStateEntries()).isZero();
    // after the window, an unknown model is answered at once
    ServingRequest late = withVersion(TestModels.request("late", 1, Priority.NORMAL), null);
    late.model = "other";
    harness.setProcessingTime(7_000);
    harness.processElement(late, 0);
    assertThat(rejected()).extracting(r -> r.status).containsExactly(404);
  }

  @Test
  void waitingRequestsAreAnswered404WhenTheWindowEnds() throws Exception {
    ServingRequest early = withVersion(TestModels.request("early", 1, Priority.NORMAL), null);
    early.model = "ghost";
    harness.processElement(early, 0);
    assertThat(rejected()).isEmpty();
    harness.setProcessingTime(6_001);
    assertThat(rejected()).extracting(r -> r.status).containsExactly(404);
    assertThat(keyedStateEntries()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  private int keyedStateEntries() {
    return ((HeapKeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend())
        .numKeyValueStateEntries();
  }

  private static ServingRequest withVersion(ServingRequest request, String version) {
    request.requestedVersion = version;
    request.version = null;
    request.batchGroup = null;
    return request;
  }
}
