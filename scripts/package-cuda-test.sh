#!/usr/bin/env bash
# The optional hearth-cuda package, from its installed files, on a machine without an NVIDIA GPU
# (this one): builds both packages (scripts/package.sh, scripts/package-cuda.sh), unpacks them into
# one throwaway root and checks that
#   1. the CUDA module finds its runtime libraries beside itself (RUNPATH $ORIGIN) and asks for the
#      driver's libcuda.so.1, the one library it leaves to the machine;
#   2. `hearth devices --json` lists the CUDA library as not loaded, with the missing driver as its
#      reason, and the CPU and Vulkan backends as loaded;
#   3. `hearth chat` still answers with the bundled demo model.
# Not part of the test command: the module takes tens of minutes to build on 2 cores (cached after).
# On a machine with NVIDIA's driver, `hearth devices --check MODEL.gguf --device CUDA0` is the check.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
deb="$(scripts/package.sh | tail -n 1)"
cuda_deb="$(scripts/package-cuda.sh | tail -n 1)"
echo "packages: $deb ($(du -h "$deb" | cut -f1)), $cuda_deb ($(du -h "$cuda_deb" | cut -f1))"
dpkg-deb -f "$cuda_deb" Package Version Depends Installed-Size

root="$(mktemp -d)"
home="$(mktemp -d)"
trap 'rm -rf "$root" "$home"' EXIT
dpkg -x "$deb" "$root"
dpkg -x "$cuda_deb" "$root"
lib="$root/usr/lib/Hearth/llama"
run() { env -i HOME="$home" HEARTH_HOME="$home/hearth" PATH=/usr/bin:/bin GGML_VK_VISIBLE_DEVICES=0 "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

echo "== 1. the module's libraries"
readelf -d "$lib/libggml-cuda.so" | grep -E 'NEEDED|RUNPATH'
readelf -d "$lib/libggml-cuda.so" | grep -q 'RUNPATH.*\[\$ORIGIN\]' || fail "no RUNPATH \$ORIGIN"
for needed in libcuda.so.1 libcudart.so.13 libcublas.so.13 libggml-base.so; do
  readelf -d "$lib/libggml-cuda.so" | grep -q "NEEDED.*\[$needed" || fail "does not ask for $needed"
done
missing="$(ldd "$lib/libggml-cuda.so" | sed -n 's/^\s*\(\S*\) => not found.*/\1/p' | sort -u | tr '\n' ' ')"
echo "not found on this machine: $missing"
[ "$missing" = "libcuda.so.1 " ] || fail "unresolved beyond the driver: $missing"

echo "== 2. devices"
listing="$(cd / && run "$root/usr/bin/hearth" devices --json)"
python3 - "$listing" <<'PY' || fail "devices --json"
import json, sys
d = json.loads(sys.argv[1])
libs = {l["backend"]: l for l in d["backend_libraries"] if l["backend"] != "cpu"}
cuda = libs["cuda"]
print("cuda:", cuda)
assert not cuda["loaded"] and "libcuda.so.1" in cuda["reason"], cuda
assert libs["vulkan"]["loaded"], libs
assert any(l["loaded"] for l in d["backend_libraries"] if l["backend"] == "cpu"), d["backend_libraries"]
assert not any(x["backend"] == "CUDA" for x in d["devices"]), d["devices"]
PY
(cd / && run "$root/usr/bin/hearth" devices) | sed -n '/librar/,$p'

echo "== 3. chat"
demo="$(ls "$root"/usr/lib/Hearth/demo/*.gguf)"
answer="$(cd / && run "$root/usr/bin/hearth" chat "$demo" --prompt "Say hello." --max-tokens 8 --temp 0)"
echo "$answer"
[ -n "$answer" ] || fail "no answer"
echo "hearth-cuda: OK"
