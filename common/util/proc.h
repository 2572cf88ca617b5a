/* SPDX-License-Identifier: MIT */
/*
 * What /proc says of a process: its start time (field 22 of
 * /proc/PID/stat, in clock ticks since boot) and its state letter (field
 * 3: R, S, Z...). A pid and its start time together name one process:
 * a recycled pid has another start time, so run markers, stamps and run
 * records never mistake a new process for the one that wrote them.
 */
#ifndef LOOM_COMMON_PROC_H
#define LOOM_COMMON_PROC_H

/*
 * The start time of process pid, and its state letter in *state when
 * state is not NULL ('?' when unknown). 0 when unknown: no such process,
 * or no /proc.
 */
unsigned long long proc_start_time(long pid, char *state);

#endif
