#!/usr/bin/env python3
"""Where the ingest benchmark's CPU goes: a perf profile of it split into raw, floor and end-to-end parts.

Record the benchmark under perf and write its samples out (a benchmark, not run by CI):

    export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
    perf record -F 999 -g -o bench.data -- dotnet tests/GlobalBrain.Benchmarks/bin/Release/net10.0/GlobalBrain.Benchmarks.dll \\
        DIR --split paragraphs --tokenizer bert --vocab VOCAB [--max-len 128] --warm-up 3 --repeat 15
    perf script -i bench.data > bench.txt
    tests/GlobalBrain.Benchmarks/perf-split.py bench.txt --passes 30

Each round runs every kind of pass twice (one untimed, one timed), so --passes is twice --repeat. Only samples
from the timed rounds count: they start at the first raw pass after the end-to-end warm-up, found as the first
gap of --gap seconds (default 2) between raw samples. A sample belongs to the raw or floor passes when its stack
runs through the benchmark's RawDocument or FloorDocument; every other sample of the window is the end-to-end
passes', the garbage collector's or the JIT's (their threads are told apart by name), and is split by the first
rule below that its stack matches. At -F 999 a sample is about 1 ms of one core's time.
"""
import argparse
import collections
import re
import sys


def read_samples(path):
    samples, current = [], None
    time_field = re.compile(r"^(\d+\.\d+):$")
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not line.strip():
                if current is not None:
                    samples.append(current)
                current = None
            elif current is None:
                # Header: COMM TID [CPU] TIME: PERIOD EVENT
                stamp = next((float(m.group(1)) for m in map(time_field.match, line.split()) if m), None)
                current = {"header": line, "time": stamp, "stack": []}
            else:
                current["stack"].append(line.strip())
    if current is not None:
        samples.append(current)
    return [s for s in samples if s["time"] is not None]


def has(sample, *names):
    return any(name in frame for frame in sample["stack"] for name in names)


TOKENIZER = ("BertEncoder::", "TiktokenEncoder", "Microsoft.ML.Tokenizers")
HASHING = ("KnowledgeItems::", "XxHash3", "DeltaBuilder::Build", "SelectIterator")
UTF8 = ("Utf16Utility", "GetByteCount", "Utf8Utility")

# (part, rule): the first rule that matches a sample's stack names its part.
RULES = [
    ("raw: tokenizer", lambda s: has(s, "RawDocument") and has(s, *TOKENIZER)),
    ("raw: the rest", lambda s: has(s, "RawDocument")),
    ("floor: tokenizer", lambda s: has(s, "FloorDocument") and has(s, *TOKENIZER)),
    ("floor: hashing items", lambda s: has(s, "FloorDocument") and has(s, *HASHING)),
    ("floor: sketch", lambda s: has(s, "FloorDocument") and has(s, "HyperLogLog")),
    ("floor: UTF-8 count and the rest", lambda s: has(s, "FloorDocument")),
    # Parallel.ForEach runs only the raw and floor passes; these samples lost the per-document function's frame on the way
    # up (allocations in the runtime, native frames perf cannot unwind through).
    ("raw or floor, which one lost", lambda s: has(s, "g__OnAllCores", "Parallel+<>c__DisplayClass")),
    ("GC threads", lambda s: ".NET Server GC" in s["header"] or ".NET BGC" in s["header"]),
    ("JIT thread", lambda s: ".NET Tiered Com" in s["header"]),
    ("e2e: tokenizer", lambda s: has(s, "TokenizerGrain") and has(s, *TOKENIZER)),
    ("e2e: hashing items", lambda s: has(s, "TokenizerGrain") and has(s, *HASHING)),
    ("e2e: UTF-8 count", lambda s: has(s, "TokenizerGrain") and has(s, *UTF8)),
    ("e2e: tokenizer grain, the rest", lambda s: has(s, "TokenizerGrain")),
    ("e2e: experts learning and storing", lambda s: has(s, "ExpertGrain")),
    ("e2e: storage (Orleans memory storage, serializing states)",
     lambda s: has(s, "MemoryGrainStorage", "StateStorageBridge", "MemoryStorageGrain", "Copier_GrainState", "Codec_ExpertState", "WriteCoalescer")),
    ("e2e: cutting batches", lambda s: has(s, "DocumentBatches")),
    ("e2e: ingest front", lambda s: has(s, "IngestGrain")),
    ("e2e: dispatcher", lambda s: has(s, "IngestDispatcher", "BatchSender")),
    ("e2e: Orleans, the rest", lambda s: has(s, "Orleans")),
    ("e2e: kernel, runtime and unattributed", lambda s: True),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("perf_script", help="the output of `perf script` for a recorded benchmark run")
    parser.add_argument("--passes", type=int, required=True, help="timed rounds' passes of each kind: twice --repeat")
    parser.add_argument("--gap", type=float, default=2.0, help="seconds without raw samples that mark the end-to-end warm-up")
    args = parser.parse_args()
    if args.passes <= 0:
        sys.exit(f"perf-split: --passes must be positive, not {args.passes}")

    try:
        samples = read_samples(args.perf_script)
    except OSError as error:
        sys.exit(f"perf-split: cannot read {args.perf_script}: {error.strerror}; pass the output of `perf script`")
    raw_times = sorted(s["time"] for s in samples if has(s, "RawDocument"))
    if not raw_times:
        sys.exit(f"perf-split: no sample in {args.perf_script} runs through RawDocument: record the benchmark with "
                 "DOTNET_PerfMapEnabled=1 and -g, and pass the output of `perf script`")
    start = next((later for earlier, later in zip(raw_times, raw_times[1:]) if later - earlier >= args.gap), None)
    if start is None:
        sys.exit(f"perf-split: found no gap of {args.gap} s between raw samples (the end-to-end warm-up): "
                 "record with --warm-up of at least that, or lower --gap")

    parts = collections.Counter()
    for sample in samples:
        if sample["time"] < start:
            continue
        part = next(name for name, rule in RULES if rule(sample))
        parts[part] += 1

    total = sum(parts.values())
    print(f"{total} samples from {start:.3f} s (perf's clock) on; per pass = samples / {args.passes}")
    print(f"{'part':58} {'samples':>8} {'per pass':>9}")
    for kind in ("raw:", "floor", "raw or", "GC", "JIT", "e2e"):
        rows = [(name, parts[name]) for name, _ in RULES if name.startswith(kind)]
        for name, count in rows:
            print(f"{name:58} {count:8d} {count / args.passes:9.1f}")
        if kind in ("raw:", "floor", "e2e"):
            subtotal = sum(count for _, count in rows)
            label = kind.rstrip(":") + " passes in all"
            print(f"{label:58} {subtotal:8d} {subtotal / args.passes:9.1f}")


if __name__ == "__main__":
    main()
