#!/usr/bin/env bash
# The test suite, runnable on a fresh machine with only Rust and Python 3.
# Everything the tests need beyond cargo is installed here:
#   - moto (AWS IAM/EKS/STS server) in a local virtualenv, .venv/ (tests start it themselves);
#   - tmux (the dashboard's end-to-end test), from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.5
venv=.venv
if ! "$venv/bin/python" -c "import moto, flask; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null; then
  echo "== installing moto[server]==$MOTO_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
export IRSA_TUI_MOTO_SERVER="$PWD/$venv/bin/moto_server"

if ! command -v tmux >/dev/null 2>&1; then
  echo "== installing tmux"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq tmux) >/dev/null
  else
    echo "tmux is missing: install it (apt-get install tmux)" >&2
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --locked --workspace --lib --bins --tests 2>&1 | tee "$log" || status=$?
# One closing line for the whole run.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
