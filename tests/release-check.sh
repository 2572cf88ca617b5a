#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The release configuration, as examples/quickstart.sh builds it (no
# sanitizers, so mimalloc as loomctl's allocator when installed), runs
# examples end to end: the test suite itself runs sanitizer builds only.
#   tests/release-check.sh [BUILD_DIR]     (default build-release-check)
# Each example is copied into a private folder and run twice (the second
# run must find nothing to do), its status must say every step is fresh,
# and `validate` of a broken file must fail with its line. A private
# socket and state folder keep the user's daemon out of it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-release-check}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF \
	-DLOOM_WEB=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
bin=$build/bin
if ls /usr/lib/*/libmimalloc.so >/dev/null 2>&1; then
	ldd "$bin/loomctl" | grep -q mimalloc || {
		echo "release-check: loomctl is not linked with mimalloc" >&2
		exit 1
	}
	# loomd keeps glibc's malloc (docs/incremental.md, "Performance").
	if ldd "$bin/loomd" | grep -q mimalloc; then
		echo "release-check: loomd is linked with mimalloc" >&2
		exit 1
	fi
fi

tmp=$(mktemp -d /tmp/loom-release.XXXXXX)
mkdir -m 700 "$tmp/run"
export LOOM_SOCKET=$tmp/run/loomd.sock XDG_STATE_HOME=$tmp/state
trap '"$bin/loomctl" daemon stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

for ex in diamond loop parameters; do
	cp -r "$top/examples/$ex" "$tmp/$ex"
	file=$tmp/$ex/experiment.yml
	[ -f "$file" ] || file=$(ls "$tmp/$ex"/*.yml | head -n 1)
	"$bin/loomctl" run "$file" >"$tmp/$ex.out" 2>&1 || {
		cat "$tmp/$ex.out" >&2
		echo "release-check: $ex failed" >&2
		exit 1
	}
	"$bin/loomctl" run "$file" >"$tmp/$ex.again" 2>&1
	grep -q "Nothing to run" "$tmp/$ex.again" || {
		cat "$tmp/$ex.again" >&2
		echo "release-check: $ex ran again" >&2
		exit 1
	}
	"$bin/loomctl" status "$file" --json >"$tmp/$ex.status"
	python3 - "$tmp/$ex.status" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
bad = [s for s in st["steps"] if s["state"] != "fresh"]
if bad or st["fresh"] != len(st["steps"]):
    sys.exit("release-check: not fresh: %r" % bad[:3])
PY
	echo "release-check: $ex ran, then was up to date"
done

printf 'pipeline:\n  - name: a\n    task: [unclosed\n' >"$tmp/broken.yml"
if "$bin/loomctl" validate "$tmp/broken.yml" 2>"$tmp/broken.err"; then
	echo "release-check: a broken file validated" >&2
	exit 1
fi
grep -q "broken.yml:[0-9]*:[0-9]*" "$tmp/broken.err" || {
	cat "$tmp/broken.err" >&2
	echo "release-check: no line and column for a broken file" >&2
	exit 1
}
echo "release-check: the release build passed"
