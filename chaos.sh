#!/usr/bin/env bash
# The long exactly-once run (issue 3): randomized faults of every kind against the Avro file job
# on a MiniCluster (ExactlyOnceChaosITCase: job failovers, walsender terminations, network resets
# and partitions, PostgreSQL crashes and clean restarts), then TaskManager SIGKILLs on a real
# standalone cluster (TaskManagerKillIT). The same fault kinds also hit the Kafka job
# (KafkaSinkJob, exactly-once KafkaSink into an in-JVM Kafka broker, read back by a read_committed
# consumer). Then the Paimon pipeline (PaimonTaskManagerKillIT: Flink SQL from a pgwal table with
# an initial snapshot into a Paimon primary-key table, on a standalone cluster whose TaskManager
# is SIGKILLed during the snapshot and then during the stream; the table and its changelog are
# checked against PostgreSQL). Prints the seed and one table per part: fault kind, count, changes,
# streamed, lost, duplicated. Exits non-zero if anything was lost or duplicated.
#
#   ./chaos.sh [--faults 56] [--kafka-faults 28] [--tm-kills 8] [--paimon-kills 12] [--seed S]
#   ./chaos.sh --only-paimon [--paimon-kills 12] [--seed S]     the Paimon part alone
#
# `mvn verify` runs the short version (two faults of each kind into files, one of each kind into
# Kafka, two TaskManager kills, two into Paimon).
set -euo pipefail
cd "$(dirname "$0")"
FAULTS=56
KAFKA_FAULTS=28
KILLS=8
PAIMON_KILLS=12
ONLY_PAIMON=
SEED=$(date +%s%N)
while [ $# -gt 0 ]; do
    case "$1" in
        --faults) FAULTS=$2; shift 2 ;;
        --kafka-faults) KAFKA_FAULTS=$2; shift 2 ;;
        --tm-kills) KILLS=$2; shift 2 ;;
        --paimon-kills) PAIMON_KILLS=$2; shift 2 ;;
        --only-paimon) ONLY_PAIMON=1; shift ;;
        --seed) SEED=$2; shift 2 ;;
        *) echo "usage: $0 [--faults N] [--kafka-faults N] [--tm-kills N] [--paimon-kills N] [--only-paimon] [--seed S]" >&2; exit 2 ;;
    esac
done
mkdir -p target
LOG=target/chaos-$SEED.log
# The Paimon part: a quarter of its kills during the snapshot (100,000 rows), the rest in the stream.
PAIMON=(-Dpgwal.chaos.paimon-kills="$PAIMON_KILLS" -Dpgwal.chaos.paimon-snapshot-kills=$(( (PAIMON_KILLS + 3) / 4 ))
    -Dpgwal.chaos.paimon-rows=100000)
status=0
if [ -n "$ONLY_PAIMON" ]; then
    echo "chaos run: seed $SEED, $PAIMON_KILLS TaskManager kills into Paimon; full log in $LOG"
    mvn -B -ntp verify -pl jobs -am -Dtest=none -Dit.test=PaimonTaskManagerKillIT \
        -Dsurefire.failIfNoSpecifiedTests=false -Dit.failIfNoSpecifiedTests=false \
        -Dpgwal.chaos.seed="$SEED" "${PAIMON[@]}" > "$LOG" 2>&1 || status=$?
else
    echo "chaos run: seed $SEED, $FAULTS faults (files), $KAFKA_FAULTS faults (Kafka), $KILLS TaskManager kills, $PAIMON_KILLS into Paimon; full log in $LOG"
    mvn -B -ntp verify -pl jobs -am -Dtest=ExactlyOnceChaosITCase -Dit.test='TaskManagerKillIT,PaimonTaskManagerKillIT' \
        -Dsurefire.failIfNoSpecifiedTests=false -Dit.failIfNoSpecifiedTests=false \
        -Dpgwal.chaos.seed="$SEED" -Dpgwal.chaos.faults="$FAULTS" -Dpgwal.chaos.kafka.faults="$KAFKA_FAULTS" -Dpgwal.chaos.tm-kills="$KILLS" \
        -Dpgwal.chaos.rate=2000 -Dpgwal.chaos.tm-rows=$((KILLS * 150000)) -Dpgwal.chaos.tm-kafka-rows=$((KILLS * 150000)) \
        "${PAIMON[@]}" > "$LOG" 2>&1 || status=$?
fi
grep -E '^(\||Exactly-once chaos run|TaskManager kill run|Paimon TaskManager kill run|([0-9TZ:.-]+ )?TaskManager kill [0-9]+/|unexpected changes|chaos: [0-9]+ connection|job failovers at|\[(INFO|ERROR)\] Tests run:|\[INFO\] BUILD|\[ERROR\] BUILD)' "$LOG" || true
[ "$status" -eq 0 ] && echo "chaos run passed (seed $SEED)" || echo "chaos run FAILED (seed $SEED), see $LOG"
exit "$status"
