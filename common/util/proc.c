/* SPDX-License-Identifier: MIT */
/* Start time and state of a process from /proc; see proc.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util/proc.h"

/* The start time and state letter of pid; see proc.h. */
unsigned long long
proc_start_time(long pid, char *state)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, field;

	if (state != NULL)
		*state = '?';
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and ')': skip its end. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	if (state != NULL)
		*state = p[2];
	/* From the ')': the 20th space on is the one before field 22. */
	for (field = 3; field <= 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}
