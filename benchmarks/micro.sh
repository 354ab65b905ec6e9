#!/usr/bin/env bash
# The one command of the micro-benchmarks (JMH): builds the project, runs the decode and Avro
# conversion benchmarks on pgoutput messages captured from an embedded PostgreSQL, then prints
# messages/s and MB/s per benchmark (single-threaded, so per core).
# Defaults: -f 1 -wi 3 -w 2s -i 5 -r 2s; a JMH option given as an argument replaces its default
# (JMH rejects an option given twice), and a benchmark regex selects, e.g.
#   benchmarks/micro.sh -i 10 DecodeBenchmark
# -rf/-rff and the pgwal.micro.stats system property are set here: the table needs them (a
# -jvmArgs argument replaces the inherited JVM flags, so MB/s then shows as "?").
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q install -DskipTests -pl benchmarks -am
mvn -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
json=benchmarks/target/jmh.json
stats=benchmarks/target/jmh-capture.properties
rm -f "$json" "$stats"
defaults=()
for d in "-f 1" "-wi 3" "-w 2s" "-i 5" "-r 2s"; do
    opt=${d%% *}
    given=no
    for a in "$@"; do [[ $a == "$opt" ]] && given=yes; done
    [[ $given == no ]] && defaults+=($d)
done
java -Xmx2g ${BENCH_JAVA_OPTS:-} -Dpgwal.micro.stats="$stats" -cp "$cp" org.openjdk.jmh.Main \
    "${defaults[@]}" -rf json -rff "$json" "$@"
echo
java -cp "$cp" io.pgwal.bench.micro.MicroTable "$json" "$stats"
