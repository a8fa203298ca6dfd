package io.inferstream.job.operators;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;

/** The GPU that Flink's {@code gpu} external resource assigned to this task manager. */
final class GpuResources {
  private GpuResources() {}

  /** Its {@code index} property, else 0. */
  static int index(RuntimeContext context) {
    for (ExternalResourceInfo info : context.getExternalResourceInfos("gpu")) {
      return info.getProperty("index").map(Integer::parseInt).orElse(0);
    }
    return 0;
  }
}
