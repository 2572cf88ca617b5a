#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY X4, the socket path names a file: LOOM_SOCKET points at an
# existing regular file in a private folder (a mistyped path to a key).
# PASS: loomctl refuses with a message saying it is a regular file, and
# the file is untouched (same inode, same bytes); no daemon is started.
# A symbolic link there is refused the same way and left in place.
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
key="$TEST_TMP/run/id_ed25519"
printf 'PRIVATE KEY\n' >"$key"
chmod 600 "$key"
ino=$(stat -c %i "$key")

note "X4 LOOM_SOCKET is a regular file"
st=0
out=$(LOOM_SOCKET="$key" timeout 20 "$LOOMCTL" daemon status 2>&1) || st=$?
[ "$st" != 0 ] && [ "$st" != 124 ] ||
    fail "loomctl accepted a regular file (status $st): $out"
echo "$out" | grep -q "$key is not a socket (a regular file" ||
    fail "unclear refusal: $out"
[ -f "$key" ] || fail "the file was removed"
[ "$(stat -c %i "$key")" = "$ino" ] || fail "the file was replaced"
[ "$(cat "$key")" = "PRIVATE KEY" ] || fail "the file was changed"
LOOM_SOCKET="$key" no_loomd || fail "a loomd was started"

note "X4 LOOM_SOCKET is a symbolic link"
ln -s "$key" "$TEST_TMP/run/link.sock"
st=0
out=$(LOOM_SOCKET="$TEST_TMP/run/link.sock" timeout 20 "$LOOMCTL" \
    daemon status 2>&1) || st=$?
[ "$st" != 0 ] && [ "$st" != 124 ] ||
    fail "loomctl accepted a symbolic link (status $st): $out"
echo "$out" | grep -q "is not a socket (a symbolic link" ||
    fail "unclear refusal: $out"
[ -L "$TEST_TMP/run/link.sock" ] || fail "the link was removed"
[ "$(cat "$key")" = "PRIVATE KEY" ] || fail "the file was changed"
note "ok"
