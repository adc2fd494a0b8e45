# Sourced by the measurement scripts: starts moto (`moto[server]`, with AWS's managed
# policies loaded) on a free loopback port, for kube_load to fill and irsa-tui to read.
#
#   start_moto
#
# Sets moto_pid (the caller kills it on exit), moto_args (kube_load's `--moto URL`) and
# moto_env (the environment that points the AWS SDK at moto with test credentials and no
# profile or instance metadata). Needs moto: bash scripts/test.sh installs it into .venv/,
# or set IRSA_TUI_MOTO_SERVER.
start_moto() {
  local moto=${IRSA_TUI_MOTO_SERVER:-$PWD/.venv/bin/moto_server} port
  [ -x "$moto" ] || { echo "moto is missing ($moto): run bash scripts/test.sh first" >&2; exit 2; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  MOTO_IAM_LOAD_MANAGED_POLICIES=true "$moto" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  moto_pid=$!
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break
    sleep 0.3
  done
  moto_args=(--moto "http://127.0.0.1:$port")
  moto_env=(AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing
    AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true)
}
