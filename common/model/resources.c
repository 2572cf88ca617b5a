/* SPDX-License-Identifier: MIT */
/*
 * Checking and merging of execution: executor/slurm: and a step's
 * resources: (resources.h). The checks follow sbatch(1): --time takes
 * "minutes", "minutes:seconds", "hours:minutes:seconds", "days-hours",
 * "days-hours:minutes" or "days-hours:minutes:seconds" (or UNLIMITED);
 * --mem a whole number with an optional K, M, G or T; --gpus "[type:]N".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/model/resources.h"

const char *const resources_keys[] = { "partition", "time", "mem",
    "cpus_per_task", "gpus", "account", "qos", "extra" };
const size_t resources_nkeys = sizeof resources_keys /
    sizeof resources_keys[0];

/* sbatch options that Loom sets itself, and the key that replaces one. */
static const struct {
	const char *opt;
	const char *instead;
} resources_owned[] = {
	{ "-J", NULL }, { "--job-name", NULL }, { "-o", NULL },
	{ "--output", NULL }, { "-e", NULL }, { "--error", NULL },
	{ "--parsable", NULL }, { "-a", NULL }, { "--array", NULL },
	{ "-d", NULL }, { "--dependency", NULL }, { "--requeue", NULL },
	{ "--no-requeue", NULL }, { "--wrap", NULL }, { "-D", NULL },
	{ "--chdir", NULL }, { "-W", NULL }, { "--wait", NULL },
	{ "--export", NULL }, { "-p", "partition" },
	{ "--partition", "partition" }, { "-t", "time" },
	{ "--time", "time" }, { "--mem", "mem" }, { "-c", "cpus_per_task" },
	{ "--cpus-per-task", "cpus_per_task" }, { "-G", "gpus" },
	{ "--gpus", "gpus" }, { "-A", "account" }, { "--account", "account" },
	{ "-q", "qos" }, { "--qos", "qos" },
};

enum executor_kind
resources_executor(const char *name)
{
	if (strcmp(name, "local") == 0)
		return EXECUTOR_LOCAL;
	if (strcmp(name, "slurm") == 0)
		return EXECUTOR_SLURM;
	return EXECUTOR_DEFAULT;
}

const char *
resources_executor_name(enum executor_kind kind)
{
	return kind == EXECUTOR_SLURM ? "slurm" : "local";
}

enum slurm_deps
resources_deps(const char *name)
{
	if (strcmp(name, "loom") == 0)
		return SLURM_DEPS_LOOM;
	if (strcmp(name, "slurm") == 0)
		return SLURM_DEPS_SLURM;
	return SLURM_DEPS_DEFAULT;
}

/* A run of digits at *s (at least one); advances *s. */
static bool
resources_digits(const char **s)
{
	const char *p = *s;

	while (isdigit((unsigned char)*p))
		p++;
	if (p == *s || p - *s > 9)
		return false;
	*s = p;
	return true;
}

/* Up to max colon-separated digit groups, the whole of s. */
static bool
resources_clock(const char *s, int max)
{
	int n = 0;

	for (;;) {
		if (!resources_digits(&s) || ++n > max)
			return false;
		if (*s == '\0')
			return true;
		if (*s++ != ':')
			return false;
	}
}

static bool
resources_time_ok(const char *s)
{
	const char *p = s;

	if (strcasecmp(s, "unlimited") == 0 || strcasecmp(s, "infinite") == 0)
		return true;
	if (strchr(s, '-') == NULL)
		return resources_clock(s, 3);
	if (!resources_digits(&p) || *p++ != '-')
		return false;
	return resources_clock(p, 3);
}

static bool
resources_mem_ok(const char *s)
{
	if (!resources_digits(&s))
		return false;
	if (*s != '\0' && strchr("KMGTkmgt", *s) != NULL)
		s++;
	return *s == '\0';
}

static bool
resources_gpus_ok(const char *s)
{
	const char *colon = strrchr(s, ':'), *p;

	if (colon != NULL) {
		if (colon == s)
			return false;
		for (p = s; p < colon; p++)
			if (!isalnum((unsigned char)*p) && *p != '_' &&
			    *p != '-' && *p != '.')
				return false;
		s = colon + 1;
	}
	return resources_digits(&s) && *s == '\0';
}

/* A name Slurm knows (partition, account, qos): no spaces or controls. */
static bool
resources_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_-.,+", *s) == NULL)
			return false;
	return true;
}

static void
resources_replace(char **slot, const char *text)
{
	free(*slot);
	*slot = xstrdup(text);
}

