/* SPDX-License-Identifier: MIT */
/*
 * The executor calls (executor.h): each goes to the implementation's
 * table. Implementations: executor-local.c, executor-slurm.c.
 */
#include "common/util/error.h"
#include "loomd/executor.h"

int
executor_start(struct executor *ex, const struct executor_spec *spec,
    struct executor_started *out, struct loom_error *err)
{
	out->id = 0;
	out->pid = -1;
	out->pid_start = 0;
	return ex->ops->start(ex, spec, out, err);
}

void
executor_cancel(struct executor *ex, uint64_t id, bool force)
{
	if (id != 0)
		ex->ops->cancel(ex, id, force);
}

void
executor_release(struct executor *ex, uint64_t id)
{
	if (id != 0)
		ex->ops->release(ex, id);
}

void
executor_sweep(struct executor *ex, const char *tag, bool always)
{
	ex->ops->sweep(ex, tag, always);
}

int
executor_adopt(struct executor *ex, const struct executor_spec *spec,
    const char *id, unsigned long long seen, struct executor_started *out,
    struct loom_error *err)
{
	out->id = 0;
	out->pid = -1;
	out->pid_start = 0;
	if (ex->ops->adopt == NULL) {
		loom_error_set(err, NULL, 0, 0, "the %s executor cannot take "
		    "over unit %s of a previous daemon", ex->ops->name, id);
		return -1;
	}
	return ex->ops->adopt(ex, spec, id, seen, out, err);
}

void
executor_recover(struct executor *ex, const char *tag,
    const struct json_t *unit)
{
	if (ex->ops->recover != NULL)
		ex->ops->recover(ex, tag, unit);
}

void
executor_free(struct executor *ex)
{
	if (ex != NULL)
		ex->ops->free(ex);
}
