package io.inferstream.job.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

class ReplicaKeysTest {
  @Test
  void replicaKeysLandOnDistinctSubtasks() {
    for (int parallelism : new int[] {2, 3, 4, 8}) {
      String[] keys = ReplicaKeys.choose("resnet", parallelism, parallelism, 128);
      assertThat(keys).hasSize(parallelism).doesNotHaveDuplicates();
      long subtasks =
          Arrays.stream(keys)
              .mapToInt(
                  k -> KeyGroupRangeAssignment.assignKeyToParallelOperator(k, 128, parallelism))
              .distinct()
              .count();
      assertThat(subtasks).as("parallelism %d", parallelism).isEqualTo(parallelism);
    }
  }

  @Test
  void moreReplicasThanSubtasksStillGivesDistinctKeys() {
    assertThat(ReplicaKeys.choose("m", 5, 2, 128)).hasSize(5).doesNotHaveDuplicates();
  }
}
