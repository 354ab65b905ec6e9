#!/usr/bin/env bash
# Memory on a huge transaction: one transaction of 10,000,000 rows (--rows N) through the full job
# in a JVM with a small heap (MEMORY_XMX, default 256m), a slow sink for the first --slow-seconds
# (default 30). Prints rows/s, the sampled heap peak and the live heap after GC.
# Example: benchmarks/memory.sh --rows 10000000 --slow-seconds 30
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q install -DskipTests -pl benchmarks -am
mvn -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
exec java -Xmx"${MEMORY_XMX:-256m}" -XX:+UseG1GC ${BENCH_JAVA_OPTS:-} \
    -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
    io.pgwal.bench.HugeTransaction "$@"
