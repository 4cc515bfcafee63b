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
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": prompt}], "temperature": 0,
                       "max_tokens": max_tokens}).encode()
    req = urllib.request.Request(url + "/v1/chat/completions", body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)["usage"]["completion_tokens"]


def load(url, clients, rounds, max_tokens):
    """Aggregate completion tokens per second of `clients` clients sending `rounds` requests each."""
    counts = [0] * clients
    errors = []

    def client(i):
        try:
            for r in range(rounds):
                counts[i] += chat(url, PROMPTS[(i + r) % len(PROMPTS)] + f" (client {i})", max_tokens)
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
    return sum(counts) / wall


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
    a = ap.parse_args()
    hearth_gpu = ["--gpu-layers", str(a.gpu_layers)] if a.gpu_layers is not None else []
    server_gpu = ["-ngl", str(a.gpu_layers)] if a.gpu_layers is not None else []

    rows = []
    for n in [int(x) for x in a.clients.split(",")]:
        ctx = a.slot_ctx * n
        figures = {"hearth": [], "llama-server": []}
        for rep in range(a.reps):
            order = ["hearth", "llama-server"] if rep % 2 == 0 else ["llama-server", "hearth"]
            for which in order:
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                if which == "hearth":
                    home = tempfile.mkdtemp(prefix="hearth-parallel-")
                    cmd = [a.hearth, "serve", a.model, "--port", str(port), "--parallel", str(n), "--ctx", str(ctx),
                           "--threads", str(a.threads)] + hearth_gpu
                    server = Server(cmd, env=dict(os.environ, HEARTH_HOME=home))
                else:
                    cmd = [a.llama_server, "-m", a.model, "--port", str(port), "-np", str(n), "-c", str(ctx),
                           "-t", str(a.threads), "-tb", str(a.threads), "--no-kv-unified", "--no-webui"] + server_gpu
                    server = Server(cmd)
                try:
                    server.wait_ready(url)
                    chat(url, "Hello", 4)  # warm-up
                    figures[which].append(load(url, n, a.rounds, a.max_tokens))
                finally:
                    server.stop()
        h, l = statistics.median(figures["hearth"]), statistics.median(figures["llama-server"])
        rows.append((n, h, l))
        print(f"clients {n}: hearth {h:.1f} tok/s, llama-server {l:.1f} tok/s, ratio {h / l:.3f}  "
              f"(runs: {[round(x, 1) for x in figures['hearth']]} / {[round(x, 1) for x in figures['llama-server']]})", flush=True)
    base_h, base_l = rows[0][1], rows[0][2]
    print("\n| clients | Hearth tok/s | llama-server tok/s | Hearth / llama-server | Hearth scaling | llama-server scaling |")
    print("|---|---|---|---|---|---|")
    for n, h, l in rows:
        print(f"| {n} | {h:.1f} | {l:.1f} | {h / l:.3f} | {h / base_h:.2f}x | {l / base_l:.2f}x |")


if __name__ == "__main__":
    sys.exit(main())
