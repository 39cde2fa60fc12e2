#!/usr/bin/env bash
# The live cluster at scale: N experts on 1 or 3 silo processes (Redis membership, memory storage),
# v exchanges per expert per second, a corpus sample POSTed, then watched until every expert holds
# everything. Needs redis-server, curl and python3; builds Release. Not run by CI (a benchmark).
#
#   tests/GlobalBrain.Benchmarks/live-scale.sh CORPUS_DIR [--experts "10000 100000 1000000"]
#       [--flow-rates "0.1 1"] [--silos "1 3"] [--documents 5] [--timeout 1200] [--interval 00:00:02] [--settle 20]
#       [--scrape-log FILE] [--log-dir DIR] [--runtime-gc]
#
# For each silo count, N and v (one fresh cluster each): the silos start and report ready; the first
# metrics pass activates every expert (its time is printed); DOCUMENTS paragraphs of the corpus's
# first .txt file are POSTed to /v1/documents; then every second each silo's /metrics is scraped
# (latency measured by curl) and the silos' RSS read from /proc, until min reach is 1 (every expert
# holds every item) or --timeout. Printed per run:
#   activation s   first metrics pass (activates the N experts)
#   t99 / t100     seconds from the POST until mean reach ≥ 0.99 / min reach = 1, as the gauges saw
#                  them (resolution: the scrape second plus GlobalBrain:Metrics:Interval); beside them
#                  (ln N + γ)/v, the Poisson-clock push-pull time (`simulate --clock async` gives the
#                  live cluster's periodic clock: see the README)
#   exch/s         exchanges started per second over the spreading window, all silos, vs N·v
#   peak RSS       the largest sum of the silos' RSS (MB) seen, until --settle seconds after t100 (experts
#                  store what exchanges brought them at GlobalBrain:Knowledge:FlushRate writes/s per silo,
#                  so at 10^6 the storage fills for many minutes after t100: settle 900 to see it full);
#                  KB/expert: the silos' RSS --settle s after t100 less their RSS when ready (before any
#                  expert was activated), over N
#   scrape p50/p99 /metrics latency (ms) on each silo's GlobalBrain:Metrics:Port (where Prometheus
#                  scrapes; served by its own thread) while spreading and in the --settle s after
#   log KB         bytes the silos wrote to stdout/stderr until the watch ended (not what they write while
#                  stopping afterwards: --log-dir keeps the whole logs)
#   gc_pause_s     seconds the silos' GC paused them from the POST to t100 (dotnet_gc_pause_time_seconds_total);
#                  a scrape that meets a pause waits for it (the silo logs a scrape over 1 s with the GC's share of it)
#   alloc_KB/exch  bytes the silos allocated from the POST to t100 (dotnet_gc_heap_total_allocated_bytes_total)
#                  over the exchanges started meanwhile: what drives the GC's pace while spreading
# --scrape-log FILE appends one line per scrape from the POST on: UTC time it started (ms), seconds since the POST, phase
# (spreading/after), latency in ms — to line slow scrapes up with the silo's log or a trace.
# --log-dir DIR keeps each silo's stdout/stderr there (silo-CLUSTERID-I.log) instead of deleting it with the run.
# The silos run with the silo image's runtime settings (the DOTNET_GC… and DOTNET_TC_… lines of
# deploy/docker/Dockerfile: gen0 and gen1 budgets capped, the JIT's tier-up delay off), as operators run them; one
# already in the environment wins; --runtime-gc runs with the runtime's defaults instead. The first line of the
# output names the settings used.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

usage="usage: $0 CORPUS_DIR [--experts \"10000 100000\"] [--flow-rates \"0.1 1\"] [--silos \"1 3\"] [--documents 5] [--timeout 1200] [--interval 00:00:02] [--settle 20] [--scrape-log FILE] [--log-dir DIR] [--runtime-gc]"
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
corpus=$1; shift
experts_list="10000 100000 1000000" rates="0.1 1" silo_counts="1 3" documents=5 timeout=1200 interval=00:00:02 settle=20 scrape_log= log_dir= image_gc=1
while [ $# -gt 0 ]; do
  case "$1" in
    --experts) experts_list=$2; shift 2 ;;
    --flow-rates) rates=$2; shift 2 ;;
    --silos) silo_counts=$2; shift 2 ;;
    --documents) documents=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --scrape-log) scrape_log=$2; shift 2 ;;
    --log-dir) log_dir=$2; shift 2 ;;
    --runtime-gc) image_gc=0; shift ;;
    *) echo "unknown option $1; $usage" >&2; exit 2 ;;
  esac
done
if [ -n "$log_dir" ]; then
  mkdir -p "$log_dir" || { echo "--log-dir $log_dir: cannot create it" >&2; exit 2; }
fi
for tool in redis-server redis-cli curl python3; do
  command -v "$tool" > /dev/null || { echo "$tool is not installed (apt-get install ${tool/redis-cli/redis-tools})" >&2; exit 2; }
