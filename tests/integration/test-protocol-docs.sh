#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Protocol drift: docs/protocol.md and docs/editor.md describe exactly the
# methods and events of protocol/loom-protocol.json (a method as a "###"
# heading, an event as a row of the events table), no more, no fewer.
. "$(dirname "$0")/lib.sh"

"$PYTHON" "$LOOM_SRC/tests/integration/protocheck.py" docs \
    "$LOOM_SRC/protocol/loom-protocol.json" \
    "$LOOM_SRC/docs/protocol.md" "$LOOM_SRC/docs/editor.md" ||
    fail "the docs and protocol/loom-protocol.json differ"
