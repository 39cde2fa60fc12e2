#!/usr/bin/env bash
# Soak: sustained ingestion through the HTTP API of one silo (Release, loopback) for a while, with
# throughput and the silo's RSS every 30 s; fails if the RSS grows by more than 10% after warm-up.
# Not run by CI (it takes 10 minutes by default).
#
#   tests/GlobalBrain.Benchmarks/soak.sh CORPUS_DIR [--duration 600] [--warmup 120] [--concurrency 4] [--rate R] [--experts 64] [--storage memory|redis]
#
# --rate R drives a fixed R requests/s (open loop) instead of as fast as the silo answers.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

corpus=${1:?usage: $0 CORPUS_DIR [--duration 600] [--warmup 120] [--concurrency 4] [--rate R] [--experts 64] [--storage memory|redis]}
shift
duration=600 warmup=120 concurrency=4 rate=0 experts=64 storage=memory
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --experts) experts=$2; shift 2 ;;
    --storage) storage=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "building Release…" >&2
dotnet build -c Release silo/GlobalBrain.Silo > /dev/null
dotnet build -c Release tests/GlobalBrain.Benchmarks > /dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

settings=(GlobalBrain__Storage__Provider=$storage)
if [ "$storage" = redis ]; then
  command -v redis-server > /dev/null || { echo "redis-server is not installed (apt-get install redis-server)" >&2; exit 2; }
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
  pids+=($!)
  until redis-cli -p "$redis_port" ping > /dev/null 2>&1; do sleep 0.1; done
  settings+=(GlobalBrain__Cluster__Redis=127.0.0.1:$redis_port)
fi

http=$(free_port)
env "${settings[@]}" GlobalBrain__Cluster__SiloPort="$(free_port)" GlobalBrain__Cluster__GatewayPort="$(free_port)" \
  GlobalBrain__Experts__Count="$experts" Logging__LogLevel__Default=Warning \
  dotnet "$repo/silo/GlobalBrain.Silo/bin/Release/net10.0/globalbrain-silo.dll" --urls "http://127.0.0.1:$http" > "$work/silo.log" 2>&1 &
silo=$!
pids+=($silo)
until curl -sf "http://127.0.0.1:$http/healthz/ready" > /dev/null; do
  kill -0 "$silo" 2> /dev/null || { cat "$work/silo.log"; exit 1; }
  sleep 0.25
done

load=(--duration "$duration" --report-every 30 --pid "$silo" --warmup "$warmup" --max-growth 0.10)
if [ "$rate" != 0 ]; then load+=(--rate "$rate"); else load+=(--concurrency "$concurrency"); fi
echo "soak: silo pid $silo on 127.0.0.1:$http, N = $experts, storage $storage" >&2
dotnet "$repo/tests/GlobalBrain.Benchmarks/bin/Release/net10.0/GlobalBrain.Benchmarks.dll" http-load "http://127.0.0.1:$http" "$corpus" "${load[@]}"
