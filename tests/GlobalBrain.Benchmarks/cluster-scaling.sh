#!/usr/bin/env bash
# Ingestion throughput of a Redis-backed cluster of 1, 2, … silo processes on this machine, and each
# silo's memory. Needs redis-server and jq; builds Release. Not run by CI (a benchmark, not a test).
#
#   tests/GlobalBrain.Benchmarks/cluster-scaling.sh CORPUS_DIR [--silos "1 2 3"] [--repeat 3] [--experts 64] [--storage redis|memory]
#   tests/GlobalBrain.Benchmarks/cluster-scaling.sh --simulate "SIMULATE OPTIONS" [--silos "1 3"] [--repeat 3]
#
# With --simulate: `globalbrain simulate OPTIONS --json --cluster redis://…` on each cluster instead (the
# block grains spread over the silos), wall seconds per run and their median, and the MD5 of the JSON,
# which must be the same for every silo count and for the same run in one process (`--engine blocks`,
# no --cluster; its time is printed too): the script exits 1 when they differ.
#
# For each silo count: a fresh cluster id on one redis-server, the silos started and ready, their RSS
# read (idle), one warm-up ingest, then `globalbrain ingest CORPUS_DIR --split paragraphs --cluster redis://…` run
# --repeat times (each run re-ingests the corpus as new documents), the median MB/s printed with every
# silo's RSS after the runs. The client runs on the same 2 cores as the silos.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

usage="usage: $0 CORPUS_DIR [--silos \"1 2 3\"] [--repeat 3] [--experts 64] [--storage redis|memory], or $0 --simulate \"OPTIONS\" [--silos \"1 3\"] [--repeat 3]"
corpus='' simulate=''
case "${1:-}" in
  '') echo "$usage" >&2; exit 2 ;;
  --simulate) ;;
  *) corpus=$1; shift ;;
esac
silo_counts="1 2 3" repeat=3 experts=64 storage=redis
while [ $# -gt 0 ]; do
  case "$1" in
    --simulate) simulate=$2; shift 2 ;;
    --silos) silo_counts=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --experts) experts=$2; shift 2 ;;
    --storage) storage=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in redis-server jq; do
  command -v "$tool" > /dev/null || { echo "$tool is not installed (apt-get install $tool)" >&2; exit 2; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/ {printf "%.0f\n", $2/1024}' "/proc/$1/status"; }

echo "building Release…" >&2
dotnet build -c Release silo/GlobalBrain.Silo > /dev/null
dotnet build -c Release client/GlobalBrain.Client > /dev/null
silo_dll=$repo/silo/GlobalBrain.Silo/bin/Release/net10.0/globalbrain-silo.dll
cli_dll=$repo/client/GlobalBrain.Client/bin/Release/net10.0/globalbrain.dll

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
pids+=($!)
until redis-cli -p "$redis_port" ping > /dev/null 2>&1; do sleep 0.1; done
redis=127.0.0.1:$redis_port

seconds_of() { local start=$EPOCHREALTIME; "$@" > "$work/out.json"; awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}'; }
median_of() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

start_silos() { # count cluster_id: starts the silos and waits until each is ready
  silo_pids=() http_ports=()
  for i in $(seq 1 "$1"); do
    http=$(free_port)
    GlobalBrain__Cluster__Provider=redis GlobalBrain__Cluster__Redis=$redis GlobalBrain__Storage__Provider=$storage \
      GlobalBrain__Cluster__AdvertisedAddress=127.0.0.1 GlobalBrain__Cluster__ClusterId=$2 \
      GlobalBrain__Cluster__SiloPort=$(free_port) GlobalBrain__Cluster__GatewayPort=$(free_port) \
      GlobalBrain__Experts__Count=$experts Logging__LogLevel__Default=Warning \
      dotnet "$silo_dll" --urls "http://127.0.0.1:$http" > "$work/silo-$1-$i.log" 2>&1 &
    silo_pids+=($!) http_ports+=("$http")
    pids+=($!)
  done
  for http in "${http_ports[@]}"; do
    until curl -sf "http://127.0.0.1:$http/healthz/ready" > /dev/null; do sleep 0.25; done
  done
}

stop_silos() {
  for pid in "${silo_pids[@]}"; do kill -TERM "$pid"; done
  for pid in "${silo_pids[@]}"; do wait "$pid" 2> /dev/null || true; done
}

if [ -n "$simulate" ]; then
  read -r -a options <<< "$simulate"
  echo "simulate ${simulate} --json, $(nproc) cores, $(date -u +%F), median of $repeat"
  printf '%-14s %-30s %-12s %s\n' where "seconds per run" "median s" "MD5 of the JSON"
  times=()
  for r in $(seq 1 "$repeat"); do times+=("$(seconds_of dotnet "$cli_dll" simulate "${options[@]}" --engine blocks --json)"); done
  reference=$(md5sum < "$work/out.json" | cut -d' ' -f1)
  printf '%-14s %-30s %-12s %s\n' "one process" "${times[*]}" "$(median_of "${times[@]}")" "$reference"
  status=0
  for count in $silo_counts; do
    cluster_id=sim-$count-$RANDOM
    start_silos "$count" "$cluster_id"
    times=()
    for r in $(seq 1 "$repeat"); do
      times+=("$(GlobalBrain__Cluster__ClusterId=$cluster_id seconds_of dotnet "$cli_dll" simulate "${options[@]}" --json --cluster "redis://$redis")")
    done
    sum=$(md5sum < "$work/out.json" | cut -d' ' -f1)
    printf '%-14s %-30s %-12s %s\n' "$count silo(s)" "${times[*]}" "$(median_of "${times[@]}")" "$sum"
    [ "$sum" = "$reference" ] || { echo "the JSON of $count silo(s) differs from the one process's" >&2; status=1; }
    stop_silos
  done
  exit $status
fi

bytes=$(find "$corpus" -type f -name '*.txt' -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "corpus: $corpus ($(awk -v b="$bytes" 'BEGIN {printf "%.2f", b/1e6}') MB), N = $experts experts, storage $storage, $(nproc) cores, $(date -u +%F)"
printf '%-6s %-34s %-12s %-20s %-24s\n' silos "MB/s per run" "median MB/s" "idle RSS MB/silo" "RSS after MB/silo"

for count in $silo_counts; do
  cluster_id=bench-$count-$RANDOM
  start_silos "$count" "$cluster_id"
  sleep 2
  idle=$(for pid in "${silo_pids[@]}"; do rss_mb "$pid"; done | paste -sd/)
  # One run first, not counted: it warms the silos' JIT and activates the experts.
  GlobalBrain__Cluster__ClusterId=$cluster_id dotnet "$cli_dll" ingest "$corpus" --split paragraphs --cluster "redis://$redis" --json > /dev/null
  rates=()
  for r in $(seq 1 "$repeat"); do
    out=$(GlobalBrain__Cluster__ClusterId=$cluster_id dotnet "$cli_dll" ingest "$corpus" --split paragraphs --cluster "redis://$redis" --json)
    rates+=("$(echo "$out" | jq -r '.ingested.megabytesPerSecond')")
  done
  median=$(median_of "${rates[@]}")
  after=$(for pid in "${silo_pids[@]}"; do rss_mb "$pid"; done | paste -sd/)
  printf '%-6s %-34s %-12s %-20s %-24s\n' "$count" "$(IFS=' '; echo "${rates[*]}")" "$median" "$idle" "$after"
  stop_silos
done
