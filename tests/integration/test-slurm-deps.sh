#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# execution.slurm.dependencies: slurm through the private test cluster
# (SLURM_CONF; skipped without it unless LOOM_SLURM_REQUIRED=1): see
# slurm-deps-body.sh.
EXECUTOR=slurm
. "$(dirname "$0")/slurm-deps-body.sh"
