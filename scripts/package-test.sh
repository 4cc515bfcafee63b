#!/usr/bin/env bash
# The package, not the tree: builds the .deb (scripts/package.sh, sharing the Vulkan tests' build),
# unpacks it into a throwaway root (dpkg -x) and checks it from the installed files only:
#   1. `hearth devices --json` lists the CPU and lavapipe's Vulkan device, the Vulkan backend
#      library and the best of the CPU backend's variants as loaded (the others with their
#      reasons); with no device chosen, a model goes to the CPU (lavapipe is software); a CPU
#      variant marked as having stopped the engine with an illegal instruction is passed over;
#   2. `hearth chat` answers with the bundled demo model;
#   3. the installed Vulkan backend passes `hearth devices --check` on lavapipe;
#   4. a backend library that cannot load (a broken copy dropped beside the others) is reported
#      with its reason and the engine still answers;
#   5. the installed app opens under Xvfb and answers a message with the bundled demo model
#      (tauri-driver; tests/package/installed-app.test.mjs).
# Prints the package's size and the time from unpacking to the first token.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
deb="$(scripts/package.sh | tail -n 1)"
echo "package: $deb ($(du -h "$deb" | cut -f1))"

root="$(mktemp -d)"
home="$(mktemp -d)"
trap 'rm -rf "$root" "$home"' EXIT
started=$(date +%s.%N)
dpkg -x "$deb" "$root"
hearth="$root/usr/bin/hearth"
demo="$(ls "$root"/usr/lib/Hearth/demo/*.gguf)"
# Nothing from the build: no cargo, no source tree on the way, a clean environment.
run() { env -i HOME="$home" HEARTH_HOME="$home/hearth" PATH=/usr/bin:/bin GGML_VK_VISIBLE_DEVICES=0 "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

echo "== 1. devices"
listing="$(cd / && run "$hearth" devices --json)"
echo "$listing"
python3 - "$listing" "$root" <<'PY' || fail "devices --json"
import json, sys
d = json.loads(sys.argv[1])
names = {x["name"]: x for x in d["devices"]}
assert "CPU" in names and any(x["backend"] == "Vulkan" for x in d["devices"]), names
libs = {l["backend"]: l for l in d["backend_libraries"] if l["backend"] != "cpu"}
assert libs["vulkan"]["loaded"], libs
# The CPU backend once per instruction-set level: the best this CPU runs loaded, each other one
# reported with its reason.
cpu = [l for l in d["backend_libraries"] if l["backend"] == "cpu"]
loaded = [l for l in cpu if l["loaded"]]
assert len(loaded) == 1 and loaded[0]["variant"], cpu
assert {"x64", "haswell"} <= {l["variant"] for l in cpu}, cpu
assert all(l["reason"] for l in cpu if not l["loaded"]), cpu
print("CPU variant loaded:", loaded[0]["variant"], "of", len(cpu))
assert all(l["path"].startswith(sys.argv[2] + "/usr/lib/Hearth/llama/") for l in d["backend_libraries"]), d["backend_libraries"]
assert d["default"].startswith("the CPU") and "software" in d["default"], d["default"]
PY
(cd / && run "$hearth" devices)

echo "== 1b. a CPU variant that stopped the engine with an illegal instruction is passed over"
best="$(python3 -c 'import json,sys; print([l["variant"] for l in json.loads(sys.argv[1])["backend_libraries"] if l["backend"] == "cpu" and l["loaded"]][0])' "$listing")"
listing="$(cd / && run env HEARTH_CPU_VARIANT_SKIP="$best" "$hearth" devices --json)"
python3 - "$listing" "$best" <<'PY' || fail "skipping the CPU variant $best"
import json, sys
d = json.loads(sys.argv[1])
cpu = {l["variant"]: l for l in d["backend_libraries"] if l["backend"] == "cpu"}
assert not cpu[sys.argv[2]]["loaded"] and "illegal instruction" in cpu[sys.argv[2]]["reason"], cpu[sys.argv[2]]
now = [v for v, l in cpu.items() if l["loaded"]]
assert len(now) == 1, cpu
print("with", sys.argv[2], "skipped:", now[0])
PY

echo "== 2. chat with the bundled demo model"
answer="$(cd / && run "$hearth" chat "$demo" --prompt "What is the capital of France?" --max-tokens 24 --temp 0)"
first_token=$(date +%s.%N)
echo "$answer"
[ -n "${answer// /}" ] || fail "no answer from the installed hearth"
python3 -c "print(f'from unpacking to the first answer: {float($first_token) - float($started):.1f} s')"

echo "== 3. the installed Vulkan backend against the CPU on lavapipe"
(cd / && run "$hearth" devices --check "$demo" --device Vulkan0) || fail "devices --check on Vulkan0"

echo "== 4. a backend library that cannot load"
printf 'not a library' >"$root/usr/lib/Hearth/llama/libggml-cuda.so"
listing="$(cd / && run "$hearth" devices --json)"
python3 - "$listing" <<'PY' || fail "a broken backend library"
import json, sys
d = json.loads(sys.argv[1])
cuda = [l for l in d["backend_libraries"] if l["backend"] == "cuda"][0]
assert not cuda["loaded"] and cuda["reason"], cuda
print("reported:", cuda["reason"])
PY
(cd / && run "$hearth" chat "$demo" --prompt "Hi" --max-tokens 4 --temp 0) >/dev/null || fail "the engine with a broken backend library beside it"
rm "$root/usr/lib/Hearth/llama/libggml-cuda.so"

echo "== 5. the installed app answers under Xvfb"
command -v tauri-driver >/dev/null || cargo install tauri-driver --version ^2 --locked
HEARTH_APP="$root/usr/bin/hearth-app" xvfb-run -a -s "-screen 0 1280x800x24" node --test --test-reporter=spec tests/package/
