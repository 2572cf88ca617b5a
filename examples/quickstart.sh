#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# From a fresh Debian 12 machine to a finished pipeline run: installs the
# build dependencies, builds Loom (release) into build/ with the browser
# editor, and runs the example experiment of examples/seed end to end.
#
# The editor needs Node.js and npm to build. To skip it (no npm, or no
# network for 'npm ci'):   LOOM_WEB=OFF examples/quickstart.sh
# 'loomctl ui' then says on the terminal that the editor is not built.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
web=${LOOM_WEB:-ON}
case $web in
ON|OFF) ;;
*) echo "quickstart: LOOM_WEB must be ON or OFF, not '$web'" >&2; exit 2 ;;
esac

.ci/deps --runtime-only
[ "$web" = OFF ] || .ci/deps --editor
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF \
    -DLOOM_WEB="$web" >/dev/null
cmake --build build -j"$(nproc)"
build/bin/loomctl run examples/seed/experiment.yml
echo
if [ "$web" = ON ]; then
	echo "Next: 'build/bin/loomctl ui examples/seed' opens the editor."
else
	echo "Built without the editor (LOOM_WEB=OFF); run this script"
	echo "without LOOM_WEB=OFF to build it."
fi
