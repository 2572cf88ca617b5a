/* SPDX-License-Identifier: MIT */
/*
 * Text for pipeline parts, as the user wrote them, so listings read like
 * the file.
 */
#include <stdlib.h>
#include <string.h>

#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"
#include "loomctl/describe.h"

/* Join words with sep. */
char *
describe_join(const struct strv *words, const char *sep)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < words->n; i++)
		len += strlen(words->v[i]) + strlen(sep);
	s = xmalloc(len);
	*s = '\0';
	for (i = 0; i < words->n; i++) {
		if (i > 0)
			strcat(s, sep);
		strcat(s, words->v[i]);
	}
	return s;
}

/* A value as written. */
char *
describe_value(const struct value *v)
{
	struct strv parts;
	char *inner, *s;
	size_t i;

	if (v == NULL)
		return xstrdup("null");
	switch (v->type) {
	case VALUE_LIST:
		strv_init(&parts);
		for (i = 0; i < v->nitems; i++)
			strv_push_owned(&parts, describe_value(v->items[i]));
		inner = describe_join(&parts, ", ");
		s = xasprintf("[%s]", inner);
		free(inner);
		strv_free(&parts);
		return s;
	case VALUE_MAP:
		return xstrdup("{...}");
	default:
		return xstrdup(v->text != NULL ? v->text : "");
	}
}

/* The values a step reads. */
void
describe_consumes(const struct pipeline *p, size_t step, struct strv *out)
{
	const struct step *s = &p->steps[step];
	size_t i;

	for (i = 0; i < s->inputs.n; i++)
		strv_push_owned(out, describe_value(s->inputs.v[i].value));
	if (s->loop != NULL && s->loop->over != NULL)
		strv_push_owned(out, describe_value(s->loop->over));
}

/* The values a step writes. */
void
describe_produces(const struct pipeline *p, size_t step, struct strv *out)
{
	const struct step *s = &p->steps[step];
	size_t i;

	for (i = 0; i < s->outputs.n; i++)
		strv_push_owned(out, describe_value(s->outputs.v[i].value));
	if (s->loop != NULL && s->loop->into != NULL)
		strv_push_owned(out, describe_value(s->loop->into));
}
