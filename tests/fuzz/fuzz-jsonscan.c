/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for common/util/jsonscan.c, differential: for any
 * input, a value the scanner returns must be equal to what json_loadb
 * (duplicates rejected, any value, as jsonrpc_parse) returns, with the
 * same compact text; where jansson rejects the input the scanner must
 * decline. Declining what jansson reads is allowed. Seeds: the events
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *mine, *theirs;
	char *a, *b;

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
