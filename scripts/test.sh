#!/usr/bin/env bash
# The test suite, runnable on a fresh machine with only Rust and Python 3.
# Everything the tests need beyond cargo is installed here by this script.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked --all-targets
