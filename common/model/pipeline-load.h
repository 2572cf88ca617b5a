/* SPDX-License-Identifier: MIT */
/*
 * Private to the loader, shared by its two halves: pipeline-yaml.c turns
 * libyaml events into a tree of struct value (with spans, limits and
 * aliases), pipeline-load.c turns the tree into the model of pipeline.h.
 * The halves meet in struct load, the state of one load, and in
 * load_pipeline_item, through which the event half hands over each
 * entry of pipeline: as soon as it is complete. Nothing outside these
 * two files includes this header; "load_" is the loader's prefix.
 */
#ifndef LOOM_COMMON_PIPELINE_LOAD_H
#define LOOM_COMMON_PIPELINE_LOAD_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "common/model/pipeline.h"

struct diag;
struct diags;

struct load_anchor {
	char *name;
	struct value *v;
	size_t size;		/* nodes the anchored subtree stands for */
	size_t height;		/* levels of collections in it (scalar: 0) */
	bool open;		/* still being parsed: an alias is a cycle */
};

struct load_frame {
	struct value *v;	/* the open sequence or mapping */
	size_t size;		/* nodes inside so far, aliases expanded */
	size_t height;		/* the highest child so far */
	char *key;		/* a mapping's pending key, or NULL */
	struct loom_span key_span;
	bool drop;		/* the pending key is a duplicate */
	ssize_t anchor;		/* index in anchors, or -1 */
	struct pipeline_map *keys;	/* duplicate check for big mappings */
};

struct load {
	struct pipeline *p;
	struct diags *d;
	yaml_parser_t parser;

	/* Character index -> byte offset, walked incrementally. */
	size_t cur_index;
	size_t cur_byte;
	size_t base;		/* bytes of a UTF-8 byte order mark */
	bool ascii;		/* no byte past 0x7f: index + base is the byte */

	struct load_frame *frames;
	size_t nframes;
	size_t capframes;

	struct load_anchor *anchors;
	size_t nanchors;
	size_t capanchors;
	struct pipeline_map *anchor_names;

	size_t aliases;		/* alias nodes seen */
	size_t nodes;		/* nodes, aliases expanded */
	struct value *root;
	bool fatal;
};

/* pipeline-yaml.c */

/*
 * Parse l->p->source (its size and encoding already checked) into
 * l->root, streaming the entries of pipeline: to load_pipeline_item.
 * Sets l->fatal when the text cannot become a model. Frees everything
 * but l->root.
 */
void		load_parse(struct load *l);
/* A diagnostic at sp (or at no place when sp is NULL). */
struct diag	*load_error(struct load *l, const struct loom_span *sp,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct diag	*load_warning(struct load *l, const struct loom_span *sp,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* pipeline-load.c */

/*
 * One entry of pipeline: (a step or a group block) into the model. own
 * says that nothing but the tree holds the entry: the steps of a group
 * block are then freed as they are read, and the texts and mappings a
 * step keeps move to the model instead of being copied. A shared entry
 * (given again through an alias) is left intact.
 */
void		load_pipeline_item(struct load *l, struct value *item,
		    bool own);

#endif
