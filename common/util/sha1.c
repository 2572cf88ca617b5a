/* SPDX-License-Identifier: MIT */
/*
 * SHA-1 through nettle (see sha1.h): Loom's names over nettle's
 * context, which lives in the opaque room of struct sha1.
 */
#include <nettle/sha1.h>
/* nettle's header maps these names onto its own functions: not here. */
#undef sha1_init
#undef sha1_update

#include "common/util/sha1.h"

_Static_assert(sizeof(struct sha1_ctx) <= SHA1_CTX_SPACE,
    "SHA1_CTX_SPACE is too small for nettle's context");
_Static_assert(SHA1_DIGEST_LEN == SHA1_DIGEST_SIZE,
    "SHA1_DIGEST_LEN differs from nettle's");

void
sha1_init(struct sha1 *ctx)
{
	nettle_sha1_init((struct sha1_ctx *)ctx->u.bytes);
}

void
sha1_update(struct sha1 *ctx, const void *data, size_t len)
{
	if (len > 0)
		nettle_sha1_update((struct sha1_ctx *)ctx->u.bytes, len,
		    data);
}

void
sha1_final(struct sha1 *ctx, unsigned char md[SHA1_DIGEST_LEN])
{
	nettle_sha1_digest((struct sha1_ctx *)ctx->u.bytes,
	    SHA1_DIGEST_LEN, md);
}

void
sha1_buffer(const void *data, size_t len,
    unsigned char md[SHA1_DIGEST_LEN])
{
	struct sha1 ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, data, len);
	sha1_final(&ctx, md);
}
