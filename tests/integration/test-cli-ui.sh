#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# loomctl ui when the editor's files are missing or present:
#  - missing (a build with -DLOOM_WEB=OFF, no LOOM_WEB_DIR): the URL is
#    printed, ui.open answers "editor": false, and loomctl says on stderr
#    that the editor is not built and how to build it;
#  - present (LOOM_WEB_DIR holding an index.html): no such warning; the
#    bundle's content-hashed files (assets/NAME-HASH.js) are served
#    cacheable for a year, immutable, so that the browser keeps their
#    compiled code; the page and every other file "no-store";
#  - examples/quickstart.sh builds the editor unless LOOM_WEB=OFF, and
#    refuses any other value of LOOM_WEB.
. "$(dirname "$0")/lib.sh"

: "${LOOM_BUILD:?LOOM_BUILD must name the build tree}"
make_hello_exp "$TEST_TMP/exp"
ERR="$TEST_TMP/err.txt"
mkdir -p "$TEST_TMP/noweb" "$TEST_TMP/web"
echo '<!doctype html><title>t</title>' >"$TEST_TMP/web/index.html"
mkdir -p "$TEST_TMP/web/assets"
echo 'console.log(1)' >"$TEST_TMP/web/assets/index-B8oKjxIn.js"
echo 'console.log(2)' >"$TEST_TMP/web/assets/plain.js"

if [ -e "$LOOM_BUILD/web/dist/index.html" ]; then
	note "the build tree has the editor: the 'not built' case cannot be shown"
else
	note "editor not built: loomctl says so"
	url=$(LOOM_WEB_DIR="$TEST_TMP/noweb" "$LOOMCTL" ui --no-browser \
	    "$TEST_TMP/exp" 2>"$ERR") || fail "ui: $(cat "$ERR")"
	[[ $url == http://127.0.0.1:* ]] || fail "ui printed '$url'"
	grep -q "^loomctl: warning: the editor is not built" "$ERR" ||
	    fail "no warning: $(cat "$ERR")"
	grep -q -- "-DLOOM_WEB=ON" "$ERR" || fail "no way to build it: $(cat "$ERR")"
	"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop"
	wait_for 30 no_loomd
fi

note "editor present: no warning"
url=$(LOOM_WEB_DIR="$TEST_TMP/web" "$LOOMCTL" ui --no-browser \
    "$TEST_TMP/exp" 2>"$ERR") || fail "ui: $(cat "$ERR")"
[[ $url == http://127.0.0.1:* ]] || fail "ui printed '$url'"
[ ! -s "$ERR" ] || fail "unexpected: $(cat "$ERR")"
note "hashed assets cacheable and immutable, everything else no-store"
python3 - "$url" <<'PY' || fail "cache headers"
import http.client, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
def get(path, cookie=None):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    r = c.getresponse()
    r.read()
    c.close()
    return r
r = get(u.path + "?" + u.query)
cookie = r.getheader("Set-Cookie").split(";")[0]
want = {
    "/assets/index-B8oKjxIn.js": "private, max-age=31536000, immutable",
    "/": "no-store",
    "/assets/plain.js": "no-store",
}
ok = True
for path, cc in want.items():
    r = get(path, cookie)
    got = [v for k, v in r.getheaders() if k.lower() == "cache-control"]
    if r.status != 200 or got != [cc]:
        print("%s: %d %s, want 200 [%s]" % (path, r.status, got, cc))
        ok = False
r = get("/assets/index-B8oKjxIn.js")
if r.status != 403 or r.getheader("Cache-Control") != "no-store":
    print("without the cookie: %d %s" % (r.status, r.getheader("Cache-Control")))
    ok = False
sys.exit(0 if ok else 1)
PY
"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop"
wait_for 30 no_loomd

note "quickstart builds the editor unless LOOM_WEB=OFF"
Q="$LOOM_SRC/examples/quickstart.sh"
bash -n "$Q" || fail "quickstart syntax"
grep -q 'web=${LOOM_WEB:-ON}' "$Q" && grep -q -- '-DLOOM_WEB="$web"' "$Q" ||
    fail "quickstart does not build the editor by default"
st=0
LOOM_WEB=maybe bash "$Q" >/dev/null 2>"$ERR" || st=$?
[ "$st" = 2 ] && grep -q "LOOM_WEB must be ON or OFF" "$ERR" ||
    fail "quickstart LOOM_WEB=maybe: $st $(cat "$ERR")"
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
