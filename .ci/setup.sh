#!/usr/bin/env bash
# All set-up on a fresh Debian 12 machine: install the Debian packages that are
# missing (non-interactively, idempotently), configure and build into build/.
# Sourced by .ci/main and .ci/test; safe to run again at any time.
set -euo pipefail

DEQCHECK_PACKAGES=(
  cmake make gcc pkg-config
  libgsl-dev libmpfr-dev libgmp-dev libopenblas-dev zlib1g-dev
  libcriterion-dev libjansson-dev
  gnuplot-nox dataset-fashion-mnist
  libflint-arb-dev
  clang libclang-rt-14-dev
  openmpi-bin libopenmpi-dev
)

missing=()
for p in "${DEQCHECK_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing missing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEQCHECK_MPI=ON >/dev/null
cmake --build "$root/build" -j "$(nproc)"
