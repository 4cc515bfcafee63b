#!/usr/bin/env python3
"""What llama.cpp's RPC link costs per token (issue 18, part 3), on loopback: generation speed
of the demo model on this process's CPU against the same model split over one and two
`hearth rpc-server`s on this machine (each lending its CPU with the same threads), runs
interleaved; the extra milliseconds per token per server, against what the advisor's cluster
model (`crates/advisor/src/cluster.rs`: one round trip plus the hidden state each way, per other
machine, per token) predicts with the loopback round trip measured here.

A benchmark, not a test: it prints figures and fails only when a run fails.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from parallel import free_port  # noqa: E402

PROMPT = "Write a long story about a lighthouse keeper."


def loopback_rtt_ms(n=2000):
    """The median round trip of a 64-byte message over loopback TCP (as ping would measure a link)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def echo():
        conn, _ = server.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = conn.recv(64)
            if not data:
                return
            conn.sendall(data)

    threading.Thread(target=echo, daemon=True).start()
    c = socket.create_connection(server.getsockname())
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        c.sendall(b"x" * 64)
        got = 0
        while got < 64:
            got += len(c.recv(64))
        times.append((time.perf_counter() - t) * 1000)
    c.close()
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(REPO / ".cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--hearth", default=str(Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug/hearth"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=576, help="the model's hidden size (SmolLM2-135M: 576)")
    a = ap.parse_args()

    servers = []
    endpoints = []
    for _ in range(2):
        port = free_port()
        servers.append(subprocess.Popen([a.hearth, "rpc-server", "--port", str(port), "--threads", str(a.threads)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        endpoints.append(f"127.0.0.1:{port}")
    for e in endpoints:
        host, port = e.rsplit(":", 1)
        for _ in range(300):
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
    try:
        setups = {"local CPU": ["--device", "CPU"], "1 server": ["--rpc", endpoints[0]], "2 servers": ["--rpc", ",".join(endpoints)]}
        tps = {k: [] for k in setups}
        for rep in range(a.reps):
            for name, extra in (setups.items() if rep % 2 == 0 else reversed(list(setups.items()))):
                out = subprocess.run([a.hearth, "chat", a.model, "--prompt", PROMPT, "--temp", "0", "--max-tokens", str(a.tokens),
                                      "--threads", str(a.threads), "--json", *extra], capture_output=True, text=True)
                if out.returncode != 0:
                    raise SystemExit(f"{name}: {out.stderr[-2000:]}")
                tps[name].append(json.loads(out.stdout)["tg_tps"])
    finally:
        for s in servers:
            s.kill()
            s.wait()

    rtt = loopback_rtt_ms()
    median = {k: statistics.median(v) for k, v in tps.items()}
    ms = {k: 1000.0 / v for k, v in median.items()}
    print(f"loopback round trip (64 B, TCP_NODELAY): {rtt:.3f} ms")
    print("| setup | tg tok/s (median) | ms per token | runs |")
    print("|---|---|---|---|")
    for k in setups:
        print(f"| {k} | {median[k]:.1f} | {ms[k]:.2f} | {[round(x, 1) for x in tps[k]]} |")
    for n, k in [(1, "1 server"), (2, "2 servers")]:
        extra = ms[k] - ms["local CPU"]
        # The advisor's model: per other machine, one round trip plus the hidden state each way
        # (f32) at the link's bandwidth; loopback bandwidth taken as 40 Gbit/s (it hardly matters
        # for 2 x 576 x 4 bytes).
        predicted = n * (rtt + 2 * a.hidden * 4 / (40e9 / 8) * 1000)
        print(f"{k}: +{extra:.2f} ms per token ({extra / n:.2f} per server); the advisor's cluster model predicts "
              f"+{predicted:.3f} ms ({extra / predicted:.0f}x as much was measured)")


if __name__ == "__main__":
    sys.exit(main())
