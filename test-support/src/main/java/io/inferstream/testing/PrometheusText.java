package io.inferstream.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Prometheus text exposition format (version 0.0.4), as a Prometheus server reads a {@code
 * /metrics} page: {@code # HELP} and {@code # TYPE} comments, and samples {@code
 * name{label="value",...} value [timestamp]} with {@code \\}, {@code \"} and {@code \n} escapes in
 * label values, an optional trailing comma (Flink's reporter writes one), and the values {@code
 * NaN}, {@code +Inf}, {@code -Inf}.
 */
public final class PrometheusText {
  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {
    public String label(String key) {
      return labels.get(key);
    }
  }

  private final List<Sample> samples;
  private final Map<String, String> types;

  private PrometheusText(List<Sample> samples, Map<String, String> types) {
    this.samples = Collections.unmodifiableList(samples);
    this.types = Collections.unmodifiableMap(types);
  }

  /**
   * Reads a reporter's {@code http://localhost:<port>/metrics} page.
   *
   * @throws AssertionError if it does not answer with HTTP 200
   */
  public static PrometheusText scrape(int port) {
    URI uri = URI.create("http://localhost:" + port + "/metrics");
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError("GET " + uri + ": HTTP " + response.statusCode());
      }
      return parse(response.body());
    } catch (IOException e) {
      throw new AssertionError("cannot scrape " + uri, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted scraping " + uri, e);
    }
  }

  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        if (line.startsWith("#")) {
          String[] words = line.substring(1).strip().split("\\s+", 3);
          if (words.length == 3 && words[0].equals("TYPE")) {
            types.put(words[1], words[2]);
          }
          continue;
        }
        samples.add(new LineParser(line).sample());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return new PrometheusText(samples, types);
  }

  public List<Sample> samples() {
    return samples;
  }

  /**
   * The {@code # TYPE} of a metric family ({@code counter}, {@code gauge}, {@code summary} ...).
   */
  public String type(String family) {
    return types.get(family);
  }

  public List<Sample> samples(String name, Predicate<Sample> filter) {
    return samples.stream().filter(s -> s.name().equals(name) && filter.test(s)).toList();
  }

  /** Sum of the samples of a name whose labels include {@code labels} (e.g. over subtasks). */
  public double sum(String name, Map<String, String> labels) {
    return samples(name, s -> s.labels().entrySet().containsAll(labels.entrySet())).stream()
        .mapToDouble(Sample::value)
        .sum();
  }

  private static final class LineParser {
    private final String line;
    private int pos;

    LineParser(String line) {
      this.line = line;
    }

    Sample sample() {
      String name = name();
      Map<String, String> labels = new LinkedHashMap<>();
      if (peek() == '{') {
        pos++;
        labels(labels);
      }
      String[] rest = line.substring(pos).strip().split("\\s+");
      if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
        throw new IllegalArgumentException("expected a value [timestamp] after " + name);
      }
      return new Sample(name, Collections.unmodifiableMap(labels), value(rest[0]));
    }

    private String name() {
      int start = pos;
      while (pos < line.length()) {
        char c = line.charAt(pos);
        boolean valid =
            Character.isLetter(c) || c == '_' || c == ':' || (pos > start && Character.isDigit(c));
        if (!valid) {
          break;
        }
        pos++;
      }
      if (pos == start) {
        throw new IllegalArgumentException("no metric or label name at column " + (pos + 1));
      }
      return line.substring(start, pos);
    }

    private void labels(Map<String, String> labels) {
      while (true) {
        skipSpaces();
        if (peek() == '}') {
          pos++;
          return;
        }
        String key = name();
        skipSpaces();
        expect('=');
        skipSpaces();
        expect('"');
        labels.put(key, quoted());
        skipSpaces();
        if (peek() == ',') {
          pos++;
        } else if (peek() != '}') {
          throw new IllegalArgumentException("expected , or } at column " + (pos + 1));
        }
      }
    }

    /** The rest of a label value after its opening quote, unescaped. */
    private String quoted() {
      StringBuilder value = new StringBuilder();
      while (pos < line.length()) {
        char c = line.charAt(pos++);
        if (c == '"') {
          return value.toString();
        }
        if (c == '\\') {
          if (pos >= line.length()) {
            break;
          }
          char escaped = line.charAt(pos++);
          value.append(escaped == 'n' ? '\n' : escaped);
        } else {
          value.append(c);
        }
      }
      throw new IllegalArgumentException("unterminated label value");
    }

    private static double value(String text) {
      return switch (text) {
        case "NaN" -> Double.NaN;
        case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> {
          try {
            yield Double.parseDouble(text);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a sample value: " + text, e);
          }
        }
      };
    }

    private char peek() {
      return pos < line.length() ? line.charAt(pos) : '\0';
    }

    private void expect(char c) {
      if (peek() != c) {
        throw new IllegalArgumentException("expected " + c + " at column " + (pos + 1));
      }
      pos++;
    }

    private void skipSpaces() {
      while (peek() == ' ' || peek() == '\t') {
        pos++;
      }
    }
  }
}
