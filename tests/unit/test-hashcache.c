/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/fresh/hashcache.c (content hashes remembered by
 * file identity). Covers: a hash put is got back for the same identity
 * and not for one that differs in any of device, inode, size,
 * modification or change time; a change time within one clock tick of
 * the start of the hashing (50 ms, 2 s for whole seconds) is not kept;
 * and at most HASHCACHE_MAX entries, the least recently used dropped
 * first. (stamp_hash_file through the cache, on real files whose change
 * times are old enough: tests/integration/test-incr-hash-offloop.sh.)
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/fresh/hashcache.h"

#define SEC	1000000000LL

/* An identity: inode ino, size 10, times (in ns) mt and ct. */
static struct stat
fake_stat(ino_t ino, long long mt, long long ct)
{
	struct stat st;

	memset(&st, 0, sizeof st);
	st.st_dev = 7;
	st.st_ino = ino;
	st.st_size = 10;
	st.st_mtim.tv_sec = mt / SEC;
	st.st_mtim.tv_nsec = mt % SEC;
	st.st_ctim.tv_sec = ct / SEC;
	st.st_ctim.tv_nsec = ct % SEC;
	return st;
}

static void
hex_of(unsigned n, char out[65])
{
	snprintf(out, 65, "%064x", n);
}

static void
test_hashcache_identity(void **state)
{
	long long t = 1700000000LL * SEC + 123456789;
	struct stat st = fake_stat(1, t, t), other;
	char in[65], out[65];

	(void)state;
	hashcache_clear();
	hex_of(1, in);
	hashcache_put(&st, t + SEC, in);
	assert_true(hashcache_get(&st, out));
	assert_string_equal(out, in);
	other = st;
	other.st_dev = 8;
	assert_false(hashcache_get(&other, out));
	other = st;
	other.st_ino = 2;
	assert_false(hashcache_get(&other, out));
	other = st;
	other.st_size = 11;
	assert_false(hashcache_get(&other, out));
	other = st;
	other.st_mtim.tv_nsec++;
	assert_false(hashcache_get(&other, out));
	other = st;
	other.st_ctim.tv_nsec++;
	assert_false(hashcache_get(&other, out));
}

static void
test_hashcache_racy(void **state)
{
	long long t = 1700000000LL * SEC + 500000000;
	long long whole = 1700000000LL * SEC;
	struct stat st;
	char in[65], out[65];

	(void)state;
	hashcache_clear();
	hex_of(2, in);
	st = fake_stat(1, t, t);
	hashcache_put(&st, t + 40 * 1000 * 1000, in);	/* 40 ms: a tick */
	assert_false(hashcache_get(&st, out));
	assert_false(hashcache_keeps(&st, t + 40 * 1000 * 1000));
	hashcache_put(&st, t + 60 * 1000 * 1000, in);
	assert_true(hashcache_get(&st, out));
	assert_true(hashcache_keeps(&st, t + 60 * 1000 * 1000));
	st = fake_stat(2, whole, whole);		/* whole seconds */
	hashcache_put(&st, whole + SEC, in);
	assert_false(hashcache_get(&st, out));
	assert_false(hashcache_keeps(&st, whole + SEC));
	hashcache_put(&st, whole + 3 * SEC, in);
	assert_true(hashcache_get(&st, out));
	assert_true(hashcache_keeps(&st, whole + 3 * SEC));
}

static void
test_hashcache_lru(void **state)
{
	long long t = 1600000000LL * SEC + 1;
	struct hashcache_stats hs;
	struct stat st;
	char in[65], out[65];
	unsigned i;

	(void)state;
	hashcache_clear();
	for (i = 0; i < HASHCACHE_MAX; i++) {
		st = fake_stat(i + 1, t, t);
		hex_of(i, in);
		hashcache_put(&st, t + SEC, in);
	}
	st = fake_stat(1, t, t);			/* used: now the newest */
	assert_true(hashcache_get(&st, out));
	st = fake_stat(HASHCACHE_MAX + 1, t, t);	/* one more */
	hashcache_put(&st, t + SEC, in);
	hashcache_stats(&hs);
	assert_int_equal(hs.entries, HASHCACHE_MAX);
	st = fake_stat(2, t, t);			/* the oldest went */
	assert_false(hashcache_get(&st, out));
	st = fake_stat(1, t, t);
	assert_true(hashcache_get(&st, out));
	hex_of(0, in);
	assert_string_equal(out, in);
	st = fake_stat(HASHCACHE_MAX + 1, t, t);
	assert_true(hashcache_get(&st, out));
	hashcache_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashcache_identity),
		cmocka_unit_test(test_hashcache_racy),
		cmocka_unit_test(test_hashcache_lru),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