done
first_text=$(find "$corpus" -type f -name '*.txt' | sort | head -1)
[ -n "$first_text" ] || { echo "no .txt file under $corpus" >&2; exit 2; }

# The silos run with the runtime settings of the silo image (deploy/docker/Dockerfile's DOTNET_GC… and DOTNET_TC_…
# lines), as operators run them, unless the environment already sets one or --runtime-gc asks for the runtime's defaults.
if [ "$image_gc" = 1 ]; then
  while read -r setting; do
    name=${setting%%=*}
    [ -n "${!name+set}" ] || export "$setting"
  done < <(sed -n 's/^[[:space:]]*\(ENV[[:space:]]\+\)\?\(DOTNET_\(GC\|TC_\)[A-Za-z0-9]*=[^[:space:]\\]*\).*/\2/p' "$repo/deploy/docker/Dockerfile")
fi
gc_settings=$(env | { grep -E '^DOTNET_(GC|gc|TC_)' || true; } | sort | tr '\n' ' ' | sed 's/ $//')

echo "building Release…" >&2
dotnet build -c Release silo/GlobalBrain.Silo > /dev/null
silo_dll=$repo/silo/GlobalBrain.Silo/bin/Release/net10.0/globalbrain-silo.dll

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The sample: the first DOCUMENTS paragraphs of at least 200 characters, as a JSON array.
python3 - "$first_text" "$documents" > "$work/sample.json" <<'EOF'
import json, sys
text = open(sys.argv[1], encoding='utf-8').read()
paragraphs = [p.strip() for p in text.split('\n\n') if len(p.strip()) >= 200][: int(sys.argv[2])]
print(json.dumps([{"id": f"live-scale-{i}", "text": p} for i, p in enumerate(paragraphs)]))
EOF
sample_bytes=$(python3 -c "import json,sys; print(sum(len(d['text'].encode()) for d in json.load(open(sys.argv[1]))))" "$work/sample.json")

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")
until redis-cli -p "$redis_port" ping > /dev/null 2>&1; do sleep 0.1; done

echo "live-scale: $documents documents ($sample_bytes bytes of $first_text), memory storage, Redis membership, metrics interval $interval, $(nproc) cores, runtime: ${gc_settings:-defaults}, $(date -u '+%F %H:%M UTC')"
printf '%-5s %-8s %-5s %-10s %-8s %-8s %-10s %-19s %-9s %-10s %-14s %-14s %-7s %-10s %s\n' \
  silos N v activate_s t99_s t100_s theory_s "exch/s (of N·v)" peak_MB "KB/expert" "p50/p99 spread" "p50/p99 after" log_KB gc_pause_s alloc_KB/exch

for count in $silo_counts; do
  for n in $experts_list; do
    for v in $rates; do
      cluster_id=live-$count-$n-$RANDOM
      silo_pids=() http_ports=() metrics_ports=() logs=()
      for i in $(seq 1 "$count"); do
        http=$(free_port) metrics=$(free_port)
        log=${log_dir:-$work}/silo-$cluster_id-$i.log
        GlobalBrain__Cluster__Provider=redis GlobalBrain__Cluster__Redis=127.0.0.1:$redis_port GlobalBrain__Storage__Provider=memory \
          GlobalBrain__Cluster__AdvertisedAddress=127.0.0.1 GlobalBrain__Cluster__ClusterId=$cluster_id \
          GlobalBrain__Cluster__SiloPort=$(free_port) GlobalBrain__Cluster__GatewayPort=$(free_port) \
          GlobalBrain__Experts__Count=$n GlobalBrain__Experts__FlowRate=$v GlobalBrain__Metrics__Interval=$interval \
          GlobalBrain__Metrics__Port=$metrics \
          dotnet "$silo_dll" --urls "http://127.0.0.1:$http" > "$log" 2>&1 &
        silo_pids+=($!) http_ports+=("$http") metrics_ports+=("$metrics") logs+=("$log")
        pids+=($!)
      done
      for http in "${http_ports[@]}"; do
        until curl -sf "http://127.0.0.1:$http/healthz/ready" > /dev/null; do sleep 0.25; done
      done
      python3 - "$n" "$v" "$timeout" "$work/sample.json" "$count" "${http_ports[*]}" "${silo_pids[*]}" "${logs[*]}" "${metrics_ports[*]}" "$settle" "$scrape_log" <<'EOF'
import json, math, os, re, statistics, subprocess, sys, time, urllib.request
n, v, timeout = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
settle = float(sys.argv[10])
# --scrape-log FILE: every scrape from the POST on, as UTC time, seconds since the POST, phase, latency ms
scrape_log = open(sys.argv[11], "a") if sys.argv[11] else None
sample, silos = sys.argv[4], int(sys.argv[5])
api_ports, pids, logs = sys.argv[6].split(), [int(p) for p in sys.argv[7].split()], sys.argv[8].split()
ports = sys.argv[9].split()  # GlobalBrain:Metrics:Port of each silo, where Prometheus scrapes

def rss_mb():
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
    return total

