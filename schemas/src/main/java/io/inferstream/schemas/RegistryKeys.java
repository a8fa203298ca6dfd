package io.inferstream.schemas;

/** Record keys of the {@code model-registry} and {@code model-status} topics. */
public final class RegistryKeys {
  public static final String MODEL_PREFIX = "model/";
  public static final String TENANT_PREFIX = "tenant/";

  private RegistryKeys() {}

  public static String model(String name) {
    return MODEL_PREFIX + name;
  }

  /** The model name of a {@code model/<name>} key, or null for any other key. */
  public static String modelName(String key) {
    return key != null && key.startsWith(MODEL_PREFIX) && key.length() > MODEL_PREFIX.length()
        ? key.substring(MODEL_PREFIX.length())
        : null;
  }
}
