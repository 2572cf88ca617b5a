/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helper: bench-follow LOG PID [PAUSE_US] copies the file LOG
 * to stdout as it grows, the way loomctl follows a step's log (an inotify
 * watch on the open file, reads of 512 KiB from the offset reached, each
 * written out at once), until process PID has exited and LOG is read to
 * its end. With PAUSE_US, a read that found bytes is followed by a pause
 * of that many microseconds instead of a wait for the next inotify event
 * (a follower paced as loomd paces a flood of its pipe). Used by
 * bench/bench-attach.sh to measure a step writing its log itself, with a
 * follower beside it; not a test.
 */
#include <sys/inotify.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FOLLOW_CHUNK	(512 * 1024)	/* loomctl's LOGREAD_CHUNK */

static int	follow_copy(int fd, char *buf, off_t *off);
static void	follow_pause(long us);

/*
 * Copy fd from *off to its present end to stdout. Returns 1 when bytes
 * were copied, 0 when none were there, -1 on an error (said).
 */
static int
follow_copy(int fd, char *buf, off_t *off)
{
	ssize_t n, w, done;
	int got = 0;

	for (;;) {
		n = pread(fd, buf, FOLLOW_CHUNK, *off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			perror("bench-follow: read");
			return -1;
		}
		if (n == 0)
			return got;
		for (done = 0; done < n; done += w) {
			w = write(STDOUT_FILENO, buf + done, (size_t)(n - done));
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				perror("bench-follow: write");
				return -1;
			}
		}
		*off += n;
		got = 1;
	}
}

/* Sleep us microseconds. */
static void
follow_pause(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

int
main(int argc, char **argv)
{
	struct pollfd pf[2];
	char path[64], ev[4096], *buf;
	off_t off = 0;
	long pause_us;
	int fd, ino, pidfd, got, ended = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench-follow LOG PID [PAUSE_US]\n");
		return 2;
	}
	pause_us = argc == 4 ? atol(argv[3]) : 0;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)atol(argv[2]), 0);
	if (fd == -1 || ino == -1 || pidfd == -1) {
		perror("bench-follow");
		return 1;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (inotify_add_watch(ino, path, IN_MODIFY) == -1) {
		perror("bench-follow: inotify");
		return 1;
	}
	buf = malloc(FOLLOW_CHUNK);
	if (buf == NULL)
		return 1;
	for (;;) {
		/* Watched before this read: no growth goes unnoticed. */
		if ((got = follow_copy(fd, buf, &off)) == -1)
			return 1;
		if (ended)
			break;
		pf[0].fd = ino;
		pf[0].events = POLLIN;
		pf[1].fd = pidfd;
		pf[1].events = POLLIN;
		if (got && pause_us > 0) {
			follow_pause(pause_us);
			if (poll(&pf[1], 1, 0) == 1)
				ended = 1;
		} else if (poll(pf, 2, -1) > 0 && pf[1].revents != 0)
			ended = 1;
		while (read(ino, ev, sizeof ev) > 0)
			continue;
	}
	free(buf);
	return 0;
}
