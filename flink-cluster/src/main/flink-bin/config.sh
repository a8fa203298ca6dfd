#!/usr/bin/env bash
# Sourced by bin/flink of this Flink home and by the repository's bin/flink-cluster: where the home's
# parts are, which java runs them, and the configuration as Flink itself reads it. Flink's own
# bin/config.sh does the same for a downloaded distribution; this home is laid out from Maven
# Central jars instead (flink-cluster module).
#
# Before sourcing, set FLINK_HOME to the home directory.
#
# Environment:
#   JAVA_HOME        the JDK to run (17 or newer); else `java` on the PATH
#   FLINK_CONF_DIR   configuration directory (default $FLINK_HOME/conf)
#   FLINK_LOG_DIR    log directory (default $FLINK_HOME/log)

: "${FLINK_HOME:?FLINK_HOME must be set before sourcing config.sh}"

export FLINK_HOME
export FLINK_BIN_DIR="$FLINK_HOME/bin"
export FLINK_LIB_DIR="$FLINK_HOME/lib"
export FLINK_OPT_DIR="$FLINK_HOME/opt"
# Plugins (metric reporters, the gpu external resource) are found here, each in its own directory
# and classloader; without the variable Flink looks in ./plugins of the working directory.
export FLINK_PLUGINS_DIR="$FLINK_HOME/plugins"
export FLINK_CONF_DIR="${FLINK_CONF_DIR:-$FLINK_HOME/conf}"
export FLINK_LOG_DIR="${FLINK_LOG_DIR:-$FLINK_HOME/log}"

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA_RUN="$JAVA_HOME/bin/java"
else
  JAVA_RUN="$(command -v java || true)"
fi
if [ -z "$JAVA_RUN" ]; then
  printf 'flink: no java found: install JDK 17 or newer, or set JAVA_HOME\n' >&2
  exit 1
fi

# Every JVM of the cluster runs on lib/: Flink, its logging, RocksDB and ONNX Runtime.
FLINK_CLASSPATH="$FLINK_LIB_DIR/*"

# Runs Flink's BashJavaUtils (what Flink's scripts use to size memory and read config.yaml) and
# prints the lines of its result, without the prefix that marks them.
flink_bash_java_utils() {
  local output status
  output="$("$JAVA_RUN" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$FLINK_CLASSPATH" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$@" 2>&1)" && status=0 || status=$?
  # grep reads a here-string, not a pipe: under pipefail, `printf | grep -q` fails at random when
  # grep exits at its first match before printf has written everything (SIGPIPE).
  if [ "$status" -ne 0 ] || ! grep -q '^BASH_JAVA_UTILS_EXEC_RESULT:' <<<"$output"; then
    printf 'flink: BashJavaUtils %s failed:\n%s\n' "$1" "$output" >&2
    return 1
  fi
  printf '%s\n' "$output" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

# Reads the configuration once, flattened to `key: value` lines by Flink's own parser. Call it in
# the script's shell (not in $(...)) before flink_config_value; call it again after a change.
FLINK_FLAT_CONFIG=""
flink_load_config() {
  FLINK_FLAT_CONFIG="$(flink_bash_java_utils UPDATE_AND_GET_FLINK_CONFIGURATION \
    --configDir "$FLINK_CONF_DIR" -flatten)"
}

# The value of a key of the loaded configuration, or the default.
flink_config_value() {
  local key="$1" default="${2:-}" value
  value="$(printf '%s\n' "$FLINK_FLAT_CONFIG" |
    awk -v k="$key: " 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }')"
  # Flink's YAML writer quotes values that would read as numbers: '8081'.
  case "$value" in
    \'*\' | \"*\") value="${value:1:${#value}-2}" ;;
  esac
  printf '%s\n' "${value:-$default}"
}

# JVM options of a component (jobmanager, taskmanager, client), as Flink's scripts build them:
# env.java.opts.all, then the component's own env.java.opts.<component>.
flink_java_opts() {
  printf '%s %s\n' "$(flink_config_value env.java.opts.all)" \
    "$(flink_config_value "env.java.opts.$1")"
}