bool
resources_set(struct resources *r, const char *key, const char *text,
    char *msg, size_t msglen, const char **hint)
{
	char *end;
	long n;

	*hint = NULL;
	if (strlen(text) > RESOURCES_MAX_TEXT) {
		snprintf(msg, msglen, "%s is longer than %d bytes", key,
		    RESOURCES_MAX_TEXT);
		return false;
	}
	if (strcmp(key, "time") == 0) {
		if (!resources_time_ok(text))
			goto bad;
		resources_replace(&r->time, text);
	} else if (strcmp(key, "mem") == 0) {
		if (!resources_mem_ok(text))
			goto bad;
		resources_replace(&r->mem, text);
	} else if (strcmp(key, "gpus") == 0) {
		if (!resources_gpus_ok(text))
			goto bad;
		resources_replace(&r->gpus, text);
	} else if (strcmp(key, "cpus_per_task") == 0) {
		errno = 0;
		n = strtol(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0' || n < 1 ||
		    n > 100000)
			goto bad;
		r->cpus_per_task = n;
	} else {
		if (!resources_name_ok(text))
			goto bad;
		if (strcmp(key, "partition") == 0)
			resources_replace(&r->partition, text);
		else if (strcmp(key, "account") == 0)
			resources_replace(&r->account, text);
		else
			resources_replace(&r->qos, text);
	}
	return true;

bad:
	snprintf(msg, msglen, "%s: '%s' is not a value Slurm accepts", key,
	    text);
	if (strcmp(key, "time") == 0)
		*hint = "write minutes (90), hours:minutes:seconds (1:30:00) "
		    "or days-hours:minutes:seconds (2-00:00:00)";
	else if (strcmp(key, "mem") == 0)
		*hint = "write a whole number with K, M, G or T, e.g. mem: 4G";
	else if (strcmp(key, "gpus") == 0)
		*hint = "write a count (gpus: 2) or type:count (gpus: a100:2)";
	else if (strcmp(key, "cpus_per_task") == 0)
		*hint = "write a whole number from 1 to 100000";
	else
		*hint = "letters, digits and _ - . , + only";
	return false;
}

bool
resources_add_extra(struct resources *r, const char *text, char *msg,
    size_t msglen, const char **hint)
{
	size_t i, len;

	*hint = NULL;
	if (r->extra.n >= RESOURCES_MAX_EXTRA) {
		snprintf(msg, msglen, "extra: has more than %d items",
		    RESOURCES_MAX_EXTRA);
		return false;
	}
	if (strlen(text) > RESOURCES_MAX_TEXT || text[0] != '-' ||
	    strpbrk(text, "\n\r\t") != NULL) {
		snprintf(msg, msglen, "extra: '%.64s' is not an sbatch "
		    "option", text);
		*hint = "write each option as one item, e.g. "
		    "- --constraint=avx2";
		return false;
	}
	len = strcspn(text, "=");
	for (i = 0; i < sizeof resources_owned / sizeof resources_owned[0];
	    i++) {
		if (strlen(resources_owned[i].opt) != len ||
		    strncmp(text, resources_owned[i].opt, len) != 0)
			continue;
		snprintf(msg, msglen, "extra: %.*s is set by Loom", (int)len,
		    text);
		*hint = resources_owned[i].instead != NULL ?
		    "use the key of the same name instead of extra:" :
		    "leave it out: Loom names, logs and orders the jobs "
		    "itself";
		if (resources_owned[i].instead != NULL)
			snprintf(msg, msglen, "extra: %.*s has its own key: "
			    "%s:", (int)len, text, resources_owned[i].instead);
		return false;
	}
	strv_push(&r->extra, text);
	return true;
}

static char *
resources_pick(const char *over, const char *base)
{
	return over != NULL ? xstrdup(over) : base != NULL ?
	    xstrdup(base) : NULL;
}

void
resources_merge(struct resources *out, const struct resources *base,
    const struct resources *over)
{
	size_t i;

	memset(out, 0, sizeof *out);
	out->partition = resources_pick(over->partition, base->partition);
	out->time = resources_pick(over->time, base->time);
	out->mem = resources_pick(over->mem, base->mem);
	out->gpus = resources_pick(over->gpus, base->gpus);
	out->account = resources_pick(over->account, base->account);
	out->qos = resources_pick(over->qos, base->qos);
	out->cpus_per_task = over->cpus_per_task != 0 ? over->cpus_per_task :
	    base->cpus_per_task;
	for (i = 0; i < base->extra.n; i++)
		strv_push(&out->extra, base->extra.v[i]);
	for (i = 0; i < over->extra.n; i++)
		strv_push(&out->extra, over->extra.v[i]);
}

bool
resources_empty(const struct resources *r)
{
	return r->partition == NULL && r->time == NULL && r->mem == NULL &&
	    r->gpus == NULL && r->account == NULL && r->qos == NULL &&
	    r->cpus_per_task == 0 && r->extra.n == 0;
}

void
resources_free(struct resources *r)
{
	free(r->partition);
	free(r->time);
	free(r->mem);
	free(r->gpus);
	free(r->account);
	free(r->qos);
	strv_free(&r->extra);
	memset(r, 0, sizeof *r);
}
