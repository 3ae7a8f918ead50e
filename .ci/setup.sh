#!/usr/bin/env bash
# All set-up on a fresh Debian 12 machine: install the Debian packages that are
# missing (non-interactively, idempotently), configure and build into build/.
# Sourced by .ci/main and .ci/test; safe to run again at any time.
set -euo pipefail

DEQCHECK_PACKAGES=(
  # git: the revision in reports (src/report/revision.cmake runs git describe)
  cmake make gcc pkg-config git
  libgsl-dev libmpfr-dev libgmp-dev libopenblas-dev liblapacke-dev zlib1g-dev
  libcriterion-dev libjansson-dev libzip-dev
  gnuplot-nox dataset-fashion-mnist
  libflint-arb-dev
  # clang, its libFuzzer/sanitizer runtimes and its own OpenMP runtime (libomp: the
  # fuzz build of .ci/robustness; gcc's libgomp does not serve clang)
  clang libclang-rt-14-dev libomp-14-dev
  openmpi-bin libopenmpi-dev
  # python3-numpy: tests/crosscheck/paper_gd.py, the papers' models written again
  python3-numpy
)

# shellcheck source=apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
deq_apt_install_missing setup "${DEQCHECK_PACKAGES[@]}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEQCHECK_MPI=ON >/dev/null
cmake --build "$root/build" -j "$(nproc)"
