#!/usr/bin/env bash
# The container test: the silo image built from deploy/docker/Dockerfile and run as operators run it.
#
#   GLOBALBRAIN_DATA=/path/to/data bash deploy/test/container-test.sh
#
# 1. Starts its own Docker engine (Debian's docker.io, installed with mmdebstrap and docker-compose
#    when missing) by PID, on its own socket, with the vfs storage driver and no bridge: every
#    container uses the host network, and everything listens on 127.0.0.1 on free ports.
# 2. Builds (or finds cached) the local base images (deploy/test/base-images.sh): a stand-in for
#    mcr.microsoft.com/dotnet/aspnet, and Redis + Prometheus from Debian's packages.
# 3. `dotnet publish`es the silo and the CLI on the host and builds the Dockerfile's runtime stage from
#    the published folder (--build-arg APP_STAGE=published); reports the image's size.
# 4. Checks that deploy/compose/docker-compose.yml runs the silos with the settings of deploy/k8s.
# 5. Runs that compose file: Redis, three silos from the image, Prometheus scraping all three. Checks
#    every silo: ready, /metrics answered on its own port, the API key required, running as 1654 and
#    not root, no capabilities, nothing writable outside /tmp (as its user and as root); reports
#    start-to-ready times.
# 6. Ingests $GLOBALBRAIN_DATA/corpus (--split paragraphs) with `globalbrain ingest --cluster redis://…`
#    and `docker kill`s the silo holding the most experts mid-ingest; the cluster's totals (documents,
#    tokens, distinct items) must equal an embedded `globalbrain ingest` of the same input. The two
#    survivors must still answer, Prometheus must see the dead silo down, and they must stop cleanly
#    (SIGTERM, exit code 0).
# Stops what it started (containers, the engine by PID) on every exit. Prints PASS or FAIL at the end;
# exit code 0 = PASS, 1 = FAIL, 77 = SKIPPED (reason printed: no GLOBALBRAIN_DATA, not root).
set -euo pipefail

if [ "$#" -gt 0 ]; then
  echo "usage: GLOBALBRAIN_DATA=/path/to/data bash deploy/test/container-test.sh (no arguments; got: $*)" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
started=$SECONDS

say() { echo "container test: $*"; }
skip() {
  say "SKIPPED: $*"
  exit 77
}

# The bare-clone rule: the corpus lives beside the repository, never in it.
if [ -z "${GLOBALBRAIN_DATA:-}" ]; then
  skip "GLOBALBRAIN_DATA is not set (it names the folder holding corpus/; .ci/run sets it when ../shared/data exists)"
fi
if [ ! -d "$GLOBALBRAIN_DATA" ]; then
  skip "GLOBALBRAIN_DATA=$GLOBALBRAIN_DATA names no folder"
fi
corpus="$GLOBALBRAIN_DATA/corpus"
if [ ! -d "$corpus" ]; then
  say "FAIL: $corpus is not a folder (GLOBALBRAIN_DATA must hold corpus/)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  skip "the Docker engine it starts needs root (run it as root, as .ci/run does in CI)"
fi

