#!/bin/bash
# Start-up and tokenize throughput of two globalbrain binaries side by side (interleaved rounds, medians):
# by default the Release build (JIT) and a ReadyToRun publish. Usage:
#   bash tests/GlobalBrain.Benchmarks/jit-vs-readytorun.sh INPUT.txt BERT_DIR [ROUNDS] [JIT_CLI] [R2R_CLI]
# Build both first:
#   dotnet build -c Release client/GlobalBrain.Client
#   dotnet publish client/GlobalBrain.Client -c Release -r linux-x64 -o /tmp/globalbrain-r2r
set -euo pipefail
input=${1:?INPUT.txt}; vocab=${2:?BERT_DIR}; rounds=${3:-7}
repo=$(cd "$(dirname "$0")/../.." && pwd)
declare -A cli=([jit]=${4:-$repo/client/GlobalBrain.Client/bin/Release/net10.0/globalbrain} [r2r]=${5:-/tmp/globalbrain-r2r/globalbrain})
for c in jit r2r; do [ -x "${cli[$c]}" ] || { echo "no binary ${cli[$c]}; build it first (see the top of this script)" >&2; exit 2; }; done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for r in $(seq "$rounds"); do
  for c in jit r2r; do
    g=${cli[$c]}
    /usr/bin/time -f "$c start %e %U %S" -a -o "$work/t" "$g" tokenize --tokenizer bert --vocab "$vocab" < /dev/null > /dev/null
    /usr/bin/time -f "$c jsonl %e %U %S" -a -o "$work/t" "$g" tokenize --tokenizer bert --vocab "$vocab" < "$input" > "$work/out.jsonl"; rm -f "$work/out.jsonl"
    rm -rf "$work/npy"; /usr/bin/time -f "$c npy %e %U %S" -a -o "$work/t" "$g" tokenize --tokenizer bert --vocab "$vocab" --format npy --output "$work/npy" < "$input"
  done
done
mb=$(stat -c %s "$input" | awk '{print $1/1e6}')
echo "$input: $mb MB; $rounds rounds; $(date -u '+%Y-%m-%d %H:%M') UTC; load $(cut -d' ' -f1-3 /proc/loadavg)"
for c in jit r2r; do for k in start jsonl npy; do
  grep "^$c $k " "$work/t" | awk '{print $3, $4+$5}' | sort -n | awk -v c="$c" -v k="$k" -v mb="$mb" \
    '{w[NR]=$1; u[NR]=$2} END {m=int((NR+1)/2); printf "%s %-6s median wall %.3f s (CPU %.2f s)%s\n", c, k, w[m], u[m], (k=="start") ? "" : sprintf("  %.1f MB/s", mb/w[m])}'
done; done
