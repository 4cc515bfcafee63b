#!/usr/bin/env bash
# The OS-keyring tests under a real Secret Service: a private D-Bus session with GNOME Keyring
# (Debian's gnome-keyring, which scripts/setup.sh installs), its login collection created and
# unlocked with an empty password, as a desktop login would.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
# --workspace: the same features as the rust layer, so nothing is built again.
cargo test --workspace --test keyring_token --test models_cli --no-run
exec dbus-run-session -- bash -c '
  set -e
  export XDG_DATA_HOME="$(mktemp -d)"   # a keyring of its own, not the user'"'"'s
  eval "$(printf "\n" | gnome-keyring-daemon --unlock --components=secrets)"
  sleep 1
  cargo test --workspace --test keyring_token -- --ignored --test-threads=1
  # and through the CLI, as a user would
  exec cargo test --workspace --test models_cli token -- --ignored --test-threads=1
'
