package io.inferstream.job.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Chooses the keys {@code model#n} of a model's replicas so that they land on different subtasks:
 * Flink hashes keys to key groups, so consecutive suffixes can collide; this walks suffixes until
 * each replica has a subtask of its own (or every subtask has one).
 */
public final class ReplicaKeys {
  private ReplicaKeys() {}

  public static String[] choose(String model, int replicas, int parallelism, int maxParallelism) {
    List<String> keys = new ArrayList<>(replicas);
    Set<Integer> used = new HashSet<>();
    int distinctWanted = Math.min(replicas, parallelism);
    for (int suffix = 0; keys.size() < distinctWanted && suffix < 100_000; suffix++) {
      String key = model + "#" + suffix;
      int subtask =
          KeyGroupRangeAssignment.assignKeyToParallelOperator(key, maxParallelism, parallelism);
      if (used.add(subtask)) {
        keys.add(key);
      }
    }
    // More replicas than subtasks: the rest share subtasks, still as distinct keys.
    for (int suffix = 100_000; keys.size() < replicas; suffix++) {
      keys.add(model + "#" + suffix);
    }
    return keys.toArray(new String[0]);
  }
}
