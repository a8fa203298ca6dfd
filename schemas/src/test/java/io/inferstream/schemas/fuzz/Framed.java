package io.inferstream.schemas.fuzz;

import java.util.Base64;

/**
 * A body and the {@code jsonLength} it is decoded with: -1 for a pure JSON body, else the
 * inference-header-content-length of Triton's binary extension (hostile values included).
 */
public record Framed(byte[] body, int jsonLength) {

  /** How {@link #raw} chooses {@code jsonLength}. */
  public static final int PURE_JSON = 0;

  public static final int WITHIN_BODY = 1;
  public static final int NEAR_END = 2;
  public static final int ANY = 3;

  /**
   * Arbitrary body bytes (all the input left) and a {@code jsonLength} chosen by {@code mode}:
   * {@link #PURE_JSON} (-1), {@link #WITHIN_BODY} ({@code value} modulo the body length plus one),
   * {@link #NEAR_END} (the body length plus {@code value} modulo 9, minus 4) or {@link #ANY}
   * ({@code value} itself: negative, past the end, {@code Integer.MIN_VALUE}...).
   */
  public static Framed raw(Choices choices) {
    int mode = choices.intIn(PURE_JSON, ANY);
    int value = choices.intIn(Integer.MIN_VALUE, Integer.MAX_VALUE);
    byte[] body = choices.rest();
    int jsonLength =
        switch (mode) {
          case PURE_JSON -> -1;
          case WITHIN_BODY -> Math.floorMod(value, body.length + 1);
          case NEAR_END -> body.length + Math.floorMod(value, 9) - 4;
          default -> value;
        };
    return new Framed(body, jsonLength);
  }

  /** The decisions that make {@link #raw} return {@code body} with exactly {@code jsonLength}. */
  public static Object[] rawScript(byte[] body, int jsonLength) {
    if (jsonLength == -1) {
      return new Object[] {PURE_JSON, 0, body};
    }
    return new Object[] {ANY, jsonLength, body};
  }

  public String fingerprint() {
    return jsonLength + ":" + Base64.getEncoder().encodeToString(body);
  }
}
