#!/usr/bin/env bash
# Peak memory of `irsa-tui report` (and of the dashboard) against the fake Kubernetes API
# server of `examples/kube_load.rs`, with moto for AWS, as issue 14 measures it:
#
#   report --format json: peak RSS at 2,000 and at 20,000 pods, median of three runs each,
#     and the growth per pod, (peak at 20k - peak at 2k) / 18,000;
#   with --big: report at 100,000 pods and 10,000 ServiceAccounts (wall time, peak RSS),
#     `kubectl get pods -A -o json` on the same server in the same run (when kubectl is
#     installed), and the dashboard's VmRSS after its initial sync (in tmux).
#
#   bash scripts/measure-memory.sh [--big] [--dashboard] [--no-aws] [--heaptrack]
#
# --dashboard: only the dashboard's VmRSS after sync at 100,000 pods (no report runs).
# --no-aws: Kubernetes only. --heaptrack: also record each size's first report run with
# heaptrack (Debian's package) into target/measure/, for `heaptrack_print -p` (with
# --dashboard: the dashboard until it has synced, then quit).
# IRSA_TUI_MEASURE_BIN: measure that irsa-tui binary instead (e.g. a copy of an earlier
# build, to compare before and after). Figures go to standard output; nothing here asserts.
# Needs a release build (made here),
# moto (bash scripts/test.sh installs it into .venv/, or set IRSA_TUI_MOTO_SERVER), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

big=0 aws=1 heap=0 dash_only=0
for arg in "$@"; do
  case "$arg" in
    --big) big=1 ;;
    --dashboard) big=1 dash_only=1 ;;
    --no-aws) aws=0 ;;
    --heaptrack) heap=1 ;;
    *) echo "usage: $0 [--big] [--dashboard] [--no-aws] [--heaptrack]" >&2; exit 2 ;;
  esac
done

[ -n "${IRSA_TUI_MEASURE_NO_BUILD:-}" ] || cargo build --release --locked --bin irsa-tui --example kube_load >&2
bin=${IRSA_TUI_MEASURE_BIN:-$PWD/target/release/irsa-tui}
load=$PWD/target/release/examples/kube_load
out=$PWD/target/measure
mkdir -p "$out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; tmux -L irsa-measure kill-server 2>/dev/null || true; }
trap cleanup EXIT

# "SECONDS PEAK_KIB" of one run of a command (its output discarded).
run_measured() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"{time.monotonic() - t:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

moto_args=()
report_env=()
if [ "$aws" = 1 ]; then
  . scripts/lib/moto.sh
  start_moto
  pids+=("$moto_pid")
  report_env=("${moto_env[@]}")
else
  report_env=(NO_COLOR=1)
fi
no_aws=(); [ "$aws" = 0 ] && no_aws=(--no-aws)

# Starts kube_load with "$@"; sets $kubeconfig and $server_pid.
serve() {
  local log; log=$(mktemp)
  "$load" "${moto_args[@]}" --dir "$out" "$@" >"$log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  kubeconfig=
  for _ in $(seq 1200); do
    kubeconfig=$(sed -n 's/^kubeconfig: //p' "$log")
    [ -n "$kubeconfig" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.5
  done
  [ -n "$kubeconfig" ] || { echo "kube_load did not start" >&2; exit 1; }
  grep -E '^(fake API server|moto at)' "$log" >&2
}

stop() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }

report() {
  env "${report_env[@]}" "$bin" report --kubeconfig "$kubeconfig" "${no_aws[@]}" --format json \
    -o "$out/report.json" --fail-on never
}

