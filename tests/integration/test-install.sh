#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installing the build tree the way a packager does:
#   DESTDIR=D cmake --install BUILD --prefix P
#  - every installed file (per cmake's output and install_manifest.txt,
#    aliases included) is inside D/P; nothing lands in P itself nor in the prefix chosen at
#    configure time (the 'loom' and 'loom-ui' aliases used to);
#  - bin/loom and bin/loom-ui are relative links to loomctl; the manual
#    pages (loomctl.1, loom-pipeline.5, loomd.8) and the bash, zsh and
#    fish completions are in their standard folders, and the pages
#    render without groff warnings;
#  - the installed tree works: loomctl --version, loom --help, validate,
#    and an attached run, whose daemon is the installed loomd.
. "$(dirname "$0")/lib.sh"

: "${LOOM_BUILD:?LOOM_BUILD must name the build tree}"
DEST="$TEST_TMP/dest"
PREFIX="/opt/loom-install-test.$$"
ROOT="$DEST$PREFIX"
OUT="$TEST_TMP/out.txt"
[ ! -e "$PREFIX" ] || fail "$PREFIX exists already"
configured=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$LOOM_BUILD/CMakeCache.txt")
before=$(ls -l "$configured/bin/loom" "$configured/bin/loom-ui" 2>/dev/null || true)

note "DESTDIR=$DEST cmake --install --prefix $PREFIX"
DESTDIR="$DEST" cmake --install "$LOOM_BUILD" --prefix "$PREFIX" >"$OUT" 2>&1 ||
    fail "install: $(cat "$OUT")"
n=0
while read -r path; do
	case $path in
	"$ROOT"/*) ;;
	*) fail "installed outside DESTDIR/prefix: $path" ;;
	esac
	# Folders (the editor's share/loom/web and its assets/) are reported
	# but not listed in the manifest: count files and links.
	[ -d "$path" ] && [ ! -L "$path" ] && continue
	n=$((n + 1))
done < <(sed -n 's/^-- \(Installing\|Up-to-date\): \([^ ]*\).*/\2/p' "$OUT")
[ "$n" -ge 10 ] || fail "only $n installed paths reported: $(cat "$OUT")"
# The manifest names files as they will be once DESTDIR is dropped.
m=0
while read -r path || [ -n "$path" ]; do
	case $path in
	"$PREFIX"/*) [ -e "$DEST$path" ] || [ -L "$DEST$path" ] ||
	    fail "in the manifest but not installed: $path" ;;
	*) fail "installed outside the prefix: $path" ;;
	esac
	m=$((m + 1))
done <"$LOOM_BUILD/install_manifest.txt"
[ "$m" = "$n" ] || fail "the manifest lists $m files, the install $n"
[ ! -e "$PREFIX" ] || fail "something was written to $PREFIX itself"
after=$(ls -l "$configured/bin/loom" "$configured/bin/loom-ui" 2>/dev/null || true)
[ "$before" = "$after" ] || fail "the aliases changed under $configured/bin"

note "the aliases, manual pages and completions"
for alias in loom loom-ui; do
	[ "$(readlink "$ROOT/bin/$alias")" = loomctl ] ||
	    fail "$alias -> $(readlink "$ROOT/bin/$alias")"
done
for f in bin/loomd bin/loomctl share/man/man1/loomctl.1 \
    share/man/man5/loom-pipeline.5 share/man/man8/loomd.8 \
    share/bash-completion/completions/loomctl \
    share/zsh/site-functions/_loomctl \
    share/fish/vendor_completions.d/loomctl.fish; do
	[ -s "$ROOT/$f" ] || fail "missing $f"
done
if [ -s "$LOOM_BUILD/web/dist/index.html" ]; then
	[ -s "$ROOT/share/loom/web/index.html" ] ||
	    fail "the editor was built but not installed"
fi
if command -v groff >/dev/null; then
	for page in "$ROOT"/share/man/man*/*; do
		warn=$(groff -man -ww -z "$page" 2>&1)
		[ -z "$warn" ] || fail "$page: $warn"
	done
fi

note "the installed programs work"
"$ROOT/bin/loomctl" --version | grep -qx "loomctl [0-9.]*" || fail "--version"
"$ROOT/bin/loom" --help >"$OUT" 2>&1 || fail "loom --help: $(cat "$OUT")"
grep -q "usage: loom FILE" "$OUT" || fail "loom --help said: $(cat "$OUT")"
make_hello_exp "$TEST_TMP/exp"
"$ROOT/bin/loomctl" validate "$TEST_TMP/exp/experiment.yml" >"$OUT" 2>&1 ||
    fail "validate: $(cat "$OUT")"
"$ROOT/bin/loomctl" run "$TEST_TMP/exp/experiment.yml" >"$OUT" 2>&1 ||
    fail "run: $(cat "$OUT")"
grep -qx "\[hello\] hi" "$OUT" || fail "run said: $(cat "$OUT")"
pid=$(daemon_pid)
[ "$(readlink "/proc/$pid/exe")" = "$ROOT/bin/loomd" ] ||
    fail "the daemon is $(readlink "/proc/$pid/exe"), not the installed one"
"$ROOT/bin/loomctl" daemon stop >/dev/null || fail "daemon stop"
wait_for 30 no_loomd
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
