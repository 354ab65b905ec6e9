#!/usr/bin/env bash
# The snapshot benchmark: loads an orders table of --rows N (default 10,000,000) into an embedded
# PostgreSQL and reads it whole: raw COPY drains in Java (binary: the ceiling; text: what pgwal
# reads) and the pgwal source with scan.startup.mode = snapshot at each --parallelism (default 1,2).
# Prints each run and a table with rows/s, MB/s, the ratio to the binary COPY drain and peak heap.
# The JVM heap is SNAPSHOT_XMX (default 256m: the chunks must fit a small TaskManager).
# Options: --rows N --repeat N --parallelism 1,2 --ways ... --chunk-rows N --warmup N (untimed
# snapshot runs first, default 1). Example: benchmarks/snapshot.sh --rows 10000000 --repeat 3
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q install -DskipTests -pl benchmarks -am
mvn -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
exec java -Xmx"${SNAPSHOT_XMX:-256m}" ${BENCH_JAVA_OPTS:-} \
    -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
    io.pgwal.bench.SnapshotBenchmark "$@"