# Debian's docker.io (engine + its 20.10 client, which can use BuildKit without buildx), mmdebstrap, docker-compose 1.29.
packages=()
[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || packages+=(docker.io)
command -v mmdebstrap > /dev/null || packages+=(mmdebstrap)
command -v docker-compose > /dev/null || packages+=(docker-compose)
command -v curl > /dev/null || packages+=(curl)
if [ "${#packages[@]}" -gt 0 ]; then
  say "installing ${packages[*]} (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" > /dev/null
fi
for tool in kubectl python3 dotnet; do
  command -v "$tool" > /dev/null || { say "FAIL: $tool is not on PATH (bash .ci/setup installs kubectl; python3 and dotnet come with the machine)" >&2; exit 1; }
done
python3 -c 'import yaml' 2> /dev/null || { say "FAIL: python3 cannot import yaml (Debian: python3-yaml)" >&2; exit 1; }

# One run at a time on a machine: the engine's image store (the cache) is shared between runs.
exec 9> /run/lock/globalbrain-container-test.lock
flock -n 9 || say "waiting for another container test to finish (/run/lock/globalbrain-container-test.lock)"
if ! flock -w 1800 9; then
  say "FAIL: another container test held /run/lock/globalbrain-container-test.lock for 30 minutes" >&2
  exit 1
fi

work=$(mktemp -d /tmp/globalbrain-container-test.XXXXXX)
run=$(mktemp -d /run/globalbrain-docker.XXXXXX)
data_root=/var/lib/globalbrain-ci-docker
mkdir -p "$data_root" "$work/bin"
# Debian's client (20.10) rather than a newer one earlier on PATH: it builds with BuildKit without buildx.
ln -s /usr/bin/docker "$work/bin/docker"
export PATH="$work/bin:$PATH"
export DOCKER_HOST="unix://$run/docker.sock"
project="gbtest$$"
compose_file="$repo/deploy/compose/docker-compose.yml"
image="globalbrain-silo:container-test-$$"
dockerd_pid=""
ingest_pid=""
failures=()

fail() {
  say "FAIL: $*" >&2
  exit 1
}
check() {
  # check DESCRIPTION COMMAND...: records a failed check and goes on, so that one run reports them all.
  local what=$1
  shift
  if "$@"; then
    echo "  ok   $what"
  else
    echo "  FAIL $what"
    failures+=("$what")
  fi
}
compose() { docker-compose -p "$project" -f "$compose_file" "$@"; }

cleanup() {
  local status=$?
  set +e
  if [ -n "$ingest_pid" ] && kill -0 "$ingest_pid" 2> /dev/null; then kill "$ingest_pid"; wait "$ingest_pid" 2> /dev/null; fi
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2> /dev/null; then
    if [ "$status" -ne 0 ] && [ -f "$work/env" ]; then
      echo "---- container logs (last 30 lines each) ----"
      for c in $(docker ps -aq --filter "label=com.docker.compose.project=$project"); do
        echo "== $(docker inspect -f '{{.Name}} exit={{.State.ExitCode}}' "$c")"
        docker logs --tail 30 "$c" 2>&1
      done
    fi
    [ -f "$work/env" ] && (set -a && . "$work/env" && . "$work/api-key.env" && compose down --volumes --timeout 5 > /dev/null 2>&1)
    containers=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
    [ -n "$containers" ] && docker rm -f $containers > /dev/null 2>&1
    docker rmi -f "$image" > /dev/null 2>&1
    docker image prune -f > /dev/null 2>&1
    docker builder prune -f > /dev/null 2>&1
    kill -TERM "$dockerd_pid"
    for _ in $(seq 60); do kill -0 "$dockerd_pid" 2> /dev/null || break; sleep 0.5; done
    kill -0 "$dockerd_pid" 2> /dev/null && { echo "container test: the engine did not stop in 30 s; killing it (PID $dockerd_pid)"; kill -KILL "$dockerd_pid"; }
    wait "$dockerd_pid" 2> /dev/null
  fi
  # The engine's own containerd stops with it; if it outlived a killed engine, stop it by its PID file.
  if [ -f "$run/exec/containerd/containerd.pid" ]; then
    pid=$(cat "$run/exec/containerd/containerd.pid")
    kill -0 "$pid" 2> /dev/null && kill -TERM "$pid"
  fi
  # What the engine mounted and left behind (its network namespace file, its data root's self-mount).
  if [ -n "$dockerd_pid" ]; then
    findmnt -rn -o TARGET | grep -E "^($run|$data_root)(/|\$)" | sort -r | while read -r mount; do umount "$mount"; done
  fi
  rm -rf "$work" "$run"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. the engine ----
say "starting dockerd (vfs, no bridge, no iptables; images in $data_root)"
nice -n 19 /usr/sbin/dockerd --data-root "$data_root" --exec-root "$run/exec" --pidfile "$run/dockerd.pid" \
  --host "$DOCKER_HOST" --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
  > "$work/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 120); do
  docker info > /dev/null 2>&1 && break
  kill -0 "$dockerd_pid" 2> /dev/null || { tail -20 "$work/dockerd.log"; fail "dockerd exited at start (log above)"; }
  sleep 0.5
done
docker info > /dev/null 2>&1 || { tail -20 "$work/dockerd.log"; fail "dockerd did not answer within 60 s"; }

# ---- 2. base images ----
step=$SECONDS
aspnet=$(bash "$here/base-images.sh" aspnet)
tools=$(bash "$here/base-images.sh" tools)
say "base images ready in $((SECONDS - step)) s: $aspnet, $tools"

# ---- 3. publish on the host, build the image's runtime stage from it ----
step=$SECONDS
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
nice -n 19 dotnet publish "$repo/silo/GlobalBrain.Silo/GlobalBrain.Silo.csproj" -c Release -o "$work/context/app" \
  -p:UseAppHost=false -v quiet -nologo > "$work/publish.log" 2>&1 || { tail -30 "$work/publish.log"; fail "dotnet publish of the silo failed"; }
nice -n 19 dotnet publish "$repo/client/GlobalBrain.Client/GlobalBrain.Client.csproj" -c Release -o "$work/cli" \
  -v quiet -nologo > "$work/publish.log" 2>&1 || { tail -30 "$work/publish.log"; fail "dotnet publish of the CLI failed"; }
cli="$work/cli/globalbrain"
[ -x "$cli" ] || fail "the CLI's publish output has no $cli"
say "published the silo and the CLI in $((SECONDS - step)) s"

step=$SECONDS
# SDK_IMAGE too: the stage that restores from NuGet is not built (BuildKit skips it), but its base is named.
DOCKER_BUILDKIT=1 nice -n 19 docker build -q -f "$repo/deploy/docker/Dockerfile" --build-arg APP_STAGE=published \
  --build-arg RUNTIME_IMAGE="$aspnet" --build-arg SDK_IMAGE="$aspnet" -t "$image" "$work/context" > "$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; fail "docker build of deploy/docker/Dockerfile (APP_STAGE=published) failed"; }
image_bytes=$(docker image inspect -f '{{.Size}}' "$image")
base_bytes=$(docker image inspect -f '{{.Size}}' "$aspnet")
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
say "built $image in $((SECONDS - step)) s: $(mb "$image_bytes") ($(mb "$base_bytes") base + $(mb $((image_bytes - base_bytes))) the silo)"

# ---- 4. compose and the manifests agree ----
# Free loopback ports for everything (the containers share the host's network).
read -r -a ports <<< "$(python3 -c '
import socket
socks = [socket.socket() for _ in range(15)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()')"
api_key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
cluster_id="containertest$$"
{
  echo "GB_SILO_IMAGE=$image"
  echo "GB_REDIS_IMAGE=$tools"
  echo "GB_PROMETHEUS_IMAGE=$tools"
  echo "GB_PROMETHEUS_CONFIG=$work/prometheus.yml"
  echo "GB_CLUSTER_ID=$cluster_id"
  echo "GB_REDIS_PORT=${ports[0]}"
  echo "GB_PROMETHEUS_PORT=${ports[1]}"
  for i in 1 2 3; do
    base=$((2 + (i - 1) * 4))
    echo "GB_SILO${i}_HTTP_PORT=${ports[$base]}"
    echo "GB_SILO${i}_METRICS_PORT=${ports[$((base + 1))]}"
    echo "GB_SILO${i}_SILO_PORT=${ports[$((base + 2))]}"
    echo "GB_SILO${i}_GATEWAY_PORT=${ports[$((base + 3))]}"
  done
} > "$work/env"
# The API key reaches compose through the environment (GLOBALBRAIN_API_KEY), kept in a file only this user reads.
(umask 077 && echo "GLOBALBRAIN_API_KEY=$api_key" > "$work/api-key.env")
set -a
. "$work/env"
. "$work/api-key.env"
set +a
http_port() { local v="GB_SILO${1}_HTTP_PORT"; echo "${!v}"; }
metrics_port() { local v="GB_SILO${1}_METRICS_PORT"; echo "${!v}"; }

# The compose file's Prometheus configuration, its three default targets moved to this run's metrics ports.
python3 - "$repo/deploy/compose/prometheus.yml" "$work/prometheus.yml" "$GB_SILO1_METRICS_PORT" "$GB_SILO2_METRICS_PORT" "$GB_SILO3_METRICS_PORT" << 'EOF' || fail "deploy/compose/prometheus.yml does not scrape the three silos' default metrics ports"
import sys, yaml
source, target, *ports = sys.argv[1:]
config = yaml.safe_load(open(source))
job = next(j for j in config["scrape_configs"] if j["job_name"] == "globalbrain")
defaults = ["127.0.0.1:9464", "127.0.0.1:9465", "127.0.0.1:9466"]
targets = job["static_configs"][0]["targets"]
if targets != defaults:
    sys.exit(f"targets {targets}, expected {defaults} (the compose silos' default metrics ports)")
job["static_configs"][0]["targets"] = [f"127.0.0.1:{p}" for p in ports]
yaml.safe_dump(config, open(target, "w"))
EOF
chmod 644 "$work/prometheus.yml"

say "checking that the compose silos run with the settings of deploy/k8s (overlays/dev)"
kubectl kustomize "$repo/deploy/k8s/overlays/dev" > "$work/k8s.yaml" || fail "kubectl kustomize deploy/k8s/overlays/dev failed"
compose config > "$work/compose.yaml" || fail "docker-compose config rejected deploy/compose/docker-compose.yml"
python3 "$here/compare_settings.py" "$work/k8s.yaml" "$work/compose.yaml" || failures+=("the compose silos' settings differ from deploy/k8s")

# ---- the reference: the same input through an embedded silo ----
step=$SECONDS
ingest_args=("$corpus" --split paragraphs)
nice -n 19 "$cli" ingest "${ingest_args[@]}" --experts 16 --flow-rate 1 --json > "$work/embedded.json" 2> "$work/embedded.err" \
  || { grep -v '^   at ' "$work/embedded.err" | tail -20; fail "the embedded reference ingest failed (its stderr above, stack frames left out)"; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2"; }
expected_documents=$(field "$work/embedded.json" documents)
expected_tokens=$(field "$work/embedded.json" tokens)
expected_items=$(field "$work/embedded.json" distinctItems)
say "embedded reference ($((SECONDS - step)) s): $expected_documents documents, $expected_tokens tokens, $expected_items distinct items"

# ---- 5. the cluster ----
say "docker-compose up: redis, silo1..3 ($image), prometheus"
up_at=$(date +%s.%N)
compose up -d > "$work/up.log" 2>&1 || { cat "$work/up.log"; fail "docker-compose up failed"; }
declare -A container ready_s
for i in 1 2 3; do container[$i]=$(compose ps -q "silo$i"); done
deadline=$((SECONDS + 300))
for i in 1 2 3; do
  while [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(http_port "$i")/healthz/ready")" != 200 ]; do
    [ "$(docker inspect -f '{{.State.Running}}' "${container[$i]}")" = true ] || fail "silo$i's container stopped before it was ready"
    [ "$SECONDS" -lt "$deadline" ] || fail "silo$i was not ready (/healthz/ready) within 300 s of docker-compose up"
    sleep 0.2
  done
  started_at=$(date -d "$(docker inspect -f '{{.State.StartedAt}}' "${container[$i]}")" +%s.%N)
  ready_s[$i]=$(awk -v a="$(date +%s.%N)" -v b="$started_at" 'BEGIN { printf "%.1f", a - b }')
done
say "start-to-ready (container start -> /healthz/ready 200, polled every 0.2 s): silo1 ${ready_s[1]} s, silo2 ${ready_s[2]} s, silo3 ${ready_s[3]} s; all three $(awk -v a="$(date +%s.%N)" -v b="$up_at" 'BEGIN { printf "%.1f", a - b }') s after docker-compose up"

http() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
answers() { [ "$(http "$1")" = 200 ]; }
# Prometheus text with a series of the given prefix (read whole first: grep -q would cut curl off).
metrics_have() { local body; body=$(curl -sf "$1") && grep -q "^$2" <<< "$body"; }
is() { [ "$1" = "$2" ]; }
cannot_write() { ! docker exec "${@:1:$#-1}" sh -c "echo x > '${!#}/.container-test-probe'" 2> /dev/null; }
can_write_tmp() { docker exec "$1" sh -c 'echo x > /tmp/.container-test-probe && rm /tmp/.container-test-probe'; }

say "checking each silo container"
for i in 1 2 3; do
  c=${container[$i]}
  h=$(http_port "$i")
  m=$(metrics_port "$i")
  check "silo$i: /healthz/ready on the API port answers 200" answers "http://127.0.0.1:$h/healthz/ready"
  check "silo$i: /healthz/ready on the metrics port answers 200" answers "http://127.0.0.1:$m/healthz/ready"
  # Before anything is ingested Orleans' series are there; GlobalBrain's appear with the first refresh (checked after the ingest).
  check "silo$i: /metrics on its own port ($m) answers with Orleans' series" metrics_have "http://127.0.0.1:$m/metrics" orleans_
  check "silo$i: POST /v1/documents without the API key is refused (401)" is "$(http -X POST "http://127.0.0.1:$h/v1/documents")" 401
  check "silo$i: the image's user is 1654:1654" is "$(docker inspect -f '{{.Config.User}}' "$c")" "1654:1654"
  status=$(docker exec "$c" cat /proc/1/status)
  check "silo$i: the silo (PID 1) runs as uid/gid 1654, not root" is "$(echo "$status" | awk '/^Uid:|^Gid:/ { printf "%s %s %s %s;", $2, $3, $4, $5 }')" "1654 1654 1654 1654;1654 1654 1654 1654;"
  environ=$(docker exec "$c" cat /proc/1/environ | tr '\0' '\n')
  check "silo$i: the silo runs with the GC budgets capped (gen0 and gen1, 16 MiB a heap)" is "$(echo "$environ" | grep -E '^DOTNET_GCGen[01]MaxBudget=' | sort | tr '\n' ' ')" "DOTNET_GCGen0MaxBudget=0x1000000 DOTNET_GCGen1MaxBudget=0x1000000 "
  check "silo$i: the silo runs with the JIT's tier-up delay off" is "$(echo "$environ" | grep -E '^DOTNET_TC_CallCountingDelayMs=')" "DOTNET_TC_CallCountingDelayMs=0"
  check "silo$i: PID 1 is the silo" is "$(docker exec "$c" cat /proc/1/cmdline | tr '\0' ' ')" "dotnet globalbrain-silo.dll "
  check "silo$i: no capabilities, no new privileges" is "$(echo "$status" | awk '/^CapEff:|^NoNewPrivs:/ { printf "%s ", $2 }')" "0000000000000000 1 "
  check "silo$i: the root filesystem is mounted read-only" is "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c")" true
  check "silo$i: /tmp is writable" can_write_tmp "$c"
  for dir in / /app /etc /home/app /var/tmp /usr/share/dotnet; do
    check "silo$i: $dir is not writable, as the silo's user or as root" cannot_write "$c" "$dir"
    cannot_write -u 0 "$c" "$dir" || { echo "  FAIL silo$i: root can write to $dir"; failures+=("silo$i: root can write to $dir"); }
  done
done

prometheus_query() { curl -sf --data-urlencode "query=$1" "http://127.0.0.1:$GB_PROMETHEUS_PORT/api/v1/query" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(" ".join(sorted(x["metric"].get("instance","")+"="+x["value"][1] for x in r)))'; }
expect_up() {
  local want=$1 got="" deadline=$((SECONDS + 120))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(prometheus_query 'up{job="globalbrain"}' 2> /dev/null || true)
    [ "$got" = "$want" ] && return 0
    sleep 1
  done
  echo "  (Prometheus: up{job=\"globalbrain\"} is '$got', expected '$want')"
  return 1
}
all_up=$(for i in 1 2 3; do echo "127.0.0.1:$(metrics_port "$i")=1"; done | sort | tr '\n' ' ' | sed 's/ $//')
check "Prometheus (a container, Debian's prometheus) scrapes all three silos: up = 1 for each" expect_up "$all_up"
check "Prometheus loaded the repository's recording and alert rules" is "$(curl -sf "http://127.0.0.1:$GB_PROMETHEUS_PORT/api/v1/rules" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["groups"]) > 0)')" True

# ---- 6. ingest through the cluster; kill the silo holding the most experts mid-ingest ----
# Per-silo figures from one read of its /metrics: "documents its experts stored" "expert activations it holds".
figures_on() { { curl -sf "http://127.0.0.1:$(metrics_port "$1")/metrics" || true; } \
  | awk '/^globalbrain_ingest_documents_total/ { d += $NF } /^orleans_grains\{/ && /[Ee]xpert/ { e += $NF } END { printf "%d %d", d, e }'; }

say "ingesting $corpus (--split paragraphs) through the cluster (--cluster redis://127.0.0.1:$GB_REDIS_PORT)"
kill_at=$((expected_documents / 10))
ingest_started=$SECONDS
GlobalBrain__Cluster__ClusterId=$cluster_id "$cli" ingest "${ingest_args[@]}" --cluster "redis://127.0.0.1:$GB_REDIS_PORT" --json \
  > "$work/cluster.json" 2> "$work/cluster.err" &
ingest_pid=$!
victim=""
deadline=$((SECONDS + 300))
while [ -z "$victim" ]; do
  kill -0 "$ingest_pid" 2> /dev/null || { cat "$work/cluster.err" | tail -5; fail "the ingest ended (after $((SECONDS - ingest_started)) s) before a tenth of the documents ($kill_at) were counted: no silo was killed mid-ingest"; }
  [ "$SECONDS" -lt "$deadline" ] || fail "a tenth of the documents were not counted within 300 s"
  total=0 most=0 experts_total=0
  for i in 1 2 3; do
    read -r d e <<< "$(figures_on "$i")"
    total=$((total + d)) experts_total=$((experts_total + e))
    if [ "$e" -gt "$most" ]; then most=$e candidate=$i; fi
  done
  if [ "$total" -ge "$kill_at" ] && [ "$most" -gt 0 ]; then victim=$candidate; else sleep 0.05; fi
done
kill -0 "$ingest_pid" 2> /dev/null || fail "the ingest ended before the kill"
[ "$total" -lt "$expected_documents" ] || fail "every document ($total) was counted before the kill: it did not land mid-ingest"
docker kill "${container[$victim]}" > /dev/null
killed_after=$((SECONDS - ingest_started))
say "docker kill silo$victim (it held $most of $experts_total expert activations) at $total of $expected_documents documents, $killed_after s into the ingest"

if ! wait "$ingest_pid"; then
  ingest_pid=""
  tail -20 "$work/cluster.err"
  fail "globalbrain ingest --cluster failed after the kill (stderr above)"
fi
ingest_pid=""
say "the ingest finished $((SECONDS - ingest_started)) s after it started; it reported $(field "$work/cluster.json" ingested.documents) documents ingested, $(field "$work/cluster.json" ingested.retries) batch retries"
check "the ingest reports every document ingested ($expected_documents)" is "$(field "$work/cluster.json" ingested.documents)" "$expected_documents"
check "the ingest rejected as many inputs as the embedded run" is "$(field "$work/cluster.json" rejected)" "$(field "$work/embedded.json" rejected)"

# The dead silo is declared dead by its peers (Orleans membership); then the totals are read.
deadline=$((SECONDS + 180))
while :; do
  if GlobalBrain__Cluster__ClusterId=$cluster_id timeout 120 "$cli" metrics --cluster "redis://127.0.0.1:$GB_REDIS_PORT" --json > "$work/metrics.json" 2> "$work/metrics.err" \
    && [ "$(field "$work/metrics.json" silos)" = 2 ]; then break; fi
  [ "$SECONDS" -lt "$deadline" ] || { cat "$work/metrics.err"; fail "the cluster did not report 2 silos within 180 s of the kill"; }
  sleep 2
done
documents=$(field "$work/metrics.json" documents)
tokens=$(field "$work/metrics.json" tokens)
items=$(field "$work/metrics.json" distinctItems)
say "totals, cluster after the kill vs embedded: documents $documents vs $expected_documents, tokens $tokens vs $expected_tokens, distinct items $items vs $expected_items"
check "documents equal the embedded run's" is "$documents" "$expected_documents"
check "tokens equal the embedded run's" is "$tokens" "$expected_tokens"
check "distinct items equal the embedded run's" is "$items" "$expected_items"

survivors=()
for i in 1 2 3; do [ "$i" = "$victim" ] || survivors+=("$i"); done
for i in "${survivors[@]}"; do
  check "silo$i (survivor): /healthz/ready answers 200" answers "http://127.0.0.1:$(http_port "$i")/healthz/ready"
  check "silo$i (survivor): /metrics answers with the GlobalBrain series" metrics_have "http://127.0.0.1:$(metrics_port "$i")/metrics" globalbrain_experts
done
after_kill=$(for i in 1 2 3; do echo "127.0.0.1:$(metrics_port "$i")=$([ "$i" = "$victim" ] && echo 0 || echo 1)"; done | sort | tr '\n' ' ' | sed 's/ $//')
check "Prometheus sees silo$victim down and the survivors up" expect_up "$after_kill"

# SIGTERM: the survivors store their grains' state, leave the cluster and exit 0 within the grace period.
step=$SECONDS
compose stop -t 45 "silo${survivors[0]}" "silo${survivors[1]}" > /dev/null 2>&1
for i in "${survivors[@]}"; do
  check "silo$i stops cleanly on SIGTERM (exit code 0)" is "$(docker inspect -f '{{.State.ExitCode}}' "${container[$i]}")" 0
done
say "the survivors stopped in $((SECONDS - step)) s"

echo "container test: image $(mb "$image_bytes") (base $(mb "$base_bytes")); start-to-ready ${ready_s[1]} / ${ready_s[2]} / ${ready_s[3]} s;" \
  "totals $documents documents, $tokens tokens, $items distinct items (embedded: $expected_documents, $expected_tokens, $expected_items); $((SECONDS - started)) s in all"
if [ "${#failures[@]}" -gt 0 ]; then
  say "FAIL (${#failures[@]} failed checks):"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
say "PASS"
