/* SPDX-License-Identifier: MIT */
/*
 * The log.read loop (see logread.h). The daemon answers with up to max
 * bytes from the offset asked for, the offset after them ("next") and
 * whether the log is complete ("eof": the step has finished and nothing
 * is left past these bytes).
 */
#include <stdlib.h>

#include <jansson.h>

#include "common/util/base64.h"
#include "common/util/error.h"
#include "common/util/protocol.h"
#include "loomctl/logread.h"
#include "loomctl/rpcclient.h"

/* Read what the log holds from r->offset; see logread.h. */
int
logread_drain(struct rpcclient *c, struct logread *r, logread_cb cb,
    void *arg, int *code, struct loom_error *err)
{
	json_t *req, *res, *next;
	unsigned char *data;
	const char *b64;
	size_t len;
	bool eof;

	for (;;) {
		req = json_pack("{s:s, s:s, s:I, s:I}", "run", r->run, "step",
		    r->step, "offset", (json_int_t)r->offset, "max",
		    (json_int_t)r->max);
		if (r->item >= 0)
			json_object_set_new(req, "item", json_integer(r->item));
		res = rpcclient_call(c, LOOM_METHOD_LOG_READ, req, code, err);
		if (res == NULL)
			return -1;
		eof = json_is_true(json_object_get(res, "eof"));
		b64 = json_string_value(json_object_get(res, "data"));
		len = 0;
		data = b64 != NULL ? base64_decode(b64, &len) : NULL;
		if (b64 != NULL && b64[0] != '\0' && data == NULL) {
			json_decref(res);
			loom_error_set(err, NULL, 0, 0, "the daemon sent "
			    "log data that is not base64");
			return -1;
		}
		if (len > 0)
			cb(arg, data, len);
		free(data);
		next = json_object_get(res, "next");
		if (json_is_integer(next) && json_integer_value(next) >=
		    r->offset + (long long)len)
			r->offset = json_integer_value(next);
		else
			r->offset += (long long)len;
		json_decref(res);
		if (eof)
			return 1;
		if (len == 0)
			return 0;
	}
}
