#!/usr/bin/env bash
# The one command of the drain benchmark: builds the project, then runs BenchmarkMain with the
# given flags (--rows N --tx-size N --mode insert|mixed --repeat N
# --ways raw,recvlogical,decode,avro,flink,flink-reuse --checkpoint-interval 3s).
# Example: benchmarks/run.sh --rows 1000000 --repeat 3
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q install -DskipTests -pl benchmarks -am
mvn -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
exec java -Xmx2g ${BENCH_JAVA_OPTS:-} \
    -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
    io.pgwal.bench.BenchmarkMain "$@"
