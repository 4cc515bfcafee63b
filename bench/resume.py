#!/usr/bin/env python3
"""Conversations that resume instantly (issue 21): time to first token of a follow-up question in
a conversation holding a ~4,000-token document, with the conversation's kept state against
without it.

- Restart: the app's own flow without a window (`hearth send --attach`, each call a new process
  and a new engine, as an app restart is). The first question reads the document; the follow-up
  after the restart restores the conversation's state from disk; then the states are deleted and
  a third question reads everything again. Ratio: restored TTFT / no-state TTFT.
- Restarting the engine and switching: `hearth engine` spoken to over its stdio protocol as the
  app does, two conversations of 4,000-token prompts. Their first questions in one engine; in a
  new engine (a restart) the follow-ups restore each conversation from disk; the next questions,
  asked in turn A, B, restore each from the engine's memory. Against: each of those questions
  in a fresh engine with nothing kept.

Target: both ratios at most 0.15. A benchmark, not a test: it prints figures.
Usage: python3 bench/resume.py [--model M.gguf] [--reps 3]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LICENSE = Path("/usr/share/common-licenses/GPL-3")
TARGET = os.environ.get("CARGO_TARGET_DIR", str(REPO / "target"))


def document(part: int, chars: int) -> str:
    """Real prose: a slice of the GPL-3's text (about 4 characters a token)."""
    text = LICENSE.read_text()
    return text[part * chars:(part + 1) * chars]


def send(hearth, home, args):
    env = {**os.environ, "HEARTH_HOME": str(home)}
    r = subprocess.run([hearth, "send", "--json", *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"hearth send failed: {r.stderr[-2000:]}")
    return json.loads(r.stdout)


def restart_case(hearth, model, doc_chars):
    with tempfile.TemporaryDirectory() as home:
        home = Path(home)
        doc = home / "licence.txt"
        doc.write_text(document(0, doc_chars))
        # Answers of up to 160 tokens: the follow-up's prompt is the document, the first question
        # and its answer, about 4,000 tokens.
        first = send(hearth, home, ["--model", model, "--temp", "0", "--max-tokens", "160", "--attach", str(doc),
                                    "What does this licence say about distributing copies?"])
        conv = str(first["conversation_id"])
        restored = send(hearth, home, ["--conversation", conv, "Who may use the program?"])
        shutil.rmtree(home / "prompt-cache")
        fresh = send(hearth, home, ["--conversation", conv, "What is a covered work?"])
        return first, restored, fresh


class Engine:
    """`hearth engine` over its stdio protocol (JSON lines)."""

    def __init__(self, hearth):
        self.p = subprocess.Popen([hearth, "engine"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        self.next_id = 1
        assert json.loads(self.p.stdout.readline())["type"] == "ready"

    def request(self, body):
        body["id"] = self.next_id
        self.next_id += 1
        self.p.stdin.write(json.dumps(body) + "\n")
        self.p.stdin.flush()
        while True:
            ev = json.loads(self.p.stdout.readline())
            if ev["type"] in ("loaded", "done", "error"):
                if ev["type"] == "error":
                    sys.exit(f"engine error: {ev['error']}")
                return ev
            if ev["type"] == "token":
                self.text += ev["text"]

    def load(self, model, ctx, cache_dir):
        cache = {"dir": str(cache_dir), "disk_budget_bytes": 1 << 34} if cache_dir else None
        self.request({"type": "load", "path": model, "settings": {"context_length": ctx}, "prompt_cache": cache})

    def ask(self, messages, tag):
        self.text = ""
        ev = self.request({"type": "generate", "messages": messages, "template": {"kind": "model"},
                           "sampling": {"temperature": 0, "max_tokens": 16}, "keep_state_as": tag})
        return self.text, ev["stats"]

    def stop(self):
        self.p.stdin.write(json.dumps({"type": "shutdown"}) + "\n")
        self.p.stdin.flush()
        self.p.wait()


def engine_case(hearth, model, doc_chars, ctx):
    """Two conversations: their first questions in one engine; after a restart (a new engine on
    the same kept states) the follow-ups restore each from disk; the next questions, asked in
    turn A, B, restore each from memory. Each follow-up is timed again in a fresh engine with
    nothing kept."""
    user = lambda text: {"role": "user", "content": text}
    asst = lambda text: {"role": "assistant", "content": text}
    tags = ["conversation-1", "conversation-2"]
    convs = {tag: [user(f"{document(i, doc_chars)}\n\nWhat does this part of the licence say?")] for i, tag in enumerate(tags)}
    restarted, switched = {}, {}
    asked = []  # (what, tag, messages, stats)
    with tempfile.TemporaryDirectory() as cache:
        e = Engine(hearth)
        e.load(model, ctx, cache)
        for tag in tags:
            text, _ = e.ask(convs[tag], tag)
            convs[tag] += [asst(text)]
        e.stop()
        e = Engine(hearth)
        e.load(model, ctx, cache)
        for what, question in (("engine restart", "Say it in one sentence."), ("switch", "Who does it protect?")):
            for tag in tags:
                convs[tag] += [user(question)]
                text, stats = e.ask(convs[tag], tag)
                asked.append((what, tag, list(convs[tag]), stats))
                convs[tag] += [asst(text)]
        e.stop()
    out = []
    for what, tag, messages, stats in asked:
        e = Engine(hearth)
        e.load(model, ctx, None)
        out.append((what, tag, stats, e.ask(messages, tag)[1]))
        e.stop()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / ".cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--hearth", default=str(Path(TARGET) / "release/hearth"))
    ap.add_argument("--reps", type=int, default=3)
    # The app reads a document whole when it takes less than about 45 % of the context (else it
    # retrieves passages): with SmolLM2's 8,192 tokens, 13,900 characters of the GPL (3,650 tokens).
    ap.add_argument("--restart-chars", type=int, default=13900)
    # The engine is given the conversation as the app sends it: 18,000 characters, a 4,000-token prompt.
    ap.add_argument("--engine-chars", type=int, default=18000)
    ap.add_argument("--ctx", type=int, default=8192)
    a = ap.parse_args()
    ratios_restart, ratios_switch = [], []
    for rep in range(a.reps):
        first, restored, fresh = restart_case(a.hearth, a.model, a.restart_chars)
        r = restored["ttft_ms"] / fresh["ttft_ms"]
        ratios_restart.append(r)
        print(f"restart rep {rep}: first question {first['ttft_ms']:.0f} ms ({first['prompt_tokens']} tokens); "
              f"follow-up after a restart {restored['ttft_ms']:.0f} ms ({restored['cached_tokens']} of {restored['prompt_tokens']} from {restored['reused_from']}); "
              f"with no state {fresh['ttft_ms']:.0f} ms ({fresh['prompt_tokens']} tokens): {r:.3f}x")
        for what, tag, s, f in engine_case(a.hearth, a.model, a.engine_chars, a.ctx):
            r = s["ttft_ms"] / f["ttft_ms"]
            (ratios_switch if what == "switch" else ratios_restart).append(r)
            print(f"{what} rep {rep} {tag}: {s['ttft_ms']:.0f} ms ({s['cached_tokens']} of {s['prompt_tokens']} from {s['reused_from']}) "
                  f"against {f['ttft_ms']:.0f} ms with nothing kept: {r:.3f}x")
    print(f"median restart ratio {statistics.median(ratios_restart):.3f}x, median switch ratio {statistics.median(ratios_switch):.3f}x (target <= 0.15x)")


if __name__ == "__main__":
    main()
