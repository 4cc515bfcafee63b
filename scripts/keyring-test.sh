#!/usr/bin/env bash
# The OS-keyring tests under a real Secret Service: a private D-Bus session with GNOME Keyring
# (Debian's gnome-keyring, which scripts/setup.sh installs), its login collection created and
# unlocked with an empty password, as a desktop login would.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
# The rust layer's own build (every test target: the same features, so nothing is built again).
cargo test --workspace --no-run
out="$(mktemp)"
dbus-run-session -- bash -c '
  set -e
  export XDG_DATA_HOME="$(mktemp -d)"   # a keyring of its own, not the user'"'"'s
  eval "$(printf "\n" | gnome-keyring-daemon --unlock --components=secrets)"
  sleep 1
  # the Hugging Face token (library, then the CLI as a user would), the keys of remote servers and
  # of the API server, the token of an MCP server; HEARTH_EXPECT_KEYRING makes the key tests fail rather than take their no-keyring branch
  HEARTH_EXPECT_KEYRING=1 cargo test --workspace -- --include-ignored --test-threads=1 the_token_lives_in_the_os_keyring a_gated_repo_is_listed_with_the_token_from_the_os_keyring keys_never_reach_the_database_and_live_in_the_keyring keys_an_older_hearth_left_in_the_database_still_work_and_move_to_the_keyring an_mcp_servers_token_lives_in_the_keyring_and_starts_it_again
' 2>&1 | tee "$out"
# Filters that match nothing would pass silently: every test must have run and passed.
for t in the_token_lives_in_the_os_keyring a_gated_repo_is_listed_with_the_token_from_the_os_keyring keys_never_reach_the_database_and_live_in_the_keyring keys_an_older_hearth_left_in_the_database_still_work_and_move_to_the_keyring an_mcp_servers_token_lives_in_the_keyring_and_starts_it_again; do
  grep -q "^test $t ... ok" "$out" || { echo "$t did not run and pass"; exit 1; }
done
