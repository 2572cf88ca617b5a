/* SPDX-License-Identifier: MIT */
/*
 * The executor calls (executor.h): each goes to the implementation's
 * table. Implementations: executor-local.c, executor-slurm.c.
 */
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
