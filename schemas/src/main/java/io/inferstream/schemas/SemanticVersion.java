package io.inferstream.schemas;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model version: {@code MAJOR.MINOR.PATCH}. A Triton repository directory {@code 1} (or {@code
 * 1.2}) reads as {@code 1.0.0} ({@code 1.2.0}).
 */
public record SemanticVersion(int major, int minor, int patch)
    implements Comparable<SemanticVersion> {
  private static final Pattern FORMAT =
      Pattern.compile("(\\d{1,9})(?:\\.(\\d{1,9}))?(?:\\.(\\d{1,9}))?");

  public static boolean isVersion(String text) {
    return text != null && FORMAT.matcher(text).matches();
  }

  public static SemanticVersion parse(String text) {
    Matcher m = text == null ? null : FORMAT.matcher(text);
    if (m == null || !m.matches()) {
      throw InferenceException.badRequest(
          "invalid version '" + text + "': expected MAJOR[.MINOR[.PATCH]], e.g. 1.2.0");
    }
    return new SemanticVersion(
        Integer.parseInt(m.group(1)),
        m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
  }

  @Override
  public int compareTo(SemanticVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c != 0 ? c : Integer.compare(patch, o.patch);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}
