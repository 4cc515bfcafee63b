#!/usr/bin/env python3
"""Threads and OpenMP on a busy machine: llama.cpp's own llama-bench built twice from the vendored
tree (bench/build-llama-bench.sh: ggml's own thread pool, as Hearth builds it, and with OpenMP),
each run with every thread count from 1 to the core count, on an idle machine and with other work
on the cores (busy loops standing in for the app's UI, a browser, a compile). Prints generation and
prompt speeds per case, interleaved over reps. A benchmark for choosing Hearth's default thread
count and its OpenMP build setting (bench/RESULTS.md), not a test.
"""
import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def busy(duty):
    """Spins `duty` of each 10 ms and sleeps the rest (1.0: a full core, as a compile; less: an
    interactive program such as the app's own window redrawing a streamed answer)."""
    import time
    while True:
        start = time.perf_counter()
        while time.perf_counter() - start < 0.01 * duty:
            pass
        if duty < 1.0:
            time.sleep(0.01 * (1.0 - duty))


def llama_bench(binary, model, threads, p, n):
    cmd = [binary, "-m", model, "-p", str(p), "-n", str(n), "-t", str(threads), "-r", "1", "-o", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")
    rows = json.loads(out.stdout)
    pp = next((r["avg_ts"] for r in rows if r["n_prompt"] > 0 and r["n_gen"] == 0), None)
    tg = next((r["avg_ts"] for r in rows if r["n_gen"] > 0 and r["n_prompt"] == 0), None)
    return pp, tg


def build(variant):
    out = subprocess.run([str(REPO / "bench/build-llama-bench.sh"), variant], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"building {variant} failed:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def fmt(xs):
    return f"{statistics.mean(xs):7.1f} ± {statistics.stdev(xs) if len(xs) > 1 else 0.0:5.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--busy", type=int, default=1, help="busy loops during the loaded runs (default 1)")
    ap.add_argument("--duty", type=float, default=1.0, help="the share of time each busy loop spins (default 1.0)")
    ap.add_argument("-p", type=int, default=128)
    ap.add_argument("-n", type=int, default=64)
    ap.add_argument("--model", default=str(REPO / ".cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    a = ap.parse_args()
    tools = {"ggml pool": build("llama-bench"), "OpenMP": build("llama-bench-openmp")}
    cores = os.cpu_count()
    cases = [(load, tool, t) for load in ("idle", "busy") for tool in tools for t in range(1, cores + 1)]
    results = {c: ([], []) for c in cases}
    for _ in range(a.reps):
        for load in ("idle", "busy"):
            workers = [multiprocessing.Process(target=busy, args=(a.duty,), daemon=True) for _ in range(a.busy if load == "busy" else 0)]
            for w in workers:
                w.start()
            try:
                for tool, binary in tools.items():
                    for t in range(1, cores + 1):
                        pp, tg = llama_bench(binary, a.model, t, a.p, a.n)
                        results[(load, tool, t)][0].append(pp)
                        results[(load, tool, t)][1].append(tg)
            finally:
                for w in workers:
                    w.terminate()
    print(f"{Path(a.model).name}, {cores} cores, {a.reps} reps; busy = {a.busy} loop(s) spinning {a.duty:.0%} of the time")
    print(f"| machine | thread pool | threads | pp{a.p} tok/s | tg{a.n} tok/s |")
    print("|---|---|---|---|---|")
    for c in cases:
        pp, tg = results[c]
        print(f"| {c[0]} | {c[1]} | {c[2]} | {fmt(pp)} | {fmt(tg)} |")


if __name__ == "__main__":
    main()
