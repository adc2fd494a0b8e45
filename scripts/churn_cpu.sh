#!/usr/bin/env bash
# The dashboard's CPU while pods churn after sync: serves PODS pods from the fake API server
# (examples/kube_load.rs), starts the dashboard on it in tmux (--no-aws, or with --aws on
# moto filled with the cluster's roles), waits for the churn (10 pod events per second, a
# pod deleted or added back) to start once it has synced, then reads the dashboard's
# utime+stime from /proc/PID/stat over WINDOW seconds.
#
#   scripts/churn_cpu.sh [--aws] [PODS] [WINDOW] [SETTLE]
#
# PODS defaults to 20000, WINDOW to 60 s, SETTLE (seconds before the churn starts, for the
# dashboard to list everything) to 60. Prints the share of one core, the CPU per event and
# the dashboard's RSS. --aws needs moto (bash scripts/test.sh installs it into .venv/, or
# set IRSA_TUI_MOTO_SERVER). IRSA_TUI_MEASURE_BIN: measure that irsa-tui binary instead;
# IRSA_TUI_MEASURE_NO_BUILD=1: build nothing.
set -euo pipefail
aws=0
if [ "${1:-}" = --aws ]; then aws=1; shift; fi
pods=${1:-20000}
window=${2:-60}
settle=${3:-60}
rate=10
cd "$(dirname "$0")/.."
[ -n "${IRSA_TUI_MEASURE_NO_BUILD:-}" ] || cargo build --quiet --release --bin irsa-tui --example kube_load
bin=${IRSA_TUI_MEASURE_BIN:-target/release/irsa-tui}
dir=$(mktemp -d)
session="irsa-churn-$$"
moto_pid=
cleanup() {
    tmux kill-session -t "$session" 2> /dev/null || true
    kill "$server" 2> /dev/null || true
    [ -z "$moto_pid" ] || kill "$moto_pid" 2> /dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
server=
moto_args=()
dash_env=()
dash_args=(--no-aws)
if [ "$aws" = 1 ]; then
    . scripts/lib/moto.sh
    start_moto
    dash_env=("${moto_env[@]}")
    dash_args=()
fi
target/release/examples/kube_load "${moto_args[@]}" --pods "$pods" --dir "$dir" \
    --churn "$rate" --churn-after "$settle" > "$dir/server.log" 2>&1 &
server=$!
kubeconfig=""
for _ in $(seq 600); do
    # Printed once the cluster (and moto's roles) are ready.
    kubeconfig=$(sed -n 's/^kubeconfig: //p' "$dir/server.log")
    [ -n "$kubeconfig" ] && break
    sleep 1
done
[ -n "$kubeconfig" ] || { echo "the fake API server did not start" >&2; exit 1; }
tmux new-session -d -s "$session" -x 160 -y 45 \
    "exec env ${dash_env[*]} $bin --kubeconfig $kubeconfig ${dash_args[*]}"
pid=$(tmux display-message -p -t "$session" '#{pane_pid}')
until grep -q churning "$dir/server.log"; do
    kill -0 "$server" 2> /dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 1
done
# Let the first events through before measuring.
sleep 5
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
t0=$(ticks)
s0=$(date +%s.%N)
sleep "$window"
t1=$(ticks)
s1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$(getconf CLK_TCK)" \
    -v pods="$pods" -v rate="$rate" -v aws="$aws" 'BEGIN {
        cpu = (b - a) / hz; wall = e - s; events = wall * rate;
        printf "%d pods%s, %d events/s: %.2f%% of one core over %.0f s, %.2f ms of CPU per event\n",
            pods, aws ? " (with AWS)" : "", rate, 100 * cpu / wall, wall, 1000 * cpu / events
    }'
grep VmRSS "/proc/$pid/status"
