#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY X1, a foreign listener: loom_b creates the runtime folder
# loom_a would use (a shared runtime folder) and listens there with a
# fake loomd (fakeloomd.py) that logs every byte it receives. loom_a
# runs `loomctl run` with a secret in its environment. PASS: loomctl
# exits non-zero naming the owner (loom_b and its uid); the listener
# received zero bytes. With the listener gone, the folder is still
# refused naming loom_b, and nothing is created or removed in it. And
# when folder and socket do belong to loom_a but another uid (root here)
# listens, the peer's credentials give it away: refused, zero bytes.
# Needs root to create the two users; skipped otherwise.
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
make_test_users
uid_b=$(id -u loom_b)

shared="$TEST_TMP/shared"
mkdir -m 1777 "$shared"
exp="$TEST_TMP/exp"
make_hello_exp "$exp"
chmod -R a+rX "$exp"
# loom_b gets there first: its folder, its socket, open to everyone.
as_user loom_b mkdir -m 755 "$shared/loom"
log="$shared/loom/received"
# setpriv itself, not as_user's subshell: $! is then the listener.
setpriv --reuid=loom_b --regid=loom_b --init-groups -- "$PYTHON" \
    "$LOOM_SRC/tests/integration/fakeloomd.py" "$shared/loom/loomd.sock" \
    "$log" "$shared/loom/ready" &
fake=$!
LIB_PIDS+=("$fake")
wait_for 20 test -s "$shared/loom/ready"

# loom_a's loomctl with the default socket in the shared runtime folder.
loomctl_a() {
	env -u LOOM_SOCKET XDG_RUNTIME_DIR="$shared" \
	    XDG_STATE_HOME="$TEST_TMP/state-a" SECRET_TOKEN=hunter2-secret \
	    setpriv --reuid=loom_a --regid=loom_a --init-groups -- \
	    timeout 20 "$LOOMCTL" "$@"
}

note "X1 a listener of loom_b's: nothing is sent"
st=0
out=$(loomctl_a run "$exp/experiment.yml" 2>&1) || st=$?
[ -f "$log" ] || fail "the listener's log is missing"
grep -q hunter2-secret "$log" && fail "the secret reached the listener"
size=$(stat -c %s "$log")
[ "$size" = 0 ] || fail "the listener received $size bytes: $(head -c 300 "$log")"
[ "$st" != 0 ] || fail "loomctl talked to loom_b's listener: $out"
[ "$st" != 124 ] || fail "loomctl hung on loom_b's listener"
echo "$out" | grep -q "loom_b (uid $uid_b)" ||
    fail "the refusal does not name the owner: $out"
echo "$out" | grep -q "FAKE DAEMON" && fail "loomctl printed the fake's text"

note "X1 the same folder with nobody listening"
kill -TERM "$fake"
wait_gone 20 "$fake"
before=$(ls -A "$shared/loom" | sort | tr '\n' ' ')
st=0
out=$(loomctl_a daemon status 2>&1) || st=$?
[ "$st" != 0 ] || fail "loomctl accepted loom_b's folder: $out"
echo "$out" | grep -q "loom_b (uid $uid_b)" ||
    fail "the refusal does not name the owner: $out"
after=$(ls -A "$shared/loom" | sort | tr '\n' ' ')
[ "$before" = "$after" ] || fail "loom_b's folder changed: '$before' -> '$after'"
note "X1 loom_a's folder and socket, another user listening"
priv="$TEST_TMP/priv"
mkdir -m 700 "$priv"
"$PYTHON" "$LOOM_SRC/tests/integration/fakeloomd.py" "$priv/loomd.sock" \
    "$TEST_TMP/received2" "$TEST_TMP/ready2" &
fake=$!
LIB_PIDS+=("$fake")
wait_for 20 test -s "$TEST_TMP/ready2"
chmod 600 "$priv/loomd.sock"
chown loom_a "$priv" "$priv/loomd.sock"
st=0
out=$(LOOM_SOCKET="$priv/loomd.sock" setpriv --reuid=loom_a --regid=loom_a \
    --init-groups -- timeout 20 "$LOOMCTL" daemon status 2>&1) || st=$?
[ "$st" != 0 ] && [ "$st" != 124 ] ||
    fail "loomctl talked to root's listener (status $st): $out"
echo "$out" | grep -q "runs as root (uid 0)" ||
    fail "the refusal does not name the listener's user: $out"
size=$(stat -c %s "$TEST_TMP/received2")
[ "$size" = 0 ] || fail "root's listener received $size bytes"
note "ok"
