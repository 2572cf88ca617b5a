#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The pipelines of test-slurm-run.sh with --executor local: the same
# checks pass without a cluster (slurm-body.sh).
EXECUTOR=local
. "$(dirname "$0")/slurm-body.sh"
