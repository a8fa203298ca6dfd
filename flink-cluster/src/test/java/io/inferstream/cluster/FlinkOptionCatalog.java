package io.inferstream.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.EventOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.TraceOptions;

/**
 * Every configuration key Flink declares, read from the jars on the classpath: the keys, fallback
 * and deprecated keys of the static {@link ConfigOption} fields of every class named {@code
 * *Options} in the Flink jars (core, runtime, clients, RocksDB, Prometheus, Kafka connector ...)
 * and in the inference job (its {@code inference.*} options). Keys with placeholders ({@code
 * external-resource.<resource_name>.amount}) become patterns. Reporter options, which MetricOptions
 * (TraceOptions, EventOptions) declare relative to {@code metrics.reporter.<name>.} ({@code
 * traces.reporter.<name>.}, {@code events.reporter.<name>.}), get that prefix; a metric reporter's
 * own parameters are the {@code ARG_*} constants of its factory (PrometheusReporterFactory's {@code
 * port}), not the catch-all {@code <parameter>} MetricOptions declares for them.
 */
final class FlinkOptionCatalog {
  private static final String REPORTER_PREFIX = "metrics.reporter.";
  private static final String FACTORY_CLASS = "factory.class";

  /** Option classes that declare reporter options relative to a reporter, by their namespace. */
  private static final Map<String, String> REPORTER_OPTION_CLASSES =
      Map.of(
          MetricOptions.class.getName(), "metrics.",
          TraceOptions.class.getName(), "traces.",
          EventOptions.class.getName(), "events.");

  private final Map<String, ConfigOption<?>> options;
  private final List<Pattern> families;
  private final Set<String> reporterKeys;

  private FlinkOptionCatalog(
      Map<String, ConfigOption<?>> options, List<Pattern> families, Set<String> reporterKeys) {
    this.options = options;
    this.families = families;
    this.reporterKeys = reporterKeys;
  }

  /** Scans the Flink and inference-job jars of this JVM's classpath. */
  static FlinkOptionCatalog fromClasspath() {
    Map<String, ConfigOption<?>> options = new HashMap<>();
    List<Pattern> families = new ArrayList<>();
    Set<String> reporterKeys = new TreeSet<>();
    for (String className : optionClassNames()) {
      String namespace = REPORTER_OPTION_CLASSES.get(className);
      for (ConfigOption<?> option : staticOptions(className)) {
        String key = option.key();
        if (namespace != null && !key.startsWith(namespace)) {
          if (key.startsWith("<")) {
            continue; // "any parameter": checked against the reporter factory instead
          }
          if (namespace.equals("metrics.")) {
            reporterKeys.add(key);
          } else {
            families.add(placeholderPattern(namespace + "reporter.<name>." + key));
          }
          continue;
        }
        List<String> keys = new ArrayList<>(List.of(key));
        for (FallbackKey fallback : option.fallbackKeys()) {
          keys.add(fallback.getKey());
        }
        for (String each : keys) {
          if (each.startsWith("<")) {
            throw new IllegalStateException(className + " declares the catch-all key " + each);
          } else if (each.contains("<")) {
            families.add(placeholderPattern(each));
          } else {
            options.putIfAbsent(each, option);
          }
        }
      }
    }
    return new FlinkOptionCatalog(options, families, reporterKeys);
  }

  /** Number of concrete keys known; a scan that found nothing would pass every file. */
  int size() {
    return options.size();
  }

  /** The option a concrete key belongs to, if it is not a family key. */
  Optional<ConfigOption<?>> option(String key) {
    return Optional.ofNullable(options.get(key));
  }

  /** The keys of {@code conf} that no Flink (or inference job) option declares. */
  Set<String> unknownKeys(Configuration conf) {
    Set<String> unknown = new TreeSet<>();
    for (String key : conf.keySet()) {
      if (!isKnown(key, conf)) {
        unknown.add(key);
      }
    }
    return unknown;
  }

  private boolean isKnown(String key, Configuration conf) {
    if (options.containsKey(key)) {
      return true;
    }
    if (key.startsWith(REPORTER_PREFIX)) {
      return isKnownReporterKey(key.substring(REPORTER_PREFIX.length()), conf);
    }
    return families.stream().anyMatch(family -> family.matcher(key).matches());
  }

  /** {@code <name>.<option>}: a MetricOptions reporter option, or a parameter of its factory. */
  private boolean isKnownReporterKey(String nameAndOption, Configuration conf) {
    int dot = nameAndOption.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    String name = nameAndOption.substring(0, dot);
    String option = nameAndOption.substring(dot + 1);
    if (reporterKeys.contains(option)) {
      return true;
    }
    String factory = conf.toMap().get(REPORTER_PREFIX + name + "." + FACTORY_CLASS);
    return factory != null && factoryParameters(factory).contains(option);
  }

  /** A reporter factory's own parameters: its static final String {@code ARG_*} constants. */
  private static Set<String> factoryParameters(String factoryClass) {
    Set<String> parameters = new TreeSet<>();
    try {
      for (Field field : Class.forName(factoryClass).getDeclaredFields()) {
        int modifiers = field.getModifiers();
        if (Modifier.isStatic(modifiers)
            && Modifier.isFinal(modifiers)
            && field.getType() == String.class
            && field.getName().startsWith("ARG_")) {
          field.setAccessible(true);
          parameters.add((String) field.get(null));
        }
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("reporter factory " + factoryClass + " not on classpath", e);
    }
    return parameters;
  }

  /** {@code a.<x>.b} matches {@code a.gpu.b}; a trailing placeholder may span dots. */
  private static Pattern placeholderPattern(String key) {
    String[] parts = key.split("<[^>]+>", -1);
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      regex.append(Pattern.quote(parts[i]));
      if (i < parts.length - 1) {
        regex.append(i == parts.length - 2 && parts[i + 1].isEmpty() ? ".+" : "[^.]+");
      }
    }
    return Pattern.compile(regex.toString());
  }

  private static List<ConfigOption<?>> staticOptions(String className) {
    List<ConfigOption<?>> found = new ArrayList<>();
    try {
      Class<?> type = Class.forName(className, false, FlinkOptionCatalog.class.getClassLoader());
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())
            && ConfigOption.class.isAssignableFrom(field.getType())) {
          field.setAccessible(true);
          found.add((ConfigOption<?>) field.get(null));
        }
      }
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      // A class whose dependencies are not on this classpath declares nothing we run with.
    }
    return found;
  }

  private static Set<String> optionClassNames() {
    Set<String> names = new TreeSet<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      File file = new File(entry);
      String name = file.getName();
      if (!name.endsWith(".jar")
          || !(name.startsWith("flink-") || name.startsWith("inferstream-inference-job-"))) {
        continue;
      }
      try (JarFile jar = new JarFile(file)) {
        for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
          String path = entries.nextElement().getName();
          if (path.endsWith("Options.class") && !path.startsWith("META-INF/")) {
            names.add(path.substring(0, path.length() - ".class".length()).replace('/', '.'));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return Collections.unmodifiableSet(names);
  }
}
