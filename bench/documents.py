#!/usr/bin/env python3
"""Documents benchmark: pages per second for Hearth's extraction + chunking + indexing
(`hearth ask PDF QUESTION --retrieve-only`, a fresh database each run, the `hearth extract` child
included) beside poppler's `pdftotext` on the same files. The files are real PDFs from Debian's
documentation (libtasn1-doc, shared-mime-info), joined by qpdf into 50 and 500 pages. A benchmark,
not a test: it prints figures, and fails only when a run fails.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TASN1 = "/usr/share/doc/libtasn1-doc/libtasn1.pdf"
MIME = "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"


def make_pdf(out: Path, pages: int):
    """`pages` pages: the two Debian PDFs (36 + 17 pages) over and over."""
    if out.exists():
        return
    parts, left = [], pages
    while left > 0:
        for src, n in ((TASN1, 36), (MIME, 17)):
            take = min(n, left)
            if take > 0:
                parts += [src, f"1-{take}"]
                left -= take
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["qpdf", "--empty", "--pages", *parts, "--", str(out)], check=True)


def timed(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stderr[-2000:]}")
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--hearth", default=None)
    ap.add_argument("--pages", type=int, nargs="+", default=[50, 500])
    args = ap.parse_args()
    for tool in ("qpdf", "pdftotext"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: scripts/setup.sh installs it")
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    hearth = args.hearth or next((str(b) for b in (target / "release/hearth", target / "debug/hearth") if b.exists()), None)
    if not hearth:
        sys.exit("no hearth binary: cargo build --release -p hearth-cli")
    cache = Path(os.environ.get("HEARTH_CACHE", REPO / ".cache")) / "bench"
    print(f"hearth: {hearth}\n{args.reps} rep(s); Hearth's time is extraction (child process) + chunks + SQLite FTS5 index\n")
    print(f"{'pages':>6} {'hearth s':>16} {'hearth pages/s':>15} {'pdftotext s':>16} {'pdftotext pages/s':>18} {'ratio':>7}")
    for pages in args.pages:
        pdf = cache / f"debian-docs-{pages}p.pdf"
        make_pdf(pdf, pages)
        h, p = [], []
        for _ in range(args.reps):
            with tempfile.TemporaryDirectory() as home:
                env = {**os.environ, "HEARTH_HOME": home}
                h.append(timed([hearth, "ask", str(pdf), "mime type", "--retrieve-only"], env))
                p.append(timed(["pdftotext", str(pdf), os.path.join(home, "out.txt")]))
        hm, hs = statistics.mean(h), (statistics.stdev(h) if len(h) > 1 else 0.0)
        pm, ps = statistics.mean(p), (statistics.stdev(p) if len(p) > 1 else 0.0)
        print(f"{pages:>6} {hm:9.2f} ±{hs:5.2f} {pages / hm:15.1f} {pm:9.2f} ±{ps:5.2f} {pages / pm:18.1f} {hm / pm:6.2f}x")


if __name__ == "__main__":
    main()
