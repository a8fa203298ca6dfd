package io.inferstream.schemas.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/**
 * The decisions a fuzz target takes from its input. While fuzzing they come from Jazzer's {@link
 * FuzzedDataProvider} ({@link #of}); the corpus generator scripts them ({@link SeedWriter}) and
 * writes the bytes from which the provider makes exactly the same decisions, so every seed is a
 * structured input that is known by name.
 *
 * <p>Integral decisions come from the end of the input, byte strings from its front, as in
 * libFuzzer's FuzzedDataProvider.
 */
public interface Choices {
  /** A value in {@code [min, max]}. */
  int intIn(int min, int max);

  /** A value in {@code [min, max]}. */
  long longIn(long min, long max);

  boolean bool();

  /** Up to {@code maxLength} bytes from the front. */
  byte[] bytes(int maxLength);

  /** All bytes left: call it last. */
  byte[] rest();

  /** One of the options. */
  @SuppressWarnings("unchecked")
  default <T> T pick(T... options) {
    return options[intIn(0, options.length - 1)];
  }

  static Choices of(FuzzedDataProvider data) {
    return new Choices() {
      @Override
      public int intIn(int min, int max) {
        return data.consumeInt(min, max);
      }

      @Override
      public long longIn(long min, long max) {
        return data.consumeLong(min, max);
      }

      @Override
      public boolean bool() {
        return data.consumeBoolean();
      }

      @Override
      public byte[] bytes(int maxLength) {
        return data.consumeBytes(maxLength);
      }

      @Override
      public byte[] rest() {
        return data.consumeRemainingAsBytes();
      }
    };
  }
}
