#!/usr/bin/env bash
# Measures an idle `rounds run` connected to the Discord stand-in (and to Matrix when run under
# `python3 scripts/synapse/harness.py run --`): CPU time per idle minute
# (utime + stime from /proc/<pid>/stat) and system calls over 10 s (`strace -c -f -p`, if
# installed). Usage: scripts/measure_idle.sh [path/to/rounds] [seconds]
# Without a path it measures this checkout's debug build. With ROUNDS_IDLE_POSTGRES=1 (and
# ROUNDS_TEST_POSTGRES pointing at a server) it runs on PostgreSQL and counts its transactions.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -ge 1 && -n "$1" ]]; then
  export ROUNDS_BENCH_BIN="$(realpath "$1")"
fi
export ROUNDS_IDLE_SECONDS="${2:-60}"
exec cargo bench --locked --bench idle
