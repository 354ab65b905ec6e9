#!/usr/bin/env bash
# The one command of the drain benchmark: builds the project, then runs BenchmarkMain with the
# given flags (--rows N --tx-size N --mode insert|mixed --repeat N
# --ways raw,recvlogical,decode,avro,flink,flink-reuse[,kafka] --checkpoint-interval 3s).
# Example: benchmarks/run.sh --rows 1000000 --repeat 3
set -euo pipefail
cd "$(dirname "$0")/.."
# Built in one reactor (no install into the local repository): the classpath points at the modules'
# target/ jars.
mvn -q -B -ntp -pl benchmarks -am package -DskipTests dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
exec java -Xmx2g ${BENCH_JAVA_OPTS:-} \
    -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
    io.pgwal.bench.BenchmarkMain "$@"
