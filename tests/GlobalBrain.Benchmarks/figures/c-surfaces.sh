#!/usr/bin/env bash
# What C = f(v, I, N) means here (README, "Simulation"): measured surfaces of C and C̄ over v, I and N, each figure
# the mean over K seeds with its 95% interval, and the analytic C̄(t) beside them. One command regenerates
# everything in tests/GlobalBrain.Benchmarks/figures/c/:
#
#   tests/GlobalBrain.Benchmarks/figures/c-surfaces.sh [--seeds K] [--out DIR]      (K = 20: 10 minutes on 2 shared cores)
#
# It builds the CLI (Release), runs `globalbrain simulate … --seeds K --csv` for every experiment below (push-pull,
# complete graph; seeds 1…K), gathers the rows into one tidy CSV, c-surfaces.csv, and renders it with
# `GlobalBrain.Benchmarks c-figures` into figures (PNG) and summary.md (the tables the README quotes):
#
#   reach-t   C̄ over time at N = 10^4: the rumor on each clock (poisson, async, rounds) and the items scenario (rounds)
#   c-v       C against v: items (k = 1) at N = 10^3 in rounds; the rumor at N = 10^4 on the live clock (async)
#   c-i       C against I = N·k: items at N = 10^3, k = 1, 4, 16, 64, whole shards and --exchange-cap 8
#   c-n       C against N at fixed I: the rumor (I = 1), N = 10^2 … 10^6; items with I = 10^4 (N·k fixed)
#
# c-surfaces.csv: experiment,scenario,clock,experts,flowRate,itemsPerExpert,exchangeCap,distinctItems,step,periods,n,
# meanReach_mean,meanReach_ci95_low,meanReach_ci95_high,C_mean,C_ci95_low,C_ci95_high — one row per run point and
# round (rounds) or sample (async, poisson: step = t in seconds, periods = t·v); C = collective intelligence = N·C̄·I.
# Simulations are deterministic per seed: the same K gives the same CSV, byte for byte.
set -euo pipefail
cd "$(dirname "$0")/../../.."
seeds=20 out=tests/GlobalBrain.Benchmarks/figures/c
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--seeds K] [--out DIR]" >&2; exit 2 ;;
  esac
done

for project in client/GlobalBrain.Client tests/GlobalBrain.Benchmarks; do
  built=$(dotnet build -c Release "$project" -v quiet -nologo 2>&1) || { echo "$built" >&2; exit 1; }
done
cli=(dotnet client/GlobalBrain.Client/bin/Release/net10.0/globalbrain.dll)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
surface="$out/c-surfaces.csv"
echo "experiment,scenario,clock,experts,flowRate,itemsPerExpert,exchangeCap,distinctItems,step,periods,n,meanReach_mean,meanReach_ci95_low,meanReach_ci95_high,C_mean,C_ci95_low,C_ci95_high" > "$surface"

# run EXPERIMENT SCENARIO CLOCK K_PER_EXPERT CAP SIMULATE-OPTIONS…: one `simulate --seeds K --csv`, its rows appended.
run() {
  local experiment=$1 scenario=$2 clock=$3 k=$4 cap=$5
  shift 5
  local csv="$work/run.csv" options=()
  [ "$scenario" = items ] && options+=(--items-per-expert "$k")
  [ "$cap" != none ] && options+=(--exchange-cap "$cap")
  echo "  simulate --scenario $scenario --clock $clock ${options[*]} $* --seeds $seeds" >&2
  "${cli[@]}" simulate --scenario "$scenario" --clock "$clock" "${options[@]}" "$@" --seeds "$seeds" --csv "$csv" > /dev/null
  # A sweep's CSV starts with experts,flowRate,mode,topology; a single point's does not: the values come from the options then.
  awk -F, -v OFS=, -v ex="$experiment" -v sc="$scenario" -v cl="$clock" -v k="$k" -v cap="$cap" -v args="$*" '
    NR == 1 {
      for (i = 1; i <= NF; i++) col[$i] = i
      na = split(args, a, " ")
      for (i = 1; i < na; i++) { if (a[i] == "--experts") n0 = a[i + 1]; if (a[i] == "--flow-rate") v0 = a[i + 1] }
      if (v0 == "") v0 = 1
      next
    }
    {
      n = ("experts" in col) ? $col["experts"] : n0
      v = ("flowRate" in col) ? $col["flowRate"] : v0
      step = (cl == "rounds") ? $col["round"] : $col["time"]
      items = (sc == "items") ? n * k : 1
      print ex, sc, cl, n, v, (sc == "items" ? k : ""), (cap == "none" ? "" : cap), items, step, (cl == "rounds" ? step : step * v), $col["n"],
        $col["meanReach_mean"], $col["meanReach_ci95_low"], $col["meanReach_ci95_high"],
        $col["collectiveIntelligence_mean"], $col["collectiveIntelligence_ci95_low"], $col["collectiveIntelligence_ci95_high"]
    }' "$csv" >> "$surface"
}

echo "C̄ over time (N = 10^4)" >&2
run reach-t rumor poisson 1 none --experts 10000 --rounds 12
run reach-t rumor async 1 none --experts 10000 --rounds 12
run reach-t rumor rounds 1 none --experts 10000 --rounds 16
run reach-t items rounds 1 none --experts 10000 --rounds 16

echo "C against v" >&2
run c-v items rounds 1 none --experts 1000 --flow-rate 0.25,0.5,1,2,4 --rounds 40
run c-v rumor async 1 none --experts 10000 --flow-rate 0.25,0.5,1,2,4 --rounds 80

echo "C against I" >&2
for k in 1 4 16 64; do
  run c-i items rounds "$k" none --experts 1000 --rounds 30
  run c-i items rounds "$k" 8 --experts 1000 --rounds 30
done

echo "C against N at fixed I" >&2
run c-n rumor rounds 1 none --experts 100,1000,10000,100000,1000000 --rounds 25
run c-n items rounds 100 none --experts 100 --rounds 25
run c-n items rounds 10 none --experts 1000 --rounds 25
run c-n items rounds 1 none --experts 10000 --rounds 25

dotnet tests/GlobalBrain.Benchmarks/bin/Release/net10.0/GlobalBrain.Benchmarks.dll c-figures "$surface" "$out"
echo "wrote $surface, $out/*.png and $out/summary.md ($seeds seeds per point)" >&2
