#!/usr/bin/env python3
"""Speculative decoding benchmark (issue 18): generation speed with prompt-lookup drafts
(`--draft ngram`) against plain decoding (`--draft none`), runs interleaved, greedy.

- Document answers: `hearth ask` over a real 50-page PDF (Debian's libtasn1 and shared-mime-info
  manuals joined by qpdf, as bench/documents.py makes it) with questions whose answers quote it.
- Free chat: `hearth chat` prompts that quote nothing (drafting must not cost there).

For each prompt and mode: the median `tg_tps` of --reps runs, the ratio ngram / none, the drafts
proposed and kept, and whether the two answers' texts are the same. A benchmark, not a test: it
prints figures, and fails only when a run fails.
"""
import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from documents import make_pdf  # noqa: E402

DOCUMENT_QUESTIONS = [
    "Quote the documentation's description of what libtasn1 is.",
    "What does asn1_parser2tree do? Quote the manual.",
    "Quote what the specification says the shared MIME-info database is for.",
    "Quote the manual's description of asn1_create_element.",
]
CHAT_PROMPTS = [
    "Write a short poem about the sea.",
    "Give three tips for baking bread at home.",
]


def run(cmd, home):
    env = dict(os.environ, HEARTH_HOME=str(home))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stderr[-2000:]}")
    return json.loads(r.stdout)


def kept_of(draft):
    """An answer's drafts as "kept/proposed", or "-" without drafts."""
    return f"{draft['accepted']}/{draft['proposed']}" if draft else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.environ.get("HEARTH_TEST_MODEL", str(REPO / ".cache/models/SmolLM2-135M-Instruct.Q4_1.gguf")))
    ap.add_argument("--hearth", default=str(Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug/hearth"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--threads", type=int, help="threads for generation (default: the engine's)")
    ap.add_argument("--pdf", type=Path, help="the 50-page PDF, made beforehand (a machine without qpdf or Debian's manuals)")
    ap.add_argument("--baseline-hearth", help="another build of hearth whose ngram runs are interleaved too (a change to drafting, A/B)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hearth-speculative-"))
    pdf = args.pdf or work / "manuals-50.pdf"
    make_pdf(pdf, 50)
    home = work / "home"
    cases = [("ask", q, [args.hearth, "ask", str(pdf), q, "--model", args.model, "--max-tokens", str(args.max_tokens), "--json"]) for q in DOCUMENT_QUESTIONS]
    cases += [("chat", p, [args.hearth, "chat", args.model, "--prompt", p, "--temp", "0", "--max-tokens", str(args.max_tokens), "--json"]) for p in CHAT_PROMPTS]
    if args.threads:
        cases = [(kind, prompt, cmd + ["--threads", str(args.threads)]) for kind, prompt, cmd in cases]

    modes = [("none", args.hearth), ("ngram", args.hearth)]
    if args.baseline_hearth:
        modes.append(("baseline", args.baseline_hearth))
    print(f"model {Path(args.model).name}, {args.reps} runs each, interleaved; median generation tok/s")
    base_cols = f" {'base':>7} {'ratio':>6} {'kept/proposed':>14}" if args.baseline_hearth else ""
    print(f"{'kind':5} {'prompt':60} {'none':>7} {'ngram':>7} {'ratio':>6} {'kept/proposed':>14} same{base_cols}")
    ratios = {"ask": [], "chat": []}
    base_ratios = {"ask": [], "chat": []}
    for kind, prompt, cmd in cases:
        speeds = {mode: [] for mode, _ in modes}
        texts = {}
        drafts = {}
        for _ in range(args.reps):
            for mode, binary in modes:
                out = run([binary] + cmd[1:] + ["--draft", "none" if mode == "none" else "ngram"], home)
                speeds[mode].append(out["tg_tps"])
                texts[mode] = out["answer"] if kind == "ask" else out["text"]
                drafts[mode] = out.get("draft")
        none = statistics.median(speeds["none"])
        ngram = statistics.median(speeds["ngram"])
        ratio = ngram / none if none else 0.0
        ratios[kind].append(ratio)
        same = hashlib.sha256(texts["none"].encode()).digest() == hashlib.sha256(texts["ngram"].encode()).digest()
        line = f"{kind:5} {prompt[:60]:60} {none:7.1f} {ngram:7.1f} {ratio:6.2f} {kept_of(drafts['ngram']):>14} {'yes' if same else 'NO':4}"
        if args.baseline_hearth:
            base = statistics.median(speeds["baseline"])
            base_ratios[kind].append(base / none if none else 0.0)
            line += f" {base:7.1f} {base_ratios[kind][-1]:6.2f} {kept_of(drafts['baseline']):>14}"
        print(line)
    for kind, rs in ratios.items():
        if rs:
            print(f"{kind}: median ratio {statistics.median(rs):.2f}x (min {min(rs):.2f}x)")
            if args.baseline_hearth:
                b = base_ratios[kind]
                print(f"{kind}, baseline: median ratio {statistics.median(b):.2f}x (min {min(b):.2f}x)")


if __name__ == "__main__":
    main()
