#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Pipelines as Slurm jobs through the private test cluster (SLURM_CONF;
# skipped without it unless LOOM_SLURM_REQUIRED=1): see slurm-body.sh.
EXECUTOR=slurm
. "$(dirname "$0")/slurm-body.sh"
