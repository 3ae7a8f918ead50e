#!/usr/bin/env bash
# Optional set-up for deqcheck-bench's peer benchmarks: installs Debian's
# python3-torch (PyTorch for /usr/bin/python3, with python3-numpy), which the
# torch_step_over_ours figure needs. Not part of .ci/setup.sh: it pulls in
# about 240 packages. Non-interactive, as root or through sudo; does nothing
# when the package is already installed. Safe to run again at any time.
set -euo pipefail

PEER_PACKAGES=(python3-torch)

missing=()
for p in "${PEER_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "peers-setup: already installed: ${PEER_PACKAGES[*]}"
  exit 0
fi
echo "peers-setup: installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "peers-setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
/usr/bin/python3 -c 'import torch; print("peers-setup: torch", torch.__version__, "for /usr/bin/python3")'
