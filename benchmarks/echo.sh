#!/usr/bin/env bash
# Echo run (#21, "Messages"): wspool against raw Java-WebSocket clients and a Netty WebSocket client, message by
# message, on the same loopback Netty echo server (its own JVM, 127.0.0.1 only) and the same number of connections.
# Usage: benchmarks/echo.sh [out-dir]   build first: mvn -B -o -q -DskipTests package -pl pool-api,pool-strategies,pool-core,pool-metrics,benchmarks
#        WARMUP=3 MEASURE=2 (seconds, per scenario; 3 measured rounds, the median is reported)
#        CLIENTS="wspool jws netty"   COUNTS="100 1000"   CLIENT_JVM_ARGS="..." (extra options for the client JVMs)
#        SCENARIOS="closed:512" (the same scenarios at every count instead of the defaults below)
#        CLIENT_JVM_ARGS=-Decho.queue=fair|lifo: the baselines hand out connections FIFO with waiters in order (as
#            wspool serves waiters), or LIFO (hot connections reused, like wspool's last-released-first); default fifo
# Scenarios (see EchoLoad): at 100 connections latency:2 closed:8 closed:64 chains:64 closed:512, at 1,000
# latency:2 closed:8 closed:64. One client JVM per client kind and connection count; ~4-5 minutes in all.
# Writes raw.txt (every round) and table.md to out-dir (default: a temporary directory) and prints the table.
# Wrap in `flock /tmp/jmh.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=benchmarks/target/benchmarks.jar
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
: > "$OUT/raw.txt"
ulimit -n 20000 || true # one fd per connection on each side
PORT_FILE=$(mktemp)
NETTY_QUIET=(-Dio.netty.leakDetection.level=disabled)
java -Xmx1g "${NETTY_QUIET[@]}" -cp "$JAR" io.github.wspool.benchmarks.echo.NettyEchoServer "$PORT_FILE" 2 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -f "$PORT_FILE"' EXIT
for _ in $(seq 100); do [ -s "$PORT_FILE" ] && break; sleep 0.1; done
URI="ws://127.0.0.1:$(cat "$PORT_FILE")/"
{
  echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, $(java -version 2>&1 | head -1), server pid $SERVER at $URI"
  echo "# WARMUP=${WARMUP:-3} MEASURE=${MEASURE:-2} CLIENT_JVM_ARGS=${CLIENT_JVM_ARGS:-}"
} | tee -a "$OUT/raw.txt"
for n in ${COUNTS:-100 1000}; do
  if [ -n "${SCENARIOS:-}" ]; then read -r -a RUN <<< "$SCENARIOS"
  elif [ "$n" -le 100 ]; then RUN=(latency:2 closed:8 closed:64 chains:64 closed:512); else RUN=(latency:2 closed:8 closed:64); fi
  for client in ${CLIENTS:-wspool jws netty}; do
    # shellcheck disable=SC2086 # CLIENT_JVM_ARGS is a list of options
    timeout 300 java -Xmx1g -Xss512k "${NETTY_QUIET[@]}" ${CLIENT_JVM_ARGS:-} -Decho.serverPid="$SERVER" \
      -Decho.warmupSeconds="${WARMUP:-3}" -Decho.measureSeconds="${MEASURE:-2}" \
      -cp "$JAR" io.github.wspool.benchmarks.echo.EchoLoad "$client" "$n" "$URI" "${RUN[@]}" 2>&1 \
      | grep -v '^\[' | tee -a "$OUT/raw.txt" || echo "# $client $n: run failed or timed out" | tee -a "$OUT/raw.txt"
    sleep 1 # let the server settle its closes
  done
done
echo
java -cp "$JAR" io.github.wspool.benchmarks.echo.EchoTable < "$OUT/raw.txt" | tee "$OUT/table.md"
