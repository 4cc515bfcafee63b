#!/usr/bin/env bash
# Everything Hearth needs on a fresh Debian/Ubuntu machine: system packages, Rust, node modules,
# the demo model, the UI and the binaries. Idempotent; later runs only do what is missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(
  # Tauri / WebKitGTK
  libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  curl wget file
  # llama.cpp (cmake) and bindgen (libclang)
  cmake clang libclang-dev
  # Python for fetching the demo model, Node for the UI
  python3 python3-pip python3-venv
  # Tests: a virtual display, screenshots, the WebDriver for the real window, Chromium for UI flows
  xvfb xauth imagemagick webkit2gtk-driver chromium chromium-driver dbus-x11 at-spi2-core fonts-dejavu-core
  # Documents: real PDFs no one here wrote (Debian's documentation), qpdf to encrypt one, poppler's
  # pdfinfo/pdftotext as the reference the tests and the benchmark compare with
  libtasn1-doc shared-mime-info maint-guide-ru qpdf poppler-utils
  # The Vulkan tests (scripts/vulkan-test.sh): the loader, the shader compiler ggml-vulkan's build
  # needs, and Mesa's lavapipe, a Vulkan device that runs on the CPU
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-tools
  # The OS keyring tests: a real Secret Service (GNOME Keyring) in a private D-Bus session
  gnome-keyring
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  [ -f "$HOME/.cargo/env" ] || curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
# The lints layer of the tests needs clippy (not in rustup's minimal profile).
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Node.js 20 or newer is needed (https://nodejs.org or your distribution's nodejs 20+)." >&2
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm || true
  command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || exit 1
fi

(cd ui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; })
scripts/fetch-models.sh
(cd ui && npm run build --silent)
# One build serves the app, the CLI and the tests (same profile and features).
cargo build --workspace --tests --bins
echo "setup done; binaries in $CARGO_TARGET_DIR/debug"
