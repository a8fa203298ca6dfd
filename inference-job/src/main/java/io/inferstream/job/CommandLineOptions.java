package io.inferstream.job;

import org.apache.flink.configuration.Configuration;

/** Parses {@code --key value} (or {@code --key=value}) program arguments into options. */
final class CommandLineOptions {
  private CommandLineOptions() {}

  static Configuration parse(String[] args) {
    Configuration conf = new Configuration();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "': use --key value");
      }
      String key = arg.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("option --" + key + " has no value");
      }
      conf.setString(key, value);
    }
    return conf;
  }
}
