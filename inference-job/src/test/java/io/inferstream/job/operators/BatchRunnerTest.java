package io.inferstream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.job.TestModels;
import io.inferstream.job.metrics.BatchMetrics;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.runtime.BatchModel;
import io.inferstream.job.runtime.InferenceFailure;
import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Priority;
import io.inferstream.schemas.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BatchRunnerTest {

  /** Doubles its input; fails any batch that contains a request whose id starts with "poison". */
  private static final class PoisonSensitiveModel implements BatchModel {
    final List<Integer> batchSizes = new ArrayList<>();

    @Override
    public List<List<Tensor>> run(List<ServingRequest> requests) throws InferenceFailure {
      batchSizes.add(requests.size());
      if (requests.stream().anyMatch(r -> r.requestId.startsWith("poison"))) {
        throw new InferenceFailure("index out of range in Gather", null);
      }
      List<List<Tensor>> out = new ArrayList<>();
      for (ServingRequest request : requests) {
        float[] in = request.inputs[0].toTensor().asFloats();
        float[] doubled = new float[in.length];
        for (int i = 0; i < in.length; i++) {
          doubled[i] = in[i] * 2;
        }
        out.add(List.of(Tensor.ofFloats("output", request.inputs[0].shape, doubled)));
      }
      return out;
    }

    @Override
    public String device() {
      return "cpu";
    }
  }

  @Test
  void onePoisonRequestGetsTheErrorAndEveryOtherRequestItsResult() {
    ServingRequest[] requests = new ServingRequest[8];
    for (int i = 0; i < 8; i++) {
      requests[i] = TestModels.request(i == 5 ? "poison-5" : "r" + i, 1, Priority.NORMAL);
    }
    PoisonSensitiveModel model = new PoisonSensitiveModel();
    List<OutboundRecord> replies =
        new BatchRunner(1 << 20, BatchMetrics.NONE)
            .run(new Batch(TestModels.target(), requests, 8), model);

    assertThat(replies).hasSize(8);
    Map<String, Integer> status =
        replies.stream().collect(Collectors.toMap(r -> new String(r.key), r -> r.status));
    assertThat(status).containsEntry("poison-5", 500);
    assertThat(status.values().stream().filter(s -> s == 200)).hasSize(7);
    OutboundRecord poison = replies.stream().filter(r -> r.status == 500).findFirst().orElseThrow();
    ErrorBody error = InferenceCodec.decodeError(poison.value);
    assertThat(error.error()).contains("failed on this request", "index out of range in Gather");
    // depth first: 8 fails -> 4 clean, 4 fails -> 2 fails -> 1 clean, 1 poison -> 2 clean
    assertThat(model.batchSizes).containsExactly(8, 4, 4, 2, 1, 1, 2);

    OutboundRecord ok =
        replies.stream().filter(r -> new String(r.key).equals("r3")).findFirst().orElseThrow();
    InferenceResponse response = InferenceCodec.decodeResponse(ok.value, -1);
    assertThat(response.output("output").asFloats()).containsExactly(0f, 2f, 4f, 6f);
    // r3 ran in the clean half of the first split
    assertThat(response.longParameter(InferenceResponse.BATCH_SIZE)).isEqualTo(4);
  }

  @Test
  void repliesCarryTimingsAndBinaryOutputsWhenAsked() {
    ServingRequest request = TestModels.request("b1", 2, Priority.NORMAL);
    request.binaryOutputAll = true;
    List<OutboundRecord> replies =
        new BatchRunner(1 << 20, BatchMetrics.NONE)
            .run(
                new Batch(TestModels.target(), new ServingRequest[] {request}, 2),
                new PoisonSensitiveModel());
    OutboundRecord reply = replies.get(0);
    assertThat(reply.header(InferenceHeaders.CONTENT_TYPE))
        .isEqualTo(InferenceHeaders.CONTENT_TYPE_BINARY);
    int jsonLength =
        Integer.parseInt(reply.header(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH));
    InferenceResponse response = InferenceCodec.decodeResponse(reply.value, jsonLength);
    assertThat(response.output("output").asFloats()).hasSize(8);
    assertThat(response.longParameter(InferenceResponse.BATCH_SIZE)).isEqualTo(2);
    assertThat(response.longParameter(InferenceResponse.QUEUE_MICROS)).isGreaterThanOrEqualTo(0);
  }

  @Test
  void anUnexpectedExceptionFromOneRequestIsIsolatedLikeAModelFailure() {
    // e.g. assembling the batch trips over one request's tensor: not an InferenceFailure
    BatchModel model =
        new BatchModel() {
          @Override
          public List<List<Tensor>> run(List<ServingRequest> requests) throws InferenceFailure {
            if (requests.stream().anyMatch(r -> r.requestId.equals("odd"))) {
              throw new java.nio.BufferOverflowException();
            }
            return new PoisonSensitiveModel().run(requests);
          }

          @Override
          public String device() {
            return "cpu";
          }
        };
    ServingRequest[] requests = {
      TestModels.request("a", 1, Priority.NORMAL),
      TestModels.request("odd", 1, Priority.NORMAL),
      TestModels.request("b", 1, Priority.NORMAL)
    };
    List<OutboundRecord> replies =
        new BatchRunner(1 << 20, BatchMetrics.NONE)
            .run(new Batch(TestModels.target(), requests, 3), model);
    Map<String, Integer> status =
        replies.stream().collect(Collectors.toMap(r -> new String(r.key), r -> r.status));
    assertThat(status).containsExactlyInAnyOrderEntriesOf(Map.of("a", 200, "odd", 500, "b", 200));
    OutboundRecord odd = replies.stream().filter(r -> r.status == 500).findFirst().orElseThrow();
    assertThat(InferenceCodec.decodeError(odd.value).error())
        .contains("failed on this request", "java.nio.BufferOverflowException");
  }

  @Test
  void aReplyThatFailsToEncodeIsThatRequestsErrorAlone() {
    // a model output whose bytes do not match its declared BYTES framing cannot be encoded
    BatchModel model =
        new BatchModel() {
          @Override
          public List<List<Tensor>> run(List<ServingRequest> requests) {
            List<List<Tensor>> out = new ArrayList<>();
            for (ServingRequest request : requests) {
              byte[] broken = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f};
              out.add(
                  request.requestId.equals("bad")
                      ? List.of(
                          new Tensor(
                              "output",
                              io.inferstream.schemas.DataType.BYTES,
                              new long[] {1},
                              broken))
                      : List.of(Tensor.ofFloats("output", new long[] {1}, 1f)));
            }
            return out;
          }

          @Override
          public String device() {
            return "cpu";
          }
        };
    ServingRequest[] requests = {
      TestModels.request("bad", 1, Priority.NORMAL), TestModels.request("good", 1, Priority.NORMAL)
    };
    List<OutboundRecord> replies =
        new BatchRunner(1 << 20, BatchMetrics.NONE)
            .run(new Batch(TestModels.target(), requests, 2), model);
    Map<String, Integer> status =
        replies.stream().collect(Collectors.toMap(r -> new String(r.key), r -> r.status));
    assertThat(status).containsExactlyInAnyOrderEntriesOf(Map.of("bad", 500, "good", 200));
    OutboundRecord bad = replies.stream().filter(r -> r.status == 500).findFirst().orElseThrow();
    assertThat(InferenceCodec.decodeError(bad.value).error())
        .contains("encoding the reply failed on this request");
  }

  @Test
  void aReplyOverTheLimitBecomesAnErrorReply() {
    ServingRequest request = TestModels.request("big", 64, Priority.NORMAL);
    List<OutboundRecord> replies =
        new BatchRunner(200, BatchMetrics.NONE)
            .run(
                new Batch(TestModels.target(), new ServingRequest[] {request}, 64),
                new PoisonSensitiveModel());
    assertThat(replies.get(0).status).isEqualTo(500);
    assertThat(InferenceCodec.decodeError(replies.get(0).value).error())
        .contains("exceeds the reply limit of 200 bytes");
  }

  @Test
  void expiredRequestsInABatchAreAnswered504AndNotRun() {
    ServingRequest late = TestModels.request("late", 1, Priority.NORMAL);
    late.deadline = 1;
    PoisonSensitiveModel model = new PoisonSensitiveModel();
    List<OutboundRecord> replies =
        new BatchRunner(1 << 20, BatchMetrics.NONE)
            .run(
                new Batch(
                    TestModels.target(),
                    new ServingRequest[] {late, TestModels.request("ok", 1, Priority.NORMAL)},
                    2),
                model);
    assertThat(replies).extracting(r -> r.status).containsExactlyInAnyOrder(504, 200);
    assertThat(model.batchSizes).containsExactly(1);
  }

  /** Records what the runner reports. */
  private static final class RecordingMetrics implements BatchMetrics {
    final List<String> runs = new ArrayList<>();
    int queued;
    int deadlines;

    @Override
    public void ran(String model, long rows, int requests, long inferenceMicros) {
      runs.add(model + ":" + rows + "/" + requests);
    }

    @Override
    public void queued(String model, long queueMicros) {
      queued++;
    }

    @Override
    public void deadlineExceeded(String model) {
      deadlines++;
    }
  }

  @Test
  void reportsEachSuccessfulRunEachQueuedRequestAndEachDeadline() {
    ServingRequest[] requests = new ServingRequest[5];
    for (int i = 0; i < 4; i++) {
      requests[i] = TestModels.request(i == 3 ? "poison-3" : "r" + i, 2, Priority.NORMAL);
    }
    requests[4] = TestModels.request("late", 1, Priority.NORMAL);
    requests[4].deadline = 1;
    RecordingMetrics metrics = new RecordingMetrics();
    new BatchRunner(1 << 20, metrics)
        .run(new Batch(TestModels.target(), requests, 9), new PoisonSensitiveModel());

    String model = TestModels.target().model;
    // 4 live requests fail together; the clean half runs, the poisoned half splits again
    assertThat(metrics.runs).containsExactly(model + ":4/2", model + ":2/1");
    assertThat(metrics.queued).isEqualTo(3);
    assertThat(metrics.deadlines).isEqualTo(1);
  }
}
