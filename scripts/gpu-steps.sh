# Sourced by the scripts that run on the lent GPU machine (scripts/gpu-check.sh,
# scripts/gpu-package-check.sh): `step` heads a step in the log, `check NAME CMD…` runs one check
# as TAP ("ok - NAME" / "not ok - NAME") and counts the failures in $failures; `machine` says
# what the machine is.
step() { echo; echo "== $(date +%T) $*"; }
failures=0
check() { local name=$1; shift; if "$@"; then echo "ok - $name"; else echo "not ok - $name (exit $?)"; failures=$((failures + 1)); fi; }
machine() {
  step "machine"
  nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv
  nproc; grep -m1 "model name" /proc/cpuinfo; (. /etc/os-release && echo "$PRETTY_NAME")
}
