#!/usr/bin/env bash
# Scale run: N pooled connections to a loopback echo server in a separate JVM, for both transports side by side.
# Usage: benchmarks/scale.sh [counts...]   (default: 1000 3000 10000); build first: mvn -B -DskipTests package
#        TLS=1 benchmarks/scale.sh [counts...]   the same over wss:// (self-signed EC key from keytool, SAN ip:127.0.0.1)
#        CLIENT_JVM_ARGS="-XX:MaxGCPauseMillis=20" benchmarks/scale.sh 10000   extra JVM options for the client
#        TRANSPORTS=nio benchmarks/scale.sh 10000   one transport only (nio = the default shared selector, jws)
#        SERVER_KIND=netty TRANSPORTS="nio netty" benchmarks/scale.sh 19000   the pool and, as a peer measured in the
#            same run, a plain Netty WebSocket client (NettyScaleClient: as many event loops as the pool has selector
#            threads, 64 connects in flight, a ping every 5 s less up to 10% jitter, close frames 1001; ws:// only,
#            no COMPRESSION)
#        COMPRESSION=1 TRANSPORTS=nio benchmarks/scale.sh 10000   each transport twice, compression off and on, against
#            a server that compresses and keeps its context; every connection carries one 2 KiB message first
#        SERVER_JVM_ARGS="..." extra JVM options for the server JVM
#        SERVER_KIND=netty benchmarks/scale.sh 19000   against the Netty echo server of echo.sh instead (plain ws:// only)
# Prints a Markdown table (one row per transport and count) and, for more than one count, the growth table: each
# figure at N over the same figure at the first count (e.g. benchmarks/scale.sh 1000 5000 10000 19000).
# The client JVM runs with -Xmx2g -Xss512k, a GC log, and CLIENT_JVM_ARGS; the line "client JVM options" says which.
# Wrap in `flock /tmp/jmh.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=benchmarks/target/benchmarks.jar
COUNTS=("${@:-1000 3000 10000}")
ulimit -n 20000 # one fd per connection on each side; the hard limit here is 20,000 per process
PORT_FILE=$(mktemp)
SCHEME=ws
SERVER_TLS=()
CLIENT_TLS=()
if [ "${TLS:-0}" = 1 ]; then
  DIR=$(mktemp -d)
  keytool -genkeypair -alias scale -keyalg EC -groupname secp256r1 -dname CN=scale -ext SAN=ip:127.0.0.1 -validity 2 \
    -storetype PKCS12 -keystore "$DIR/server.p12" -storepass changeit -keypass changeit >/dev/null 2>&1
  keytool -exportcert -alias scale -keystore "$DIR/server.p12" -storepass changeit -file "$DIR/scale.crt" >/dev/null 2>&1
  keytool -importcert -noprompt -alias scale -file "$DIR/scale.crt" -storetype PKCS12 -keystore "$DIR/trust.p12" \
    -storepass changeit >/dev/null 2>&1
  SCHEME=wss
  SERVER_TLS=("$DIR/server.p12" changeit)
  # the pool's default TLS options use the JVM's default context: point its trust store at the test certificate
  CLIENT_TLS=("-Djavax.net.ssl.trustStore=$DIR/trust.p12" -Djavax.net.ssl.trustStorePassword=changeit)
fi
MODES=("")
if [ "${COMPRESSION:-0}" = 1 ]; then MODES=(plain deflate); fi
# shellcheck disable=SC2086 # SERVER_JVM_ARGS is a list of options
if [ "${SERVER_KIND:-jws}" = netty ]; then
  # the Netty echo server of benchmarks/echo.sh (2 event loops): a server cheaper than Java-WebSocket's single selector
  # thread, so that the client's own ramp and close are what is timed; no TLS, no compression, no close-frame counts
  if [ "${TLS:-0}" = 1 ] || [ "${COMPRESSION:-0}" = 1 ]; then echo "SERVER_KIND=netty serves plain ws:// only" >&2; exit 2; fi
  # shellcheck disable=SC2086
  java -Xmx3g ${SERVER_JVM_ARGS:-} -cp "$JAR" io.github.wspool.benchmarks.echo.NettyEchoServer "$PORT_FILE" 2 &
