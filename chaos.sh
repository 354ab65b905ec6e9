#!/usr/bin/env bash
# The long exactly-once run (issue 3): randomized faults of every kind against the Avro file job
# on a MiniCluster (ExactlyOnceChaosITCase: job failovers, walsender terminations, network resets
# and partitions, PostgreSQL crashes and clean restarts), then TaskManager SIGKILLs on a real
# standalone cluster (TaskManagerKillIT). The same fault kinds also hit the Kafka job
# (KafkaSinkJob, exactly-once KafkaSink into an in-JVM Kafka broker, read back by a read_committed
# consumer). Prints the seed and one table per part: fault kind, count, changes, streamed, lost,
# duplicated. Exits non-zero if anything was lost or duplicated.
#
#   ./chaos.sh [--faults 56] [--kafka-faults 28] [--tm-kills 8] [--seed S]
#
# `mvn verify` runs the short version (two faults of each kind into files, one of each kind into
# Kafka, two TaskManager kills).
set -euo pipefail
cd "$(dirname "$0")"
FAULTS=56
KAFKA_FAULTS=28
KILLS=8
SEED=$(date +%s%N)
while [ $# -gt 0 ]; do
    case "$1" in
        --faults) FAULTS=$2; shift 2 ;;
        --kafka-faults) KAFKA_FAULTS=$2; shift 2 ;;
        --tm-kills) KILLS=$2; shift 2 ;;
        --seed) SEED=$2; shift 2 ;;
        *) echo "usage: $0 [--faults N] [--kafka-faults N] [--tm-kills N] [--seed S]" >&2; exit 2 ;;
    esac
done
mkdir -p target
LOG=target/chaos-$SEED.log
echo "chaos run: seed $SEED, $FAULTS faults (files), $KAFKA_FAULTS faults (Kafka), $KILLS TaskManager kills; full log in $LOG"
status=0
mvn -B -ntp verify -pl jobs -am -Dtest=ExactlyOnceChaosITCase -Dit.test=TaskManagerKillIT \
    -Dsurefire.failIfNoSpecifiedTests=false -Dit.failIfNoSpecifiedTests=false \
    -Dpgwal.chaos.seed="$SEED" -Dpgwal.chaos.faults="$FAULTS" -Dpgwal.chaos.kafka.faults="$KAFKA_FAULTS" -Dpgwal.chaos.tm-kills="$KILLS" \
    -Dpgwal.chaos.rate=2000 -Dpgwal.chaos.tm-rows=$((KILLS * 150000)) -Dpgwal.chaos.tm-kafka-rows=$((KILLS * 150000)) > "$LOG" 2>&1 || status=$?
grep -E '^(\||Exactly-once chaos run|TaskManager kill run|unexpected changes|chaos: [0-9]+ connection|job failovers at|\[(INFO|ERROR)\] Tests run:|\[INFO\] BUILD|\[ERROR\] BUILD)' "$LOG" || true
[ "$status" -eq 0 ] && echo "chaos run passed (seed $SEED)" || echo "chaos run FAILED (seed $SEED), see $LOG"
exit "$status"
