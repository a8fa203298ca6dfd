package io.inferstream.job.records;

import io.inferstream.schemas.Priority;
import java.util.Arrays;

/**
 * A decoded request on its way to a batch. The decoder fills everything up to {@code inputs}; the
 * router resolves {@code version}, {@code target}, the batching settings and {@code batchGroup}
 * (version plus the per-row shape and datatype of every input, so only requests that can be
 * concatenated share a batch).
 */
public class ServingRequest {
  public String requestId;
  public String model;

  /** The {@code model-version} header as sent: a version, an alias, {@code latest} or null. */
  public String requestedVersion;

  public String routingKey;
  public String replyTopic;

  /** Reply partition, or -1 to partition by the request id. */
  public int replyPartition = -1;

  /** Epoch milliseconds after which the request is answered 504; 0 means none. */
  public long deadline;

  public Priority priority = Priority.NORMAL;

  /** Epoch microseconds at which the job decoded the request. */
  public long receivedMicros;

  public TensorData[] inputs;

  /** Output names the request asked for; empty means all. */
  public String[] outputs;

  /** Output names to return as binary data. */
  public String[] binaryOutputs;

  /** Whether every output returns as binary data ({@code binary_data_output}). */
  public boolean binaryOutputAll;

  public String clientRequestId;

  public String version;
  public String batchGroup;
  public ServingTarget target;

  /** The model's batching settings when the router resolved it. */
  public int maxBatchSize;

  public int flushRows;
  public long maxQueueDelayMicros;

  /** A shadow copy: it runs and its outputs are compared, but it never replies. */
  public boolean shadow;

  /** A primary request whose outputs are compared with its shadow copy's. */
  public boolean shadowed;

  public ServingRequest() {}

  public long rows() {
    return inputs == null || inputs.length == 0 ? 0 : inputs[0].rows();
  }

  public boolean expired(long nowMillis) {
    return deadline > 0 && nowMillis > deadline;
  }

  public boolean wantsBinary(String output) {
    return binaryOutputAll
        || (binaryOutputs != null && Arrays.asList(binaryOutputs).contains(output));
  }

  /** A copy that runs on the shadow version and never replies. */
  public ServingRequest shadowCopy() {
    ServingRequest copy = new ServingRequest();
    copy.requestId = requestId;
    copy.model = model;
    copy.requestedVersion = requestedVersion;
    copy.routingKey = routingKey;
    copy.replyTopic = replyTopic;
    copy.replyPartition = replyPartition;
    copy.deadline = deadline;
    copy.priority = priority;
    copy.receivedMicros = receivedMicros;
    copy.inputs = inputs;
    copy.outputs = outputs;
    copy.binaryOutputs = binaryOutputs;
    copy.binaryOutputAll = binaryOutputAll;
    copy.clientRequestId = clientRequestId;
    copy.shadow = true;
    return copy;
  }

  public boolean wantsOutput(String output) {
    return outputs == null || outputs.length == 0 || Arrays.asList(outputs).contains(output);
  }
}
