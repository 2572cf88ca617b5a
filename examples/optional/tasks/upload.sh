#!/usr/bin/env bash
# Stands for a step that must not run by accident (it is disabled).
# ---
# inputs:
#   chart: {type: txt}
# outputs:
#   -o: {type: txt}
# ---
echo "upload is disabled in this example and should never run" >&2
exit 1
