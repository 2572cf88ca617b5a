#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# From a fresh Debian 12 machine to a finished pipeline run: installs the
# build dependencies, builds Loom (release) into build/, and runs the
# example experiment of examples/seed end to end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

.ci/deps --runtime-only
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF -DLOOM_WEB=OFF >/dev/null
cmake --build build -j"$(nproc)"
build/bin/loomctl run examples/seed/experiment.yml