else
  # shellcheck disable=SC2086
  SCALE_COMPRESSION="${COMPRESSION:-0}" java -Xmx3g ${SERVER_JVM_ARGS:-} -cp "$JAR" io.github.wspool.benchmarks.scale.ScaleServer "$PORT_FILE" "${SERVER_TLS[@]}" &
fi
SERVER=$!
TSV=$(mktemp)
trap 'kill $SERVER 2>/dev/null; rm -f "$PORT_FILE" "$PORT_FILE.closes" "$TSV"' EXIT
for _ in $(seq 100); do [ -s "$PORT_FILE" ] && break; sleep 0.1; done
URI="$SCHEME://127.0.0.1:$(cat "$PORT_FILE")/"
echo "client JVM options: -Xmx2g -Xss512k ${CLIENT_JVM_ARGS:-}"
echo "machine at start: load average $(cut -d' ' -f1-3 /proc/loadavg), CPU pressure $(head -1 /proc/pressure/cpu 2>/dev/null || echo n/a)"
echo
echo "| transport ($SCHEME) | connections | opened | connect total | connect p50 / mean / p99 | JVM threads (+ over baseline) | RSS / conn | heap live / conn | heap committed / conn | echo RTT p50 / p99 | echo failures | close | closed cleanly (server saw) | longest GC pause ramp / hold / echo / close (ms) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in ${COUNTS[*]}; do
  for t in ${TRANSPORTS:-nio jws}; do
  for m in "${MODES[@]}"; do
    GC_LOG="/tmp/wspool-scale-gc-$SCHEME-$t$m-$n.log"
    # shellcheck disable=SC2086 # CLIENT_JVM_ARGS is a list of options
    timeout 420 java -Xmx2g -Xss512k "-Xlog:gc:file=$GC_LOG" ${CLIENT_JVM_ARGS:-} "${CLIENT_TLS[@]}" \
      "-Dscale.gclog=$GC_LOG" "-Dscale.serverCloses=$PORT_FILE.closes" "-Dscale.tsv=$TSV" \
      -cp "$JAR" io.github.wspool.benchmarks.scale.ScaleClient \
      "$t" "$n" "$URI" 10 20000 $m 2> >(grep -v '^\[' | tail -3 >&2) \
      || echo "| $t | $n | run failed or timed out (exit $?) | | | | | | | | | | | |"
    sleep 2 # let the server settle its closes
  done
  done
done
echo
echo "machine at end: load average $(cut -d' ' -f1-3 /proc/loadavg), CPU pressure $(head -1 /proc/pressure/cpu 2>/dev/null || echo n/a)"
echo "GC pauses: from the client's GC log (/tmp/wspool-scale-gc-*.log), by phase; the full GCs the client runs itself"
echo "to measure the heap are left out. Heap committed / conn: the heap the JVM had committed at hold, over the baseline."
if [ "$(echo ${COUNTS[*]} | wc -w)" -gt 1 ]; then
  echo
  echo "Growth (× = the figure at N over the same figure at the first count):"
  echo
  echo "| transport | connections | connect p50 | connect p99 | RSS / conn | heap live / conn | heap committed / conn | close | RSS growth over the previous count, per added connection |"
  echo "|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' '
    function g(v, b) { return b > 0 ? sprintf("%.2f×", v / b) : "–" }
    !($1 in p50) { p50[$1] = $4; p99[$1] = $5; rss[$1] = $6; heap[$1] = $7; com[$1] = $8; cl[$1] = $9 }
    { m = ($1 in lastN) && $2 > lastN[$1] ? sprintf("%.1f KiB", ($14 - lastRss[$1]) * 1024 / ($2 - lastN[$1])) : "–"
      printf "| %s | %d | %.1f ms (%s) | %.1f ms (%s) | %.1f KiB (%s) | %.1f KiB (%s) | %.1f KiB (%s) | %.2f s (%s) | %s |\n",
        $1, $2, $4, g($4, p50[$1]), $5, g($5, p99[$1]), $6, g($6, rss[$1]), $7, g($7, heap[$1]), $8, g($8, com[$1]),
        $9, g($9, cl[$1]), m
      lastN[$1] = $2; lastRss[$1] = $14 }' "$TSV"
fi
