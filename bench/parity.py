#!/usr/bin/env python3
"""Parity harness: Hearth's `hearth bench` against llama.cpp's own `llama-bench` of the same llama.cpp
(bench/build-llama-bench.sh), on the same models, same threads, runs interleaved. Prints both figures
and the ratio against the targets (generation >= 0.98x, prompt processing >= 0.97x, time to first
token for 4096 tokens <= 1.05x). A benchmark, not a test: a missed target is reported, not fatal;
the script fails only when a run fails. `--short` (1 rep, small sizes) is what CI runs so that the
harness cannot rot; the full run is for people (use a release build: `cargo build --release`).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"pp": (">=", 0.97), "tg": (">=", 0.98), "ttft": ("<=", 1.05)}


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


GPU_LAYERS = None  # None: each tool's default; else both get the same -ngl / --gpu-layers


def llama_bench(binary, model, p, n, threads):
    ngl = ["-ngl", str(GPU_LAYERS)] if GPU_LAYERS is not None else []
    rows = run_json([binary, "-m", model, "-p", str(p), "-n", str(n), "-t", str(threads), "-r", "1", "-o", "json"] + ngl)
    pp = next((r["avg_ts"] for r in rows if r["n_prompt"] > 0 and r["n_gen"] == 0), None)
    tg = next((r["avg_ts"] for r in rows if r["n_gen"] > 0 and r["n_prompt"] == 0), None)
    return pp, tg


def hearth_bench(binary, model, p, n, ttft, threads):
    ngl = ["--gpu-layers", str(GPU_LAYERS)] if GPU_LAYERS is not None else []
    r = run_json([binary, "bench", model, "-p", str(p), "-n", str(n), "--ttft-prompt", str(ttft), "-t", str(threads), "-r", "1", "--json", "--no-save"] + ngl)
    return r["pp_tps"], r["tg_tps"], r["ttft_ms"]


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--short", action="store_true", help="1 rep, -p 128 -n 32, TTFT at 512 tokens (CI)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--hearth", default=None, help="the hearth binary (default: release build, else debug)")
    ap.add_argument("--llama-bench", default=None, help="default: bench/build-llama-bench.sh's")
    ap.add_argument("--gpu-layers", type=int, default=None, help="layers on the GPU for both tools (e.g. 99)")
    ap.add_argument("--models", nargs="+", default=None, help="GGUF files (default: SmolLM2 Q4_1, Gemma 3 270M, an IQ4_XS of SmolLM2)")
    args = ap.parse_args()
    global GPU_LAYERS
    GPU_LAYERS = args.gpu_layers
    p, n, ttft_tokens, reps = (128, 32, 512, 1) if args.short else (512, 128, 4096, args.reps)

    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    hearth = args.hearth or next((str(b) for b in (target_dir / "release/hearth", target_dir / "debug/hearth") if b.exists()), None)
    if not hearth:
        sys.exit("no hearth binary: cargo build --release -p hearth-cli")
    lb = args.llama_bench or subprocess.run([str(REPO / "bench/build-llama-bench.sh")], capture_output=True, text=True, check=True).stdout.strip()

    if args.models:
        models = [Path(m) for m in args.models]
    else:
        models = default_models(hearth)

    print(f"hearth: {hearth}\nllama-bench: {lb}\nthreads {args.threads}, gpu layers {GPU_LAYERS}, -p {p} -n {n}, TTFT at {ttft_tokens} tokens, {reps} rep(s), interleaved\n")
    rows = []
    for model in models:
        rows += compare(model, lb, hearth, p, n, ttft_tokens, reps, args.threads)
    report(rows, p, n, ttft_tokens, args.short)


def default_models(hearth):
    models_dir = Path(os.environ.get("HEARTH_CACHE", REPO / ".cache")) / "models"
    smol = models_dir / "SmolLM2-135M-Instruct.Q4_1.gguf"
    gemma = models_dir / "gemma-3-270m-Q4_K_M.gguf"
    iq4 = Path(os.environ.get("HEARTH_CACHE", REPO / ".cache")) / "bench" / "SmolLM2-135M-Instruct-IQ4_XS.gguf"
    if not iq4.exists():
        iq4.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([hearth, "quantize", str(smol), "--type", "IQ4_XS", "--allow-requantize", "--output", str(iq4)], check=True, capture_output=True)
    return [smol, gemma, iq4]


def compare(model, lb, hearth, p, n, ttft_tokens, reps, threads):
    rows = []
    got = {"lb_pp": [], "lb_tg": [], "h_pp": [], "h_tg": [], "lb_ttft": [], "h_ttft": []}
    for _ in range(reps):
        pp, tg = llama_bench(lb, model, p, n, threads)
        got["lb_pp"].append(pp)
        got["lb_tg"].append(tg)
        hpp, htg, _ = hearth_bench(hearth, model, p, n, 0, threads)
        got["h_pp"].append(hpp)
        got["h_tg"].append(htg)
        # llama.cpp's time to first token: the prompt at its prompt speed (llama-bench samples nothing).
        lpp, _ = llama_bench(lb, model, ttft_tokens, 0, threads)
        got["lb_ttft"].append(ttft_tokens / lpp * 1000.0)
        _, _, httft = hearth_bench(hearth, model, 0, 0, ttft_tokens, threads)
        got["h_ttft"].append(httft)
    for metric, unit in (("pp", "tok/s"), ("tg", "tok/s"), ("ttft", "ms")):
        lb_m, lb_s = stats(got[f"lb_{metric}"])
        h_m, h_s = stats(got[f"h_{metric}"])
        ratio = h_m / lb_m
        op, target = TARGETS[metric]
        ok = ratio >= target if op == ">=" else ratio <= target
        rows.append((model.name, metric, unit, lb_m, lb_s, h_m, h_s, ratio, f"{op} {target}", "ok" if ok else "MISSED"))
    return rows


def report(rows, p, n, ttft_tokens, short):
    print(f"{'model':40} {'test':5} {'llama-bench':>18} {'hearth':>18} {'ratio':>7} {'target':>8}")
    for name, metric, unit, lb_m, lb_s, h_m, h_s, ratio, target, verdict in rows:
        label = {"pp": f"pp{p}", "tg": f"tg{n}", "ttft": f"ttft{ttft_tokens}"}[metric]
        print(f"{name:40} {label:8} {lb_m:9.1f} ±{lb_s:6.1f} {h_m:9.1f} ±{h_s:6.1f} {ratio:6.3f}x {target:>8} {verdict} ({unit})")
    missed = sum(1 for r in rows if r[-1] != "ok")
    print(f"\n{len(rows) - missed} of {len(rows)} targets met" + (" (short mode: figures from 1 rep on a shared CI machine are indicative only)" if short else ""))


if __name__ == "__main__":
    main()
