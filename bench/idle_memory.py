#!/usr/bin/env python3
"""Idle cost of the app with no model: the PSS of the app and every process it started (WebKit's
web and network processes, the engine), and the CPU they use, after it has settled.

PSS (from /proc/PID/smaps_rollup) rather than RSS, so that shared libraries count once across
the processes. Run it on a virtual display:

    xvfb-run -a -s "-screen 0 1280x800x24" python3 bench/idle_memory.py /usr/bin/hearth-app

The Hearth home is a fresh, empty folder (the first-run page, no model loaded).
"""
import argparse
import os
import signal
import subprocess
import tempfile
import time


def children(pid):
    """pid and all its descendants."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except OSError:
        return 0


def name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("app", help="the hearth-app binary")
    ap.add_argument("--settle", type=float, default=20, help="seconds to wait before measuring")
    ap.add_argument("--window", type=float, default=30, help="seconds over which CPU use is measured")
    args = ap.parse_args()

    home = tempfile.mkdtemp(prefix="hearth-idle-")
    env = dict(os.environ, HEARTH_HOME=home)
    app = subprocess.Popen([args.app], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(args.settle)
        pids = children(app.pid)
        ticks0 = {p: cpu_ticks(p) for p in pids}
        time.sleep(args.window)
        pids = children(app.pid)
        hz = os.sysconf("SC_CLK_TCK")
        total_pss = 0
        for p in pids:
            kib = pss_kib(p)
            total_pss += kib
            cpu = (cpu_ticks(p) - ticks0.get(p, cpu_ticks(p))) / hz
            print(f"{name(p):<24} pid {p:<8} PSS {kib / 1024:7.1f} MiB  CPU {100 * cpu / args.window:5.2f} %")
        busy = sum(cpu_ticks(p) - ticks0.get(p, cpu_ticks(p)) for p in pids) / hz
        print(f"total PSS {total_pss / 1024:.1f} MiB over {len(pids)} processes; CPU {100 * busy / args.window:.2f} % of one core over {args.window:.0f} s")
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
