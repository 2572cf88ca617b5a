/* SPDX-License-Identifier: MIT */
/*
 * Resolving run ids typed by people (see runref.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/runstate.h"
#include "common/util/xmalloc.h"
#include "loomctl/cmd.h"
#include "loomctl/freshlist.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"
#include "loomctl/runref.h"
#include "common/model/suggest.h"
#include "common/util/protocol.h"

/* Every run id run.list can give, newest first. */
#define RUNREF_LIST_MAX	10000

static int	runref_ambiguous(const char *arg, json_t *runs);
static int	runref_unknown(const char *arg, json_t *runs);
static int	runref_of_file(const char *arg, json_t *runs, bool going,
		    char **id);
static int	runref_resolve_in(struct rpcclient *c, const char *arg,
		    bool going, char **id);

/* Several runs start with arg: list them. */
static int
runref_ambiguous(const char *arg, json_t *runs)
{
	char *list = NULL, *tmp;
	const char *id;
	json_t *r;
	size_t i, shown = 0, len = strlen(arg);

	json_array_foreach(runs, i, r) {
		id = json_string_value(json_object_get(r, "run"));
		if (id == NULL || strncmp(id, arg, len) != 0)
			continue;
		if (shown++ == RUNREF_SHOW_MAX) {
			tmp = xasprintf("%s, ...", list);
			free(list);
			list = tmp;
			break;
		}
		tmp = list == NULL ? xstrdup(id) : xasprintf("%s, %s", list, id);
		free(list);
		list = tmp;
	}
	output_fail("run id '%s' is ambiguous: it starts %s (type more of "
	    "the id)", arg, list);
	free(list);
	return LOOMCTL_EXIT_USAGE;
}

/* No run matches arg: offer the closest id. */
static int
runref_unknown(const char *arg, json_t *runs)
{
	struct suggest s;
	const char *best;
	json_t *r;
	size_t i;

	if (json_array_size(runs) == 0) {
		output_fail("no such run: %s (no runs yet)", arg);
		return LOOMCTL_EXIT_USAGE;
	}
	suggest_init(&s, arg);
	json_array_foreach(runs, i, r)
		suggest_add(&s, json_string_value(json_object_get(r, "run")));
	if ((best = suggest_best(&s)) != NULL)
		output_fail("no such run: %s (did you mean %s?)", arg, best);
	else
		output_fail("no such run: %s ('loomctl status' lists runs)",
		    arg);
	return LOOMCTL_EXIT_USAGE;
}

/* Whether arg names a file rather than a run (ids have no '.' or '/'). */
static bool
runref_is_file(const char *arg)
{
	return strpbrk(arg, "./") != NULL && freshlist_is_file(arg);
}

/*
 * The newest run of the pipeline file arg (going: the newest still
 * going) among runs, which run.list gave for that file alone (the
 * daemon compares files by real path).
 */
static int
runref_of_file(const char *arg, json_t *runs, bool going, char **id)
{
	const char *rid;
	bool any = false;
	json_t *r;
	size_t i;

	json_array_foreach(runs, i, r) {
		if ((rid = json_string_value(json_object_get(r, "run"))) == NULL)
			continue;
		any = true;
		if (going && !runref_active(json_string_value(
		    json_object_get(r, "state"))))
			continue;
		*id = xstrdup(rid);
		log_info("run %s is %s", arg, *id);
		return LOOMCTL_EXIT_OK;
	}
	if (any)
		output_fail("no run of %s is going on ('loomctl status' lists "
		    "runs)", arg);
	else
		output_fail("%s has no runs yet ('loomctl run %s' starts one)",
		    arg, arg);
	return LOOMCTL_EXIT_USAGE;
}

int
runref_resolve(struct rpcclient *c, const char *arg, char **id)
{
	return runref_resolve_in(c, arg, false, id);
}

int
runref_resolve_going(struct rpcclient *c, const char *arg, char **id)
{
	return runref_resolve_in(c, arg, true, id);
}

static int
runref_resolve_in(struct rpcclient *c, const char *arg, bool going,
    char **id)
{
	struct loom_error err;
	json_t *params, *res, *runs, *r;
	char real[PATH_MAX];
	const char *rid, *found = NULL;
	size_t i, n = 0, len = strlen(arg);
	bool is_file;
	int rc;

	*id = NULL;
	loom_error_clear(&err);
	params = json_pack("{s:i}", "limit", RUNREF_LIST_MAX);
	/*
	 * A file's runs, and only its: the daemon also finds those kept
	 * beside it that its index does not list (a moved or copied folder).
	 */
	if ((is_file = runref_is_file(arg))) {
		if (realpath(arg, real) == NULL) {
			output_fail("cannot resolve %s: %s", arg,
			    strerror(errno));
			json_decref(params);
			return LOOMCTL_EXIT_USAGE;
		}
		json_object_set_new(params, "file", json_string(real));
	}
	res = rpcclient_call(c, LOOM_METHOD_RUN_LIST, params, NULL, &err);
	if (res == NULL) {
		output_fail("%s", err.message);
		return LOOMCTL_EXIT_FAILED;
	}
	runs = json_object_get(res, "runs");
	if (is_file) {
		rc = runref_of_file(arg, runs, going, id);
		json_decref(res);
		return rc;
	}
	if (strcmp(arg, "last") == 0 && json_array_size(runs) > 0) {
		found = json_string_value(json_object_get(json_array_get(runs,
		    0), "run"));
		len = 0;
	}
	json_array_foreach(runs, i, r) {
		rid = json_string_value(json_object_get(r, "run"));
		if (len == 0)
			break;
		if (rid == NULL)
			continue;
		if (strcmp(rid, arg) == 0) {
			found = rid;
			n = 1;
			break;
		}
		if (strncmp(rid, arg, len) == 0 && n++ == 0)
			found = rid;
	}
	if (found != NULL && n <= 1) {
		*id = xstrdup(found);
		log_info("run %s is %s", arg, *id);
		rc = LOOMCTL_EXIT_OK;
	} else if (n > 1)
		rc = runref_ambiguous(arg, runs);
	else if (strcmp(arg, "last") == 0) {
		output_fail("no runs yet, so no last run");
		rc = LOOMCTL_EXIT_USAGE;
	} else
		rc = runref_unknown(arg, runs);
	json_decref(res);
	return rc;
}

bool
runref_active(const char *state)
{
	/* A state this version does not know is taken as still going. */
	return state != NULL && !runstate_is_final(runstate_parse(state));
}

int
runref_exit_status(const char *state)
{
	switch (runstate_parse(state)) {
	case RUNSTATE_SUCCEEDED:
		return LOOMCTL_EXIT_OK;
	case RUNSTATE_CANCELLED:
		return LOOMCTL_EXIT_INTERRUPTED;
	default:
		break;
	}
	return LOOMCTL_EXIT_FAILED;
}
