#!/usr/bin/env bash
# Optional set-up for deqcheck-bench's peer benchmarks: installs Debian's
# python3-torch (PyTorch for /usr/bin/python3, with python3-numpy), which the
# torch_step_over_ours figure needs. Not part of .ci/setup.sh: it pulls in
# about 240 packages. Non-interactive, as root or through sudo; does nothing
# when the package is already installed. Safe to run again at any time.
set -euo pipefail

PEER_PACKAGES=(python3-torch)

# shellcheck source=../.ci/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/../.ci/apt-install.sh"
deq_apt_install_missing peers-setup "${PEER_PACKAGES[@]}"
/usr/bin/python3 -c 'import torch; print("peers-setup: torch", torch.__version__, "for /usr/bin/python3")'
