#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The pipelines of test-slurm-deps.sh with --executor local: the file's
# dependencies: slurm is ignored, --slurm-dependencies slurm refused
# (slurm-deps-body.sh).
EXECUTOR=local
. "$(dirname "$0")/slurm-deps-body.sh"
