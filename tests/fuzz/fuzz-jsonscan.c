/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for common/util/jsonscan.c, differential: for any
 * input, a value the scanner returns must be equal to what json_loadb
 * (duplicates rejected, any value, as jsonrpc_parse) returns, with the
 * same compact text; where jansson rejects the input the scanner must
 * decline. Declining what jansson reads is allowed. jsonscan_flat the
 * same way: the members it reads are jansson's object for the bytes it
 * says the object takes, in order, kind and value. Seeds: the events
 * in tests/fuzz/jsonscan-seeds/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/jsonscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether member m says what v is. */
static int
fuzz_same(const struct jsonscan_member *m, const char *key, json_t *v)
{
	if (strlen(key) != m->klen || memcmp(key, m->key, m->klen) != 0)
		return 0;
	switch (m->kind) {
	case JSONSCAN_STRING:
		return json_is_string(v) && json_string_length(v) == m->len &&
		    memcmp(json_string_value(v), m->str, m->len) == 0;
	case JSONSCAN_INTEGER:
		return json_is_integer(v) && json_integer_value(v) ==
		    m->integer;
	case JSONSCAN_NULL:
		return json_is_null(v);
	case JSONSCAN_OTHER:
		return json_is_boolean(v) || json_is_real(v) ||
		    json_is_array(v);
	}
	return 0;
}

/* jsonscan_flat against jansson. */
static void
fuzz_flat(const uint8_t *data, size_t size)
{
	struct jsonscan_member m[16];
	json_error_t jerr;
	json_t *theirs, *v;
	const char *key;
	size_t used, n, i = 0;

	if ((used = jsonscan_flat((const char *)data, size, m, 16, &n)) == 0)
		return;
	theirs = json_loadb((const char *)data, used,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (theirs == NULL || !json_is_object(theirs) ||
	    json_object_size(theirs) != n) {
		fprintf(stderr, "flat read what jansson does not: %s\n",
		    theirs == NULL ? jerr.text : "another object");
		abort();
	}
	json_object_foreach(theirs, key, v) {
		if (!fuzz_same(&m[i++], key, v)) {
			fprintf(stderr, "flat differs at %s\n", key);
			abort();
		}
	}
	json_decref(theirs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *mine, *theirs;
	char *a, *b;

	fuzz_flat(data, size);
	mine = jsonscan_parse((const char *)data, size);
	if (mine == NULL)
		return 0;
	theirs = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (theirs == NULL) {
		fprintf(stderr, "read what jansson rejects: %s\n", jerr.text);
		abort();
	}
	a = json_dumps(mine, JSON_COMPACT | JSON_ENCODE_ANY);
	b = json_dumps(theirs, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!json_equal(mine, theirs) || a == NULL || b == NULL ||
	    strcmp(a, b) != 0) {
		fprintf(stderr, "differs from jansson: %s against %s\n",
		    a != NULL ? a : "?", b != NULL ? b : "?");
		abort();
	}
	free(a);
	free(b);
	json_decref(mine);
	json_decref(theirs);
	return 0;
}
