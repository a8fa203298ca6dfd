package io.inferstream.registry;

import io.inferstream.registry.ApiViews.ShadowSummary;
import io.inferstream.registry.ApiViews.TaskManagerStatus;
import io.inferstream.registry.ApiViews.VersionStatus;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelStatusEvent.ShadowReport;
import io.inferstream.schemas.ModelStatusEvent.State;
import io.inferstream.schemas.ModelVersionSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds {@code model-status} events into what the API shows: per model version and task manager the
 * latest session event, and per model and reporter the latest shadow report. Events about other
 * bytes than a version's current artifact (a different sha256) are ignored when showing it.
 */
public final class StatusBoard {
  /** model → version → task manager → latest event. */
  private final Map<String, Map<String, Map<String, ModelStatusEvent>>> sessions = new HashMap<>();

  /** model → reporter → latest shadow report event. */
  private final Map<String, Map<String, ModelStatusEvent>> shadows = new HashMap<>();

  /**
   * Takes one event; an older event (by timestamp) than the one held for its reporter is dropped.
   */
  public synchronized void apply(ModelStatusEvent event) {
    if (event == null || event.model() == null || event.state() == null) {
      return;
    }
    String reporter = event.taskManager() == null ? "" : event.taskManager();
    if (event.state() == State.SHADOW_REPORT) {
      if (event.shadow() != null) {
        keepLatest(shadows.computeIfAbsent(event.model(), m -> new HashMap<>()), reporter, event);
      }
      return;
    }
    if (event.version() == null) {
      return;
    }
    keepLatest(
        sessions
            .computeIfAbsent(event.model(), m -> new HashMap<>())
            .computeIfAbsent(event.version(), v -> new HashMap<>()),
        reporter,
        event);
  }

  /** The folded status of one version of a model. */
  public synchronized VersionStatus status(String model, ModelVersionSpec version) {
    Map<String, ModelStatusEvent> byReporter =
        sessions.getOrDefault(model, Map.of()).getOrDefault(version.version(), Map.of());
    List<ModelStatusEvent> events = new ArrayList<>();
    for (ModelStatusEvent event : new TreeMap<>(byReporter).values()) {
      if (event.sha256() == null || event.sha256().equals(version.sha256())) {
        events.add(event);
      }
    }
    if (events.isEmpty()) {
      return VersionStatus.NONE;
    }
    List<TaskManagerStatus> detail = new ArrayList<>();
    for (ModelStatusEvent event : events) {
      detail.add(
          new TaskManagerStatus(
              event.taskManager(),
              event.state().name().toLowerCase(Locale.ROOT),
              event.device(),
              event.state() == State.READY && event.loadMillis() > 0 ? event.loadMillis() : null,
              event.cause(),
              event.timestampMillis()));
    }
    ModelStatusEvent ready = latest(events, State.READY);
    if (ready != null) {
      return new VersionStatus(
          VersionStatus.READY,
          ready.device(),
          ready.loadMillis() > 0 ? ready.loadMillis() : null,
          null,
          detail);
    }
    if (latest(events, State.LOADING) != null) {
      return new VersionStatus(VersionStatus.LOADING, null, null, null, detail);
    }
    ModelStatusEvent failed = latest(events, State.FAILED);
    if (failed != null) {
      return new VersionStatus(VersionStatus.FAILED, failed.device(), null, failed.cause(), detail);
    }
    if (latest(events, State.UNLOADED) != null) {
      return new VersionStatus(VersionStatus.UNLOADED, null, null, null, detail);
    }
    return new VersionStatus(VersionStatus.REGISTERED, null, null, null, detail);
  }

  /**
   * The shadow comparison of a model: the primary/shadow pair of the newest report, with the counts
   * of every reporter whose latest report is about that pair added up; null without reports.
   */
  public synchronized ShadowSummary shadow(String model) {
    Map<String, ModelStatusEvent> byReporter = shadows.get(model);
    if (byReporter == null || byReporter.isEmpty()) {
      return null;
    }
    ModelStatusEvent newest = null;
    for (ModelStatusEvent event : byReporter.values()) {
      if (newest == null || event.timestampMillis() > newest.timestampMillis()) {
        newest = event;
      }
    }
    ShadowReport pair = newest.shadow();
    long primary = 0;
    long shadow = 0;
    long compared = 0;
    long agreed = 0;
    long disagreed = 0;
    double maxDiff = 0;
    int reporters = 0;
    for (ModelStatusEvent event : byReporter.values()) {
      ShadowReport r = event.shadow();
      if (!java.util.Objects.equals(r.primaryVersion(), pair.primaryVersion())
          || !java.util.Objects.equals(r.shadowVersion(), pair.shadowVersion())) {
        continue;
      }
      reporters++;
      primary += r.primaryInferences();
      shadow += r.shadowInferences();
      compared += r.compared();
      agreed += r.agreed();
      disagreed += r.disagreed();
      maxDiff = Math.max(maxDiff, r.maxAbsDifference());
    }
    return new ShadowSummary(
        pair.primaryVersion(),
        pair.shadowVersion(),
        primary,
        shadow,
        compared,
        agreed,
        disagreed,
        compared > 0 ? (double) agreed / compared : null,
        maxDiff,
        reporters,
        newest.timestampMillis());
  }

  private static void keepLatest(
      Map<String, ModelStatusEvent> byReporter, String reporter, ModelStatusEvent event) {
    ModelStatusEvent held = byReporter.get(reporter);
    if (held == null || event.timestampMillis() >= held.timestampMillis()) {
      byReporter.put(reporter, event);
    }
  }

  private static ModelStatusEvent latest(List<ModelStatusEvent> events, State state) {
    ModelStatusEvent latest = null;
    for (ModelStatusEvent event : events) {
      if (event.state() == state
          && (latest == null || event.timestampMillis() >= latest.timestampMillis())) {
        latest = event;
      }
    }
    return latest;
  }
}
