/* SPDX-License-Identifier: MIT */
/*
 * Loop items named by their files, for run, logs and status (items.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/runstate.h"
#include "loomctl/items.h"

/* At most this many failed items are named in a summary. */
#define ITEMS_NAMED_MAX	3

const char *
items_name(const json_t *item)
{
	const char *name = json_string_value(json_object_get(item, "name"));
	const char *path, *slash;

	if (name != NULL)
		return name;
	path = json_string_value(json_object_get(item, "path"));
	if (path == NULL)
		return NULL;
	slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

long
items_find(const json_t *s, const char *arg)
{
	const json_t *items = json_object_get(s, "items"), *it;
	const char *name;
	char *end;
	size_t i;
	long n;

	json_array_foreach(items, i, it) {
		name = items_name(it);
		if (name != NULL && strcmp(name, arg) == 0)
			return (long)i;
	}
	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || n < 0 ||
	    (size_t)n >= json_array_size(items))
		return -1;
	return n;
}

/* How an item ended, for a summary: "exit 3", "SIGKILL", "not started". */
static void
items_how(const json_t *it, char *buf, size_t len)
{
	const json_t *code = json_object_get(it, "exit_code");
	const json_t *sig = json_object_get(it, "signal");

	if (json_is_string(sig))
		snprintf(buf, len, "%s", json_string_value(sig));
	else if (json_is_integer(code))
		snprintf(buf, len, "exit %lld",
		    (long long)json_integer_value(code));
	else
		snprintf(buf, len, "not started");
}

void
items_summary(const json_t *s, char *buf, size_t len)
{
	const json_t *items = json_object_get(s, "items"), *it;
	const char *state, *name;
	size_t i, ok = 0, failed = 0, n;
	char how[64];

	buf[0] = '\0';
	if (!json_is_array(items) || len == 0)
		return;
	json_array_foreach(items, i, it) {
		state = json_string_value(json_object_get(it, "state"));
		if (runstate_parse(state) == RUNSTATE_SUCCEEDED)
			ok++;
		else if (runstate_is_failure(runstate_parse(state)))
			failed++;
	}
	n = (size_t)snprintf(buf, len, "%zu/%zu items succeeded", ok,
	    json_array_size(items));
	if (failed == 0)
		return;
	failed = 0;
	json_array_foreach(items, i, it) {
		state = json_string_value(json_object_get(it, "state"));
		if (!runstate_is_failure(runstate_parse(state)))
			continue;
		if (n >= len)
			return;
		if (failed++ == ITEMS_NAMED_MAX) {
			snprintf(buf + n, len - n, ", ...");
			return;
		}
		name = items_name(it);
		items_how(it, how, sizeof how);
		n += (size_t)snprintf(buf + n, len - n, "%s%s (%s)",
		    failed == 1 ? ", failed: " : ", ",
		    name != NULL ? name : "?", how);
	}
}
