#!/usr/bin/env bash
# Scale run: N pooled connections to a loopback echo server in a separate JVM, for both transports side by side.
# Usage: benchmarks/scale.sh [counts...]   (default: 1000 3000 10000); build first: mvn -B -DskipTests package
#        TLS=1 benchmarks/scale.sh [counts...]   the same over wss:// (self-signed EC key from keytool, SAN ip:127.0.0.1)
#        CLIENT_JVM_ARGS="-XX:MaxGCPauseMillis=20" benchmarks/scale.sh 10000   extra JVM options for the client
#        TRANSPORTS=nio benchmarks/scale.sh 10000   one transport only (nio = the default shared selector, jws)
#        COMPRESSION=1 TRANSPORTS=nio benchmarks/scale.sh 10000   each transport twice, compression off and on, against
#            a server that compresses and keeps its context; every connection carries one 2 KiB message first
# Prints a Markdown table (one row per transport and count). Wrap in `flock /tmp/jmh.lock` on a shared machine.
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
SCALE_COMPRESSION="${COMPRESSION:-0}" java -Xmx3g -cp "$JAR" io.github.wspool.benchmarks.scale.ScaleServer "$PORT_FILE" "${SERVER_TLS[@]}" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -f "$PORT_FILE"' EXIT
for _ in $(seq 100); do [ -s "$PORT_FILE" ] && break; sleep 0.1; done
URI="$SCHEME://127.0.0.1:$(cat "$PORT_FILE")/"
echo "| transport ($SCHEME) | connections | opened | connect total | connect p50 / mean / p99 | JVM threads (+ over baseline) | RSS / conn | heap / conn | echo RTT p50 / p99 | echo failures | close |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
PAUSES=""
for n in ${COUNTS[*]}; do
  for t in ${TRANSPORTS:-nio jws}; do
  for m in "${MODES[@]}"; do
    GC_LOG="/tmp/wspool-scale-gc-$SCHEME-$t$m-$n.log"
    # shellcheck disable=SC2086 # CLIENT_JVM_ARGS is a list of options
    timeout 420 java -Xmx2g -Xss512k "-Xlog:gc:file=$GC_LOG" ${CLIENT_JVM_ARGS:-} "${CLIENT_TLS[@]}" -cp "$JAR" io.github.wspool.benchmarks.scale.ScaleClient \
      "$t" "$n" "$URI" 10 20000 $m 2> >(grep -v '^\[' | tail -3 >&2) \
      || echo "| $t | $n | run failed or timed out (exit $?) | | | | | | | | |"
    # longest young/mixed pause (the explicit full GCs the client runs to measure the heap are left out)
    PAUSES="$PAUSES $t${m:++$m}/$n: $(grep 'Pause' "$GC_LOG" | grep -v 'Pause Full' | grep -o '[0-9.]*ms$' | tr -d ms | sort -g | tail -1) ms;"
    sleep 2 # let the server settle its closes
  done
  done
done
echo
echo "longest G1 young/mixed pause:$PAUSES"
