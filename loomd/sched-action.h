/* SPDX-License-Identifier: MIT */
/*
 * Appending to an action list, for the scheduler's state machines
 * (sched.c). The list itself and its public calls (init, clear, free,
 * text form) are declared in sched.h; sched-action.c implements all of
 * them. Callers of the scheduler never append actions themselves.
 */
#ifndef LOOM_LOOMD_SCHED_ACTION_H
#define LOOM_LOOMD_SCHED_ACTION_H

#include <stddef.h>

#include "loomd/sched.h"

/*
 * Append an action of type for step to a, zeroed except for type, step
 * and status (-1). Returns it, borrowed from a until a changes again.
 */
struct sched_action *sched_action_push(struct sched_actions *a,
    enum sched_action_type type, size_t step);

#endif
