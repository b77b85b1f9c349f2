#!/usr/bin/env bash
# Runs the whole stack in the foreground: the four services and the gateway as separate
# processes, each line of their logs prefixed with the process name. Ctrl-C or SIGTERM stops
# them all; the script then exits 0. BIN (default build/bin) picks the binaries.
set -u
bin=${BIN:-build/bin}
pids=()

start() {
    local name=$1 exe=$2
    "$bin/$exe" > >(sed -u "s/^/[$name] /") 2>&1 &
    pids+=($!)
}

stop() {
    trap - INT TERM
    kill -TERM "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
    exit 0
}
trap stop INT TERM

start auth talks-auth
start talks talks-talks
start comments talks-comments
start mail talks-mail
start gateway talks-gateway
echo "[run] Talks is starting on http://${TALKS_HTTP_ADDR:-127.0.0.1:8080} (Ctrl-C stops it)"

# If any process exits on its own (bad configuration, say), stop the rest and report it. A
# terminal's Ctrl-C reaches every process of the group at once: they all exit 0 and so do we.
wait -n "${pids[@]}"
status=$?
[ "$status" -eq 0 ] || echo "[run] a process exited with status $status; stopping the stack" >&2
kill -TERM "${pids[@]}" 2>/dev/null
wait "${pids[@]}" 2>/dev/null
exit "$status"
