/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/sha256.c (nettle's SHA-256 under Loom's names).
 * Covers: the FIPS 180-4 / NIST example messages ("", "abc", the 448-bit
 * and 896-bit messages, one million 'a'); incremental updates split at
 * every offset of a 200-byte message (and in three parts) equal to the
 * one-shot digest; a 1 MiB buffer fed in uneven pieces equal to the
 * one-shot digest (nettle picks the CPU's SHA instructions itself, so
 * the hw argument of digest() no longer chooses a path); padding at the
 * block-boundary
 * lengths 55, 56, 63, 64, 119, 120; and the hex digests stamps store
 * (stamp_hash_buffer, stamp_hash_file on 1 MiB) are unchanged.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/util/sha256.h"
#include "common/fresh/stamp.h"
#include "common/util/xmalloc.h"

#define MSG448	"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG896	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn" \
		"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

struct vector {
	const char *msg;
	const char *hex;
};

static const struct vector vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb924"
	      "27ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		 "b00361a396177a9cb410ff61f20015ad" },
	{ MSG448, "248d6a61d20638b8e5c026930c3e6039"
		  "a33ce45964ff2167f6ecedd419db06c1" },
	{ MSG896, "cf5b16a778af8380036ce59e7b049237"
		  "0b249b11e8f07a51afac45037afee9d1" },
};

static void	to_hex(const unsigned char md[SHA256_DIGEST_LEN], char *out);
static void	digest(bool hw, const void *data, size_t len,
		    unsigned char md[SHA256_DIGEST_LEN]);

static void
to_hex(const unsigned char md[SHA256_DIGEST_LEN], char *out)
{
	int i;

	for (i = 0; i < SHA256_DIGEST_LEN; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* One-shot; hw is kept from when two code paths existed. */
static void
digest(bool hw, const void *data, size_t len,
    unsigned char md[SHA256_DIGEST_LEN])
{
	struct sha256 ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, md);
}

static void
test_sha256_nist_vectors(void **state)
{
	unsigned char md[SHA256_DIGEST_LEN];
	char hex[2 * SHA256_DIGEST_LEN + 1];
	size_t i;
	int hw;

	for (hw = 0; hw < 2; hw++) {
		for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
			digest(hw, vectors[i].msg, strlen(vectors[i].msg), md);
			to_hex(md, hex);
			assert_string_equal(hex, vectors[i].hex);
		}
	}
	/* The one-shot function gives the same. */
	sha256_buffer("abc", 3, md);
	to_hex(md, hex);
	assert_string_equal(hex, vectors[1].hex);
}

static void
test_sha256_million_a(void **state)
{
	char hex[2 * SHA256_DIGEST_LEN + 1], *a = xmalloc(1000000);
	unsigned char md[SHA256_DIGEST_LEN];
	struct sha256 ctx;
	int hw, i;

	memset(a, 'a', 1000000);
	for (hw = 0; hw < 2; hw++) {
		digest(hw, a, 1000000, md);
		to_hex(md, hex);
		assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
		    "f1809a48a497200e046d39ccc7112cd0");
	}
	/* And as 1,000 updates of 1,000 bytes. */
	sha256_init(&ctx);
	for (i = 0; i < 1000; i++)
		sha256_update(&ctx, a, 1000);
	sha256_final(&ctx, md);
	to_hex(md, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

static void
test_sha256_split_every_offset(void **state)
{
	unsigned char msg[200], one[SHA256_DIGEST_LEN], md[SHA256_DIGEST_LEN];
	char hex[2 * SHA256_DIGEST_LEN + 1];
	struct sha256 ctx;
	size_t i, j;
	int hw;

	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)(i * 13 + 5);
	sha256_buffer(msg, sizeof msg, one);
	/* Worked out independently of this code. */
	to_hex(one, hex);
	assert_string_equal(hex, "5662cd43a9a08890f6eea10b9cb37854"
	    "163d54629a5ca604a03e88c3ce47419f");
	for (hw = 0; hw < 2; hw++) {
		for (i = 0; i <= sizeof msg; i++) {
			sha256_init(&ctx);
					sha256_update(&ctx, msg, i);
			sha256_update(&ctx, msg + i, sizeof msg - i);
			sha256_final(&ctx, md);
			assert_memory_equal(md, one, sizeof md);
		}
		/* Three pieces, every pair of cut points. */
		for (i = 0; i <= sizeof msg; i += 7) {
			for (j = i; j <= sizeof msg; j += 5) {
				sha256_init(&ctx);
							sha256_update(&ctx, msg, i);
				sha256_update(&ctx, msg + i, j - i);
				sha256_update(&ctx, NULL, 0);
				sha256_update(&ctx, msg + j, sizeof msg - j);
				sha256_final(&ctx, md);
				assert_memory_equal(md, one, sizeof md);
			}
		}
	}
}

