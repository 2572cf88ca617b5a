/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 through nettle (see sha256.h): Loom's names over nettle's
 * context, which lives in the opaque room of struct sha256.
 */
#include <nettle/sha2.h>
/* nettle's header maps these names onto its own functions: not here. */
#undef sha256_init
#undef sha256_update

#include "common/util/sha256.h"

_Static_assert(sizeof(struct sha256_ctx) <= SHA256_CTX_SPACE,
    "SHA256_CTX_SPACE is too small for nettle's context");
_Static_assert(SHA256_DIGEST_LEN == SHA256_DIGEST_SIZE,
    "SHA256_DIGEST_LEN differs from nettle's");

void
sha256_init(struct sha256 *ctx)
{
	nettle_sha256_init((struct sha256_ctx *)ctx->u.bytes);
}

void
sha256_update(struct sha256 *ctx, const void *data, size_t len)
{
	if (len > 0)
		nettle_sha256_update((struct sha256_ctx *)ctx->u.bytes, len,
		    data);
}

void
sha256_final(struct sha256 *ctx, unsigned char md[SHA256_DIGEST_LEN])
{
	nettle_sha256_digest((struct sha256_ctx *)ctx->u.bytes,
	    SHA256_DIGEST_LEN, md);
}

void
sha256_buffer(const void *data, size_t len,
    unsigned char md[SHA256_DIGEST_LEN])
{
	struct sha256 ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, md);
}
