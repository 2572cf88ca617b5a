/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helper: bench-touch MIB writes one byte in every page of MIB
 * MiB of fresh anonymous memory (huge pages allowed, as malloc's arenas
 * get them) and exits: what the kernel (and a hypervisor under it) takes
 * to hand a process new memory, the part of a big load that no change to
 * Loom's code removes. bench/bench-plan-cli.sh prints it beside the
 * planning figures, a reference taken in the same invocation; not a test.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	size_t size, i;
	char *p;

	if (argc != 2 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: bench-touch MIB\n");
		return 2;
	}
	size = (size_t)atol(argv[1]) << 20;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("bench-touch: mmap");
		return 1;
	}
	(void)madvise(p, size, MADV_HUGEPAGE);
	for (i = 0; i < size; i += 4096)
		p[i] = 1;
	return 0;
}