def check_alive():
    for pid, log in zip(pids, logs):
        if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z":
            tail = open(log, errors="replace").read()[-1500:]
            print(f"{silos:<5} {n:<8} {v:<5} silo process {pid} exited; the end of its log:\n{tail}", flush=True)
            sys.exit(0)

def scrape(port):
    start = time.monotonic()
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=120).read().decode()
    except OSError:
        # A scrape that got no answer within 120 s counts as one of 120 s (the silo is alive, but busy).
        check_alive()
        return (time.monotonic() - start) * 1000, {}
    elapsed = (time.monotonic() - start) * 1000
    values = {}
    for line in body.splitlines():
        m = re.match(r'^(globalbrain_[a-z_]+|dotnet_gc_pause_time_seconds_total|dotnet_gc_heap_total_allocated_bytes_total)(\{[^}]*\})? ([0-9.eE+-]+|NaN)', line)
        if m:
            name = m.group(1)
            if name.startswith("globalbrain_exchanges_total"):
                values[name] = values.get(name, 0) + float(m.group(3))
            else:
                values[name] = float(m.group(3))
    return elapsed, values

def gauge(values, prefix):
    return next((val for key, val in values.items() if key.startswith(prefix)), None)

peak = 0.0
idle = rss_mb()
# Activation: the first metrics pass asks every expert (and activates it).
t = time.monotonic()
while True:
    _, values = scrape(ports[0])
    peak = max(peak, rss_mb())
    if gauge(values, "globalbrain_experts") == n:
        break
    if time.monotonic() - t > timeout:
        print(f"{silos:<5} {n:<8} {v:<5} activation did not finish within {timeout:.0f} s"); sys.exit(0)
    time.sleep(1)
activation = time.monotonic() - t

def exchanges():
    return sum(scrape(p)[1].get("globalbrain_exchanges_total", 0) for p in ports)

def gc_pause():
    return sum(scrape(p)[1].get("dotnet_gc_pause_time_seconds_total", 0) for p in ports)

def allocated():
    return sum(scrape(p)[1].get("dotnet_gc_heap_total_allocated_bytes_total", 0) for p in ports)

ex0, tx0, pause0, alloc0 = exchanges(), time.monotonic(), gc_pause(), allocated()
request = urllib.request.Request(f"http://127.0.0.1:{api_ports[0]}/v1/documents", data=open(sample, "rb").read(), headers={"Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=300).read()
posted = time.monotonic()
t99 = t100 = None
spreading, after = [], []
i = 0
while time.monotonic() - posted < timeout:
    started = time.time()
    elapsed, values = scrape(ports[i % len(ports)])
    i += 1
    peak = max(peak, rss_mb())
    (after if t100 is not None else spreading).append(elapsed)
    if scrape_log:
        print(f"{time.strftime('%H:%M:%S', time.gmtime(started))}.{int(started % 1 * 1000):03d} {time.monotonic() - posted:.1f} {'after' if t100 is not None else 'spreading'} {elapsed:.1f}", file=scrape_log, flush=True)
    mean, low = gauge(values, "globalbrain_reach_mean"), gauge(values, "globalbrain_reach_min")
    now = time.monotonic() - posted
    if t99 is None and mean is not None and mean >= 0.99 and gauge(values, "globalbrain_items_distinct"):
        t99 = now
    if t100 is None and low is not None and low >= 1.0 - 1e-12 and gauge(values, "globalbrain_items_distinct"):
        t100 = now
        ex1, tx1, pause1, alloc1 = exchanges(), time.monotonic(), gc_pause(), allocated()
    if t100 is not None and now - t100 >= settle:
        break
    time.sleep(max(0, 1 - elapsed / 1000))
end_rss = rss_mb()
if t100 is None:
    ex1, tx1, pause1, alloc1 = exchanges(), time.monotonic(), gc_pause(), allocated()
rate = (ex1 - ex0) / (tx1 - tx0)
theory = (math.log(n) + 0.5772156649) / v
def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]
log_kb = sum(os.path.getsize(l) for l in logs) / 1024
fmt = lambda x: "-" if x is None else f"{x:.1f}"
print(f"{silos:<5} {n:<8} {v:<5} {activation:<10.1f} {fmt(t99):<8} {fmt(t100):<8} {theory:<10.1f} "
      f"{rate:>8.0f} ({rate / (n * v):.2f}) {'':<3} {peak:<9.0f} {(end_rss - idle) * 1024 / n:<10.2f} "
      f"{pct(spreading, .5):.0f}/{pct(spreading, .99):.0f}{'':<8} {pct(after, .5):.0f}/{pct(after, .99):.0f}{'':<8} {log_kb:<7.0f} {pause1 - pause0:<10.1f} {(alloc1 - alloc0) / 1024 / max(1, ex1 - ex0):.2f}", flush=True)
EOF
      for pid in "${silo_pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
      for pid in "${silo_pids[@]}"; do wait "$pid" 2> /dev/null || true; done
    done
  done
done
