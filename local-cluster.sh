#!/usr/bin/env bash
# A real standalone Flink cluster on this machine: a JobManager and TaskManagers as separate JVMs,
# from Flink's artifacts on Maven Central (no Flink download, no Docker).
#
#   ./local-cluster.sh start [--sql] [N]    JobManager + N TaskManagers (default 1), waits until ready;
#                                           --sql adds what SQL jobs need to every class path: Flink's
#                                           table API and planner (as in a Flink distribution's lib/),
#                                           Paimon's bundle jar and the shaded Hadoop client
#   ./local-cluster.sh add-taskmanager      one more TaskManager (e.g. to replace a killed one)
#   ./local-cluster.sh kill-taskmanager     SIGKILL the oldest running TaskManager
#   ./local-cluster.sh submit [-c CLASS] JAR [ARGS]
#                                           run a job jar on the cluster (detached), prints the job id
#   ./local-cluster.sh status | stop
#
# REST/web UI on http://localhost:${PGWAL_CLUSTER_REST_PORT:-18081}, JobManager RPC on
# ${PGWAL_CLUSTER_RPC_PORT:-16123} (pass the same variables to every command); state, logs and pids
# under local-cluster/target/.
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/local-cluster"
REST_PORT=${PGWAL_CLUSTER_REST_PORT:-18081}
RPC_PORT=${PGWAL_CLUSTER_RPC_PORT:-16123}
SLOTS=${PGWAL_CLUSTER_SLOTS:-2}
T=target
# What Flink's own scripts pass on Java 17 (env.java.opts.all in its default configuration).
OPENS=(--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED)
mkdir -p "$T/pids" "$T/log" "$T/conf" "$T/checkpoints"

libs() {
    if [ ! -f "$T/lib/.complete" ]; then
        mvn -q -B -ntp -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory="$T/lib" \
            -DincludeScope=runtime
        touch "$T/lib/.complete"
    fi
}

sql_libs() { # only what the cluster's own class path lacks (see the sql profile in pom.xml)
    if [ ! -f "$T/lib-sql/.complete" ]; then
        mvn -q -B -ntp -Dstyle.color=never -Psql dependency:copy-dependencies \
            -DoutputDirectory="$T/lib-sql" -DincludeScope=provided
        touch "$T/lib-sql/.complete"
    fi
}

# The class path of the cluster's JVMs and of `submit`, chosen by `start`.
classpath() { cat "$T/conf/classpath" 2>/dev/null || echo "$T/lib/*"; }

conf() {
    cat > "$T/conf/config.yaml" <<YAML
jobmanager:
  rpc: {address: localhost, port: $RPC_PORT}
  bind-host: localhost
  memory: {process: {size: 1024m}}
taskmanager:
  host: localhost
  bind-host: localhost
  numberOfTaskSlots: $SLOTS
  memory: {process: {size: 1280m}}
rest: {address: localhost, port: $REST_PORT, bind-address: localhost}
# Notice a killed TaskManager within seconds, not the default 50 s.
heartbeat: {interval: 1000, timeout: 6000}
execution:
  checkpointing: {interval: 2s, dir: "file://$PWD/$T/checkpoints"}
restart-strategy: {type: fixed-delay, fixed-delay: {attempts: 20, delay: 2s}}
YAML
    cat > "$T/conf/log4j.properties" <<'PROPS'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = File
appender.file.name = File
appender.file.type = File
appender.file.fileName = ${sys:log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d %-5p %c{1} - %m%n
PROPS
}

java_cmd() { # name main-class [jvm-args...] -- [program-args...]
    local name=$1 main=$2; shift 2
    local jvm=() prog=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do jvm+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    prog=("$@")
    nohup java "${OPENS[@]}" "${jvm[@]}" -Dlog.file="$PWD/$T/log/$name.log" \
        -Dlog4j.configurationFile="$PWD/$T/conf/log4j.properties" -cp "$(classpath)" "$main" \
        -c "$T/conf" "${prog[@]}" > "$T/log/$name.out" 2>&1 &
    echo $! > "$T/pids/$name.pid"
}

taskmanagers() { ls "$T/pids" 2>/dev/null | grep -E '^tm-[0-9]+\.pid$' | sort -t- -k2 -n || true; }

rest() { curl -sf "http://localhost:$REST_PORT$1"; }

registered() { rest /overview | sed -E 's/.*"taskmanagers":([0-9]+).*/\1/'; }

wait_for() { # TaskManager resource id
    for _ in $(seq 1 240); do
        if rest /taskmanagers 2>/dev/null | grep -q "\"id\":\"$1\""; then return 0; fi
        sleep 0.5
    done
    echo "TaskManager $1 did not register; see $PWD/$T/log" >&2
    return 1
}

add_taskmanager() {
    local n=$(( $(ls "$T/pids" | grep -cE '^tm-' || true) + 1 ))
    local params jvm dyn
    params=$(java -cp "$(classpath)" org.apache.flink.runtime.util.bash.BashJavaUtils \
        GET_TM_RESOURCE_PARAMS -c "$T/conf" 2>/dev/null | grep BASH_JAVA_UTILS_EXEC_RESULT: \
        | sed 's/BASH_JAVA_UTILS_EXEC_RESULT://')
    jvm=$(echo "$params" | sed -n 1p)
    dyn=$(echo "$params" | sed -n 2p)
    # shellcheck disable=SC2086
    java_cmd "tm-$n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner $jvm -- $dyn \
        -D "taskmanager.resource-id=tm-$n"
    wait_for "tm-$n"
}

alive() { kill -0 "$(cat "$1")" 2>/dev/null; }


case "${1:-}" in
    start)
        if [ -f "$T/pids/jm.pid" ] && alive "$T/pids/jm.pid"; then echo "already running" >&2; exit 1; fi
        libs; conf
        echo "$T/lib/*" > "$T/conf/classpath"
        if [ "${2:-}" = "--sql" ]; then
            sql_libs
            echo "$T/lib/*:$T/lib-sql/*" > "$T/conf/classpath"
            shift
        fi
        rm -f "$T"/pids/*.pid "$T"/log/*
        java_cmd jm org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint -Xmx512m --
        for _ in $(seq 1 "${2:-1}"); do add_taskmanager; done
        echo "Flink cluster up: http://localhost:$REST_PORT ($(registered) TaskManagers)"
        ;;
    add-taskmanager)
        add_taskmanager
        ;;
    kill-taskmanager)
        for p in $(taskmanagers); do
            if alive "$T/pids/$p"; then
                kill -9 "$(cat "$T/pids/$p")"
                while alive "$T/pids/$p"; do sleep 0.1; done
                echo "killed ${p%.pid}"; exit 0
            fi
        done
        echo "no running TaskManager" >&2; exit 1
        ;;
    submit)
        shift; entry=()
        if [ "${1:-}" = "-c" ]; then entry=(-c "$2"); shift 2; fi
        jar=$(cd "$OLDPWD" && realpath "$1"); shift
        FLINK_CONF_DIR="$PWD/$T/conf" java "${OPENS[@]}" -cp "$(classpath)" org.apache.flink.client.cli.CliFrontend \
            run -d "${entry[@]}" "$jar" "$@"
        ;;
    status)
        rest /overview && echo || echo "not running"
        ;;
    stop)
        for p in "$T"/pids/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; rm -f "$p"; done
        echo "stopped"
        ;;
    *)
        sed -n '2,17p' "$SELF" | sed 's/^# \{0,1\}//'; exit 2
        ;;
esac
