package io.inferstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md documents every option of every {@code *Options} class, and nothing else,
 * with the option's type and default. The classes are discovered in the repository's sources (a
 * {@code *Options.java} under any module's {@code src/main/java} that declares a {@code
 * ConfigOption}), so a new class or option fails this test until it is documented.
 *
 * <p>In the page, each class has a section whose heading names it in backticks (e.g. {@code ##
 * Inference job (`InferenceOptions`)}) followed by a table {@code | key | type | default |
 * description |}: key and default in backticks, the type as the option's Java type's simple name,
 * the default {@code (none)} when the option has none. A documented default is read with the
 * option's own parser, so {@code 10 s} matches {@code Duration.ofSeconds(10)}.
 */
class ConfigurationDocsTest {
  private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
  private static final Path PAGE = REPOSITORY.resolve("docs/configuration.md");
  private static final String NO_DEFAULT = "(none)";

  private static final Pattern SECTION = Pattern.compile("^#{2,3} .*`(\\w+Options)`.*$");
  private static final Pattern ROW =
      Pattern.compile(
          "^\\|\\s*`([^`]+)`\\s*\\|\\s*`?([^|`]+?)`?\\s*\\|\\s*`?([^|`]*?)`?\\s*\\|.*$");

  /** One row of an option table. */
  private record DocumentedOption(String type, String defaultValue) {}

  @Test
  void everyOptionIsDocumentedWithItsTypeAndDefaultAndNothingElse() throws Exception {
    Map<String, Class<?>> classes = optionsClasses();
    assertThat(classes).as("*Options classes found in the sources").isNotEmpty();
    Map<String, Map<String, DocumentedOption>> documented = documentedSections();

    List<String> problems = new ArrayList<>();
    for (String section : documented.keySet()) {
      if (!classes.containsKey(section)) {
        problems.add(
            "docs/configuration.md has a section for `" + section + "`, no such *Options class");
      }
    }
    for (Map.Entry<String, Class<?>> entry : classes.entrySet()) {
      String simpleName = entry.getKey();
      Map<String, DocumentedOption> rows = documented.get(simpleName);
      if (rows == null) {
        problems.add(
            "docs/configuration.md has no section whose heading names `" + simpleName + "`");
        continue;
      }
      Map<String, Field> options = configOptions(entry.getValue());
      for (Map.Entry<String, Field> option : options.entrySet()) {
        DocumentedOption row = rows.get(option.getKey());
        if (row == null) {
          problems.add(simpleName + ": option " + option.getKey() + " is not documented");
        } else {
          compare(simpleName, option.getValue(), row, problems);
        }
      }
      for (String key : rows.keySet()) {
        if (!options.containsKey(key)) {
          problems.add(simpleName + ": documented option " + key + " does not exist");
        }
      }
    }
    assertThat(problems).as("docs/configuration.md against the *Options classes").isEmpty();
  }

  private static void compare(
      String simpleName, Field field, DocumentedOption row, List<String> problems)
      throws IllegalAccessException {
    ConfigOption<?> option = (ConfigOption<?>) field.get(null);
    String type = valueType(field).getSimpleName();
    if (!type.equals(row.type())) {
      problems.add(
          simpleName + ": " + option.key() + " is documented as " + row.type() + ", is " + type);
    }
    if (!option.hasDefaultValue()) {
      if (!NO_DEFAULT.equals(row.defaultValue())) {
        problems.add(
            simpleName
                + ": "
                + option.key()
                + " has no default, documented as "
                + row.defaultValue()
                + " (write "
                + NO_DEFAULT
                + ")");
      }
      return;
    }
    Object parsed;
    try {
      Configuration conf = new Configuration();
      conf.setString(option.key(), row.defaultValue());
      parsed = conf.get(option);
    } catch (RuntimeException e) {
      parsed = e.getMessage();
    }
    if (!Objects.equals(parsed, option.defaultValue())) {
      problems.add(
          simpleName
              + ": "
              + option.key()
              + " defaults to "
              + option.defaultValue()
              + ", documented as "
              + row.defaultValue());
    }
  }

  /** Simple name → class, for every {@code *Options.java} in a module's main sources. */
  private static Map<String, Class<?>> optionsClasses() throws IOException {
    List<Path> sources = new ArrayList<>();
    Files.walkFileTree(
        REPOSITORY,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
            String name = dir.getFileName().toString();
            boolean skip =
                !dir.equals(REPOSITORY) && (name.equals("target") || name.startsWith("."));
            return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            String path = file.toString().replace('\\', '/');
            if (path.endsWith("Options.java") && path.contains("/src/main/java/")) {
              sources.add(file);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    sources.sort(Path::compareTo);
    Map<String, Class<?>> classes = new LinkedHashMap<>();
    for (Path source : sources) {
      if (!Files.readString(source).contains("ConfigOption<")) {
        continue;
      }
      String path = source.toString().replace('\\', '/');
      String className =
          path.substring(path.indexOf("/src/main/java/") + "/src/main/java/".length())
              .replace(".java", "")
              .replace('/', '.');
      Class<?> type;
      try {
        type = Class.forName(className);
      } catch (ClassNotFoundException e) {
        throw new AssertionError(
            className
                + " declares ConfigOptions but is not on inference-job's test classpath:"
                + " add its module as a test dependency so that this test checks its docs",
            e);
      }
      assertThat(classes.put(type.getSimpleName(), type))
          .as("two *Options classes named %s", type.getSimpleName())
          .isNull();
    }
    return classes;
  }

  /** Key → field of every public static {@code ConfigOption} a class declares. */
  private static Map<String, Field> configOptions(Class<?> type) throws IllegalAccessException {
    Map<String, Field> options = new LinkedHashMap<>();
    for (Field field : type.getDeclaredFields()) {
      int modifiers = field.getModifiers();
      if (Modifier.isPublic(modifiers)
          && Modifier.isStatic(modifiers)
          && ConfigOption.class.isAssignableFrom(field.getType())) {
        options.put(((ConfigOption<?>) field.get(null)).key(), field);
      }
    }
    return options;
  }

  /** T of a {@code ConfigOption<T>} field. */
  private static Class<?> valueType(Field field) {
    ParameterizedType generic = (ParameterizedType) field.getGenericType();
    return (Class<?>) generic.getActualTypeArguments()[0];
  }

  /** Section (the *Options class its heading names) → documented key → its row. */
  private static Map<String, Map<String, DocumentedOption>> documentedSections()
      throws IOException {
    Map<String, Map<String, DocumentedOption>> sections = new LinkedHashMap<>();
    Map<String, DocumentedOption> current = null;
    for (String line : Files.readAllLines(PAGE, StandardCharsets.UTF_8)) {
      if (line.startsWith("#")) {
        Matcher heading = SECTION.matcher(line);
        current = heading.matches() ? new LinkedHashMap<>() : null;
        if (current != null) {
          sections.put(heading.group(1), current);
        }
        continue;
      }
      Matcher row = ROW.matcher(line);
      if (current != null && row.matches()) {
        DocumentedOption previous =
            current.put(row.group(1), new DocumentedOption(row.group(2), row.group(3)));
        assertThat(previous).as("%s documented twice", row.group(1)).isNull();
      }
    }
    return sections;
  }
}