static void
test_sha256_hw_matches_c(void **state)
{
	unsigned char a[SHA256_DIGEST_LEN], b[SHA256_DIGEST_LEN], *buf;
	size_t len = 1 << 20, i, off, n;
	struct sha256 ctx;
	uint32_t x = 12345;

	buf = xmalloc(len);
	for (i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (i = 0; i <= 1100; i++) {
		digest(true, buf, i, a);
		digest(false, buf, i, b);
		assert_memory_equal(a, b, sizeof a);
	}
	/* 1 MiB in uneven pieces, through the hw path when there is one. */
	sha256_init(&ctx);
	for (off = 0, n = 1; off < len; off += n, n = n * 3 % 9973 + 1) {
		if (n > len - off)
			n = len - off;
		sha256_update(&ctx, buf + off, n);
	}
	sha256_final(&ctx, a);
	digest(false, buf, len, b);
	assert_memory_equal(a, b, sizeof a);
	free(buf);
}

static void
test_sha256_padding_boundaries(void **state)
{
	/* sha256 of n 'x' bytes, from Python's hashlib. */
	static const struct {
		size_t n;
		const char *hex;
	} cases[] = {
		{ 55, "d5e285683cd4efc02d021a5c62014694"
		      "958901005d6f71e89e0989fac77e4072" },
		{ 56, "04c26261370ee7541549d16dee320c72"
		      "3e3fd14671e66a099afe0a377c16888e" },
		{ 63, "75220b47218278e656f2013bb8f0c455"
		      "a25eaf01e86c64924e9d48d89776d6f2" },
		{ 64, "7ce100971f64e7001e8fe5a51973ecdf"
		      "e1ced42befe7ee8d5fd6219506b5393c" },
		{ 119, "000b48d4edf0fa7bee3c6236ecd2785b"
		       "aa5db4eeb8bb54341b029e0d9fa5fb0c" },
		{ 120, "13f05a0b594787f5ecd315edc96141bd"
		       "3243203d1b7d4f0836f37308b276ba98" },
	};
	unsigned char md[SHA256_DIGEST_LEN];
	char buf[128], hex[2 * SHA256_DIGEST_LEN + 1];
	size_t i;
	int hw;

	memset(buf, 'x', sizeof buf);
	for (hw = 0; hw < 2; hw++) {
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			digest(hw, buf, cases[i].n, md);
			to_hex(md, hex);
			assert_string_equal(hex, cases[i].hex);
		}
	}
}

static void
test_sha256_stamp_digests_unchanged(void **state)
{
	char hex[STAMP_HASH_HEX], dir[] = "/tmp/loom-test-sha256-XXXXXX";
	struct loom_error err;
	unsigned char *buf;
	size_t i, len = 1 << 20;
	char *path;
	int fd;

	stamp_hash_buffer(MSG448, strlen(MSG448), hex);
	assert_string_equal(hex, vectors[2].hex);
	buf = xmalloc(len);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + i / 251);
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/data.bin", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	loom_error_clear(&err);
	assert_int_equal(stamp_hash_file(path, len, hex, &err), 0);
	/* sha256sum of the same bytes. */
	assert_string_equal(hex, "07f4465ef6fe98070beaf8d8d01454b5"
	    "d11f6cd4ff86a139d92cd031b46ddfdc");
	unlink(path);
	rmdir(dir);
	free(path);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_nist_vectors),
		cmocka_unit_test(test_sha256_million_a),
		cmocka_unit_test(test_sha256_split_every_offset),
		cmocka_unit_test(test_sha256_hw_matches_c),
		cmocka_unit_test(test_sha256_padding_boundaries),
		cmocka_unit_test(test_sha256_stamp_digests_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
