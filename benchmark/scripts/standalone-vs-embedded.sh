#!/usr/bin/env bash
# Same benchmark, same run, two deployments of the same job:
#   1. embedded:   broker + MiniCluster + job + load generator in one JVM (`bin/benchmark`);
#   2. standalone: broker + registry JVM (`bin/inferstream up --no-job`), a JobManager and a
#                  TaskManager JVM (`bin/flink-cluster start`), the job submitted with `flink run`,
#                  and the same load generator pointed at it (`bin/benchmark --bootstrap`).
# Every argument goes to both benchmark runs (`--model`, `--rate`, `--duration`, `--models`, ...);
# only the pipeline phase runs. Prints both result rows and their ratios.
#
# Environment: COMPARE_KAFKA_PORT (19092), COMPARE_REGISTRY_PORT (19082), COMPARE_REST_PORT (18081),
# COMPARE_RPC_PORT (16123), COMPARE_PROM_PORTS (19249-19260), COMPARE_WORK (a fresh directory under
# /tmp): ports and the scratch directory of the standalone run.
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KAFKA_PORT="${COMPARE_KAFKA_PORT:-19092}"
REGISTRY_PORT="${COMPARE_REGISTRY_PORT:-19082}"
REST_PORT="${COMPARE_REST_PORT:-18081}"
RPC_PORT="${COMPARE_RPC_PORT:-16123}"
PROM_PORTS="${COMPARE_PROM_PORTS:-19249-19260}"
WORK="${COMPARE_WORK:-$(mktemp -d /tmp/inferstream-compare.XXXXXX)}"
mkdir -p "$WORK"
export INFERSTREAM_FLINK_HOME="$WORK/flink-home"

say() { printf 'compare: %s\n' "$*" >&2; }

models=()
previous=""
for arg in "$@"; do
  if [ "$previous" = "--models" ]; then models=(--models "$arg"); fi
  case "$arg" in --models=*) models=(--models "${arg#--models=}") ;; esac
  previous="$arg"
done

job_jar() {
  local f
  for f in "$ROOT"/inference-job/target/inferstream-inference-job-*-job.jar; do
    [ -f "$f" ] && { printf '%s\n' "$f"; return 0; }
  done
  return 1
}

up_pid=""
cleanup() {
  set +e
  "$ROOT/bin/flink-cluster" stop >/dev/null 2>&1
  if [ -n "$up_pid" ]; then
    kill -INT "$up_pid" 2>/dev/null
    wait "$up_pid" 2>/dev/null
  fi
}
trap cleanup EXIT

wait_for() { # description, seconds, command...
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { say "timed out waiting for $what"; exit 1; }
    sleep 1
  done
}

job_running() {
  curl -fsS "http://localhost:$REST_PORT/jobs/overview" |
    python3 -c 'import json,sys
jobs=[j for j in json.load(sys.stdin)["jobs"] if j["state"]=="RUNNING"]
sys.exit(0 if jobs and all(j["tasks"]["running"]==j["tasks"]["total"] for j in jobs) else 1)'
}

say "1/2 embedded stack (one JVM)"
"$ROOT/bin/benchmark" --phases pipeline --out "$WORK/embedded.csv" "$@"

say "2/2 standalone cluster: broker + registry, JobManager, TaskManager, flink run"
[ -n "$(job_jar || true)" ] || (cd "$ROOT" && mvn -q -B -DskipTests install -pl inference-job -am)
INFERSTREAM_HOME="$WORK/inferstream-home" "$ROOT/bin/inferstream" up --no-job --clean \
  --kafka-port "$KAFKA_PORT" --registry-port "$REGISTRY_PORT" ${models[@]+"${models[@]}"} \
  >"$WORK/up.log" 2>&1 &
up_pid=$!
wait_for "the broker and the registry" 120 curl -fsS "http://localhost:$REGISTRY_PORT/api/v1/health"
"$ROOT/bin/flink-cluster" start --rest-port "$REST_PORT" --rpc-port "$RPC_PORT" \
  --prom-ports "$PROM_PORTS"
"$ROOT/bin/flink-cluster" flink run -d "$(job_jar)" \
  --inference.kafka.bootstrap-servers "localhost:$KAFKA_PORT"
wait_for "the job to run with all its tasks" 120 job_running
"$ROOT/bin/benchmark" --bootstrap "localhost:$KAFKA_PORT" --phases pipeline \
  --out "$WORK/standalone.csv" "$@"

say "results (CSVs in $WORK)"
python3 - "$WORK/embedded.csv" "$WORK/standalone.csv" <<'PY'
import csv, sys
embedded, standalone = (list(csv.DictReader(open(path))) for path in sys.argv[1:])
keys = ["achieved_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "queue_p50_ms", "ok", "errors", "timeouts"]
print(f"{'':22}" + "".join(f"{k:>15}" for k in keys))
for e, s in zip(embedded, standalone):
    load = "closed loop" if float(e["target_rate"]) == 0 else f"{float(e['target_rate']):g} req/s"
    print(f"-- {e['model']}, {load}")
    for name, row in (("embedded", e), ("standalone", s)):
        print(f"{name:22}" + "".join(f"{float(row[k]):>15.2f}" for k in keys))
    ratio = [f"{float(s[k]) / float(e[k]):>15.2f}" if float(e[k]) else f"{'-':>15}" for k in keys]
    print(f"{'standalone/embedded':22}" + "".join(ratio))
PY
