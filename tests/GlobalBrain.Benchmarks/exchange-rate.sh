#!/usr/bin/env bash
# How many exchanges one silo makes: one silo process (localhost membership, memory storage), N experts, v
# exchanges per expert per second, nothing ingested. Every expert is activated first (the first metrics pass),
# then, after 10 s, the exchanges started over --seconds (globalbrain_exchanges_total) and the silo's CPU are
# read: achieved vs asked (N·v) and CPU µs per exchange. Builds Release; needs curl and python3. Not run by CI.
#
#   tests/GlobalBrain.Benchmarks/exchange-rate.sh N V [--seconds 30]
set -euo pipefail
cd "$(dirname "$0")/../.."
usage="usage: $0 N V [--seconds 30]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
n=$1 v=$2; shift 2
seconds=30
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    *) echo "unknown option $1; $usage" >&2; exit 2 ;;
  esac
done
for tool in curl python3; do command -v "$tool" > /dev/null || { echo "$tool is not installed" >&2; exit 2; }; done

echo "building Release…" >&2
dotnet build -c Release silo/GlobalBrain.Silo > /dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api=$(free_port) metrics=$(free_port)
log=$(mktemp)
env GlobalBrain__Cluster__Provider=localhost GlobalBrain__Storage__Provider=memory \
  GlobalBrain__Cluster__SiloPort=$(free_port) GlobalBrain__Cluster__GatewayPort=$(free_port) \
  GlobalBrain__Experts__Count=$n GlobalBrain__Experts__FlowRate=$v GlobalBrain__Metrics__Interval=00:00:02 \
  GlobalBrain__Metrics__Port=$metrics \
  dotnet silo/GlobalBrain.Silo/bin/Release/net10.0/globalbrain-silo.dll --urls "http://127.0.0.1:$api" > "$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2> /dev/null || true; wait $pid 2> /dev/null || true; rm -f "$log"' EXIT
until curl -sf "http://127.0.0.1:$api/healthz/ready" > /dev/null; do
  kill -0 $pid 2> /dev/null || { echo "the silo exited:" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 0.5
done

python3 - "$metrics" "$pid" "$n" "$v" "$seconds" <<'PY'
import os, re, sys, time, urllib.request
metrics, pid, n, v, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
def scrape():
    body = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=300).read().decode()
    def value(name):
        found = [float(m.group(2)) for m in re.finditer(r'^' + name + r'(\{[^}]*\})? ([0-9.eE+-]+)', body, re.M)]
        return sum(found) if found else None
    return value
def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
start = time.monotonic()
while scrape()('globalbrain_experts') != n:
    time.sleep(1)
print(f"activation {time.monotonic() - start:.1f} s", file=sys.stderr)
time.sleep(10)
e0, c0, t0 = scrape()('globalbrain_exchanges_total') or 0, cpu(), time.monotonic()
time.sleep(seconds)
e1, c1, t1 = scrape()('globalbrain_exchanges_total') or 0, cpu(), time.monotonic()
rate = (e1 - e0) / (t1 - t0)
print(f"N={n} v={v}: asked {n * v:,.0f}/s, achieved {rate:,.0f}/s ({rate / (n * v):.2f}), "
      f"{(c1 - c0) / max(e1 - e0, 1) * 1e6:.1f} µs CPU per exchange, {(c1 - c0) / (t1 - t0):.2f} cores; "
      f"load {os.getloadavg()[0]:.1f}")
PY
