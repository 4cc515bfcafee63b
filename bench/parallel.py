#!/usr/bin/env python3
"""Answers side by side (issue 18): aggregate generation speed of `hearth serve --parallel N`
against llama-server `-np N` built from the same vendored llama.cpp (bench/build-llama-bench.sh
llama-server), same model, threads and context (each slot `--slot-ctx` tokens, the total N times
that; llama-server without a unified cache, as Hearth), runs interleaved.

For each N in --clients: N clients each send --rounds chat requests (temperature 0,
--max-tokens, distinct prompts), all at once; the figure is completion tokens / wall seconds
over all of them. Reported: the median of --reps runs for each server, the ratio Hearth /
llama-server, and the scaling against one client. A benchmark, not a test: it prints figures
and fails only when a run fails.

Like for like: a packaged `hearth` loads the CPU backend built for this CPU's instruction set
(AVX-512 on a Zen 4), llama-server from build-llama-bench.sh has the AVX2/FMA baseline, and
different kernels round differently, so greedy answers differ in length and the servers do
different work. So by default the package's `haswell` variant (the same instruction set) is
chosen for Hearth (`--hearth-cpu-variant`), the answers are compared (differing ones are
counted), and the ratio is llama-server's wall time over Hearth's for the same requests
(llama-server's completion_tokens also count an answer's end-of-turn token; Hearth's do not).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROMPTS = [
    "Write a short poem about the sea.",
    "Give three tips for baking bread at home.",
    "Describe a cat in two sentences.",
    "How do plants make food?",
    "Tell me a fact about the moon.",
    "List three fruits and their colors.",
    "Give me a tip for sleeping well.",
    "Explain what a rainbow is.",
]


class Server:
    def __init__(self, cmd, env=None):
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)

    def wait_ready(self, url):
        for _ in range(600):
            if self.proc.poll() is not None:
                raise SystemExit(f"{' '.join(self.proc.args)} exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(url + "/v1/models", timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        raise SystemExit(f"{url} never came up")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def chat(url, prompt, max_tokens):
    """(completion tokens, answer text)."""
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": prompt}], "temperature": 0,
                       "max_tokens": max_tokens}).encode()
    req = urllib.request.Request(url + "/v1/chat/completions", body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        answer = json.load(r)
        return answer["usage"]["completion_tokens"], answer["choices"][0]["message"]["content"]


def load(url, clients, rounds, max_tokens):
    """(aggregate completion tokens per second, wall seconds, answers by (client, round)) of
    `clients` clients sending `rounds` requests each."""
    counts = [0] * clients
    answers = {}
    errors = []

    def client(i):
        try:
            for r in range(rounds):
                n, text = chat(url, PROMPTS[(i + r) % len(PROMPTS)] + f" (client {i})", max_tokens)
                counts[i] += n
                answers[(i, r)] = text
        except Exception as e:  # noqa: BLE001 - reported
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    if errors:
        raise SystemExit(f"{url}: {errors[0]}")
    return sum(counts) / wall, wall, answers


def cpu_variant_env(hearth, variant):
    """The environment that makes a packaged `hearth` load CPU backend `variant` (every other
    variant beside it skipped); none for a build without variants or `variant` "none"."""
    libs = Path(hearth).resolve().parent.parent / "lib/Hearth/llama"
    found = sorted(p.name[len("libggml-cpu-"):-len(".so")] for p in libs.glob("libggml-cpu-*.so"))
    if variant == "none" or not found:
        return {}
    if variant not in found:
        raise SystemExit(f"no CPU variant {variant} beside {hearth} (there are: {', '.join(found)})")
    return {"HEARTH_CPU_VARIANT_SKIP": ",".join(v for v in found if v != variant)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(REPO / ".cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--hearth", default=os.environ.get("HEARTH_BIN", str(Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug/hearth")))
    ap.add_argument("--llama-server", default=str(Path.home() / ".cache/hearth/llama-bench/bin/llama-server"))
    ap.add_argument("--clients", default="1,2,4,8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--slot-ctx", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--gpu-layers", type=int, help="layers on the GPU for both servers (default: each one's own)")
    ap.add_argument("--hearth-cpu-variant", default="haswell",
                    help="the packaged CPU backend Hearth loads: haswell (AVX2/FMA, llama-server's build), none (the best for this CPU)")
    a = ap.parse_args()
    variant_env = cpu_variant_env(a.hearth, a.hearth_cpu_variant)
    if variant_env:
        print(f"Hearth's CPU backend: {a.hearth_cpu_variant} (the others skipped)", flush=True)
    hearth_gpu = ["--gpu-layers", str(a.gpu_layers)] if a.gpu_layers is not None else []
    server_gpu = ["-ngl", str(a.gpu_layers)] if a.gpu_layers is not None else []

    rows = []
    for n in [int(x) for x in a.clients.split(",")]:
        ctx = a.slot_ctx * n
        figures = {"hearth": [], "llama-server": []}
        walls = {"hearth": [], "llama-server": []}
        differing = []
        for rep in range(a.reps):
            answers = {}
            order = ["hearth", "llama-server"] if rep % 2 == 0 else ["llama-server", "hearth"]
            for which in order:
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                if which == "hearth":
                    home = tempfile.mkdtemp(prefix="hearth-parallel-")
                    cmd = [a.hearth, "serve", a.model, "--port", str(port), "--parallel", str(n), "--ctx", str(ctx),
                           "--threads", str(a.threads)] + hearth_gpu
                    server = Server(cmd, env=dict(os.environ, HEARTH_HOME=home, **variant_env))
                else:
                    cmd = [a.llama_server, "-m", a.model, "--port", str(port), "-np", str(n), "-c", str(ctx),
                           "-t", str(a.threads), "-tb", str(a.threads), "--no-kv-unified", "--no-webui"] + server_gpu
                    server = Server(cmd)
                try:
                    server.wait_ready(url)
                    chat(url, "Hello", 4)  # warm-up
                    tps, wall, answers[which] = load(url, n, a.rounds, a.max_tokens)
                    figures[which].append(tps)
                    walls[which].append(wall)
                finally:
                    server.stop()
            differing.append(sum(answers["hearth"][k] != answers["llama-server"][k] for k in answers["hearth"]))
        h, l = statistics.median(figures["hearth"]), statistics.median(figures["llama-server"])
        ratio = statistics.median(walls["llama-server"]) / statistics.median(walls["hearth"])
        rows.append((n, h, l, ratio, max(differing)))
        print(f"clients {n}: hearth {h:.1f} tok/s, llama-server {l:.1f} tok/s, ratio {ratio:.3f} (wall), "
              f"answers differing {max(differing)} of {n * a.rounds}  "
              f"(runs: {[round(x, 1) for x in figures['hearth']]} / {[round(x, 1) for x in figures['llama-server']]})", flush=True)
    base_h, base_l = rows[0][1], rows[0][2]
    print("\n| clients | Hearth tok/s | llama-server tok/s | Hearth / llama-server | Hearth scaling | llama-server scaling | answers differing |")
    print("|---|---|---|---|---|---|---|")
    for n, h, l, ratio, diff in rows:
        print(f"| {n} | {h:.1f} | {l:.1f} | {ratio:.3f} | {h / base_h:.2f}x | {l / base_l:.2f}x | {diff} of {n * a.rounds} |")


if __name__ == "__main__":
    sys.exit(main())
