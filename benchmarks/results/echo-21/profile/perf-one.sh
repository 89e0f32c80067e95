#!/usr/bin/env bash
# Used for the #21 echo reading (results/echo-21/profile): starts the echo server, runs one EchoLoad client on 100
# connections with perf-map output, records it with perf (999 Hz, call graphs) for 6 s after the warmup has begun.
# Run from the repository root under flock /tmp/jmh.lock; then: perf script -i /tmp/echo-prof/<tag>.perf > <tag>.txt;
# python3 perf-summary.py <tag>.txt; python3 perf-frames.py <tag>.txt <thread-name-with-digits-as-N>.
# perf one client in one scenario: perf.sh <client> <scenario> <tag>
set -euo pipefail
cd "$(dirname "$0")/../../../.."
JAR=benchmarks/target/benchmarks.jar
PF=$(mktemp)
java -Xmx1g -Dio.netty.leakDetection.level=disabled -cp $JAR io.github.wspool.benchmarks.echo.NettyEchoServer $PF 2 &
S=$!
trap 'kill $S' EXIT
for _ in $(seq 100); do [ -s "$PF" ] && break; sleep 0.1; done
java -Xmx1g -Xss512k -Dio.netty.leakDetection.level=disabled -Decho.serverPid=$S -Decho.warmupSeconds=2 -Decho.measureSeconds=3 \
  -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer \
  -cp $JAR io.github.wspool.benchmarks.echo.EchoLoad $1 100 ws://127.0.0.1:$(cat $PF)/ $2 > /tmp/echo-prof/$3.out 2>&1 &
C=$!
for _ in $(seq 200); do grep -q 'connections open' /tmp/echo-prof/$3.out 2>/dev/null && break; sleep 0.1; done
sleep 3
perf record -q -F 999 -g -p $C -o /tmp/echo-prof/$3.perf -- sleep 6 >/dev/null 2>&1
wait $C || true
grep -v '^\[' /tmp/echo-prof/$3.out
echo "pid $C"
