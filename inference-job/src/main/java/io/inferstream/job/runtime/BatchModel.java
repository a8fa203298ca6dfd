package io.inferstream.job.runtime;

import io.inferstream.job.records.ServingRequest;
import io.inferstream.schemas.Tensor;
import java.util.List;

/** A loaded model version that runs requests as one batch and splits the outputs back. */
public interface BatchModel {

  /**
   * Runs the requests as one batch.
   *
   * @return per request (same order), its output tensors
   */
  List<List<Tensor>> run(List<ServingRequest> requests) throws InferenceFailure;

  /** Where the model runs ("cpu" or "cuda:0"). */
  String device();
}