# Median peak RSS (KiB) and wall time of three report runs against the server running now.
measure_report() {
  local name=$1 runs
  if [ "$heap" = 1 ] && command -v heaptrack >/dev/null; then
    env "${report_env[@]}" heaptrack -o "$out/heaptrack-$name" "$bin" report --kubeconfig "$kubeconfig" \
      "${no_aws[@]}" --format json -o "$out/report.json" --fail-on never >/dev/null 2>&1 || true
    echo "heaptrack: $out/heaptrack-$name.zst" >&2
  fi
  runs=$(for _ in 1 2 3; do run_measured env "${report_env[@]}" "$bin" report --kubeconfig "$kubeconfig" \
    "${no_aws[@]}" --format json -o "$out/report.json" --fail-on never; done)
  rss=$(echo "$runs" | awk '{ print $2 }' | median)
  secs=$(echo "$runs" | awk '{ print $1 }' | median)
  echo "$name: report peak RSS $((rss / 1024)) MiB ($rss KiB), wall $secs s (medians of 3; runs: $(echo "$runs" | awk '{ printf "%s s %d KiB; ", $1, $2 }'))"
}

if [ "$dash_only" = 0 ]; then
  serve --pods 2000
  measure_report 2k; rss2=$rss
  stop
  serve --pods 20000
  measure_report 20k; rss20=$rss
  stop
  echo "growth per pod: $(( (rss20 - rss2) * 1024 / 18000 )) bytes ((peak at 20k - peak at 2k) / 18,000)"
fi

if [ "$big" = 1 ]; then
  serve --pods 100000 --replicas 10
  if [ "$dash_only" = 0 ]; then
    measure_report 100k
    if command -v kubectl >/dev/null; then
      k=$(run_measured kubectl --kubeconfig "$kubeconfig" get pods -A -o json)
      echo "100k: kubectl get pods -A -o json: wall $(echo "$k" | awk '{ print $1 }') s, peak RSS $(( $(echo "$k" | awk '{ print $2 }') / 1024 )) MiB"
    else
      echo "100k: kubectl is not installed: not compared"
    fi
  fi
  if command -v tmux >/dev/null; then
    tmux -L irsa-measure kill-server 2>/dev/null || true
    dash_heap=
    if [ "$heap" = 1 ] && command -v heaptrack >/dev/null; then
      dash_heap="heaptrack -o $out/heaptrack-dashboard"
    fi
    tmux -L irsa-measure new-session -d -x 200 -y 50 \
      "env ${report_env[*]} $dash_heap $bin --kubeconfig $kubeconfig ${no_aws[*]}; sleep 600"
    start=$(date +%s.%N)
    for _ in $(seq 600); do
      screen=$(tmux -L irsa-measure capture-pane -p)
      # Here-strings, not pipes: with pipefail, a grep -q that stops early fails the pipe.
      if grep -q "100000 pods" <<<"$screen" && ! grep -qE "syncing|reading…|connecting" <<<"$screen"; then break; fi
      sleep 0.5
    done
    synced=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
    sleep 5  # the analysis of the last change, at most four a second
    pane=$(tmux -L irsa-measure display -p '#{pane_pid}')
    pid=$(pgrep -P "$pane" | head -1 || true)
    if [ -n "$pid" ]; then
      echo "100k: dashboard synced after about $synced s; after sync VmRSS $(awk '/^VmRSS/ { print int($2 / 1024) " MiB" }' /proc/"$pid"/status), VmHWM $(awk '/^VmHWM/ { print int($2 / 1024) " MiB" }' /proc/"$pid"/status)"
      echo "$screen" | head -3 >&2
      if [ -n "$dash_heap" ]; then
        tmux -L irsa-measure send-keys q
        for _ in $(seq 120); do [ -e "$out/heaptrack-dashboard.zst" ] && ! pgrep -f "heaptrack -o $out/heaptrack-dashboard" >/dev/null && break; sleep 1; done
        echo "heaptrack: $out/heaptrack-dashboard.zst" >&2
      fi
    else
      echo "100k: the dashboard did not start" >&2
    fi
    tmux -L irsa-measure kill-server 2>/dev/null || true
  fi
  stop
fi
