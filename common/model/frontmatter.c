/* SPDX-License-Identifier: MIT */
/*
 * Task front matter: finds the "---" block in a task's leading docstring
 * or comment block, strips the comment markers while remembering where
 * each line came from, parses the block with libyaml and turns it into
 * an interface (inputs, outputs, args). Errors are located in the task
 * file, not in the stripped block. Only the head of a file is examined
 * (FRONTMATTER_MAX_READ bytes) and the number of entries is capped, so
 * a hostile task cannot make this slow or large. It never runs a task.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "common/util/error.h"
#include "common/model/frontmatter.h"
#include "common/util/xmalloc.h"

/* Entries (items plus choices) one block may declare. */
#define FRONTMATTER_MAX_ENTRIES	10000

/* A line of the task file: [start, start + len), no newline. */
struct fm_line {
	const char *start;
	size_t len;
};

/* Where a line of the extracted block came from. */
struct fm_origin {
	int line;		/* 1-based line in the task file */
	int coloff;		/* bytes stripped from its start */
};

/* The leading text region being examined. */
struct fm_region {
	size_t first;		/* first line index */
	size_t last;		/* last line index (inclusive) */
	bool comment;		/* a comment block (else a docstring) */
	size_t head_skip;	/* docstring: bytes before content, 1st line */
	size_t tail_len;	/* docstring: content bytes on the last line */
};

struct fm_parse {
	const char *name;
	struct fm_line *lines;
	size_t nlines;
	struct fm_origin *origins;	/* per line of the block */
	size_t norigins;
	const char *ytext;		/* the block as YAML */
	size_t ylen;
	size_t nentries;
	yaml_document_t doc;
	struct loom_error *err;
};

static void	fm_split_lines(struct fm_parse *, const char *, size_t);
static bool	fm_is_blank(const struct fm_line *);
static size_t	fm_comment_prefix(const struct fm_line *, size_t *);
static bool	fm_docstring_start(const struct fm_line *, size_t *,
		    const char **);
static void	fm_trim(const char **, size_t *);
static void	fm_content(const struct fm_parse *, const struct fm_region *,
		    size_t, const char **, size_t *, size_t *);
static int	fm_region(struct fm_parse *, const struct fm_region *,
		    struct frontmatter *, bool *);
static void	fm_place(const struct fm_parse *, const yaml_mark_t *, int *,
		    int *);
static void	fm_error_at(struct fm_parse *, const yaml_mark_t *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static char	*fm_scalar(const yaml_node_t *);
static bool	fm_is_null(const yaml_node_t *);
static int	fm_section(struct fm_parse *, yaml_node_t *,
		    struct frontmatter_list *, bool);
static int	fm_item(struct fm_parse *, yaml_node_t *, yaml_node_t *,
		    struct frontmatter_item *, bool);
static int	fm_document(struct fm_parse *, struct frontmatter *);
static void	fm_list_free(struct frontmatter_list *);

/* Split text into lines, stopping at a NUL byte. */
static void
fm_split_lines(struct fm_parse *fp, const char *text, size_t len)
{
	const char *s = text, *end, *nl, *nul;
	size_t cap = 0;

	nul = memchr(text, '\0', len);
	end = nul != NULL ? nul : text + len;
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (fp->nlines == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			fp->lines = xreallocarray(fp->lines, cap,
			    sizeof *fp->lines);
		}
		fp->lines[fp->nlines].start = s;
		fp->lines[fp->nlines].len = (size_t)((nl != NULL ? nl : end) -
		    s);
		if (fp->lines[fp->nlines].len > 0 &&
		    s[fp->lines[fp->nlines].len - 1] == '\r')
			fp->lines[fp->nlines].len--;
		fp->nlines++;
		if (nl == NULL)
			break;
		s = nl + 1;
	}
}

static bool
fm_is_blank(const struct fm_line *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (l->start[i] != ' ' && l->start[i] != '\t')
			return false;
	return true;
}

/*
 * The length of l's comment marker with its leading blanks and one space
 * after it ("  # " gives 4, "#' " 3), or 0 when l is not a comment. *kind is 1
 * for '#' and 2 for "//".
 */
static size_t
fm_comment_prefix(const struct fm_line *l, size_t *kind)
{
	size_t i = 0, n;

	while (i < l->len && (l->start[i] == ' ' || l->start[i] == '\t'))
		i++;
	if (i < l->len && l->start[i] == '#') {
		*kind = 1;
		n = i + 1;
		/* R's roxygen comments: "#' ---". */
		if (n < l->len && l->start[n] == '\'')
			n++;
	} else if (i + 1 < l->len && l->start[i] == '/' &&
	    l->start[i + 1] == '/') {
		*kind = 2;
		n = i + 2;
	} else
		return 0;
	if (n < l->len && l->start[n] == ' ')
		n++;
	return n;
}

/*
 * Whether l opens a Python docstring (optionally r/u/b-prefixed); *skip
 * receives the bytes up to and including the opening quotes, *quote the
 * three-character closing delimiter.
 */
static bool
fm_docstring_start(const struct fm_line *l, size_t *skip, const char **quote)
{
	size_t i = 0;

	while (i < l->len && (l->start[i] == ' ' || l->start[i] == '\t'))
		i++;
	if (i < l->len && strchr("rRuU", l->start[i]) != NULL)
		i++;
	if (i + 3 > l->len)
		return false;
	if (memcmp(l->start + i, "\"\"\"", 3) == 0)
		*quote = "\"\"\"";
	else if (memcmp(l->start + i, "'''", 3) == 0)
		*quote = "'''";
	else
		return false;
	*skip = i + 3;
	return true;
}

static void
fm_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* The content of line i of region r: markers and quotes removed. */
static void
fm_content(const struct fm_parse *fp, const struct fm_region *r, size_t i,
    const char **s, size_t *len, size_t *off)
{
	const struct fm_line *l = &fp->lines[i];
	size_t kind, n;

	*off = 0;
	*s = l->start;
	*len = l->len;
	if (r->comment) {
		n = fm_comment_prefix(l, &kind);
		*off = n;
		*s += n;
		*len -= n;
		return;
	}
	if (i == r->last)
		*len = r->tail_len;
	if (i == r->first) {
		*off = r->head_skip;
		*s += r->head_skip;
		*len = *len >= r->head_skip ? *len - r->head_skip : 0;
	}
}

/*
 * The task file's line and column for a mark in the block. libyaml also
 * breaks lines at Unicode line and paragraph separators, which the block
 * keeps inside its lines; a mark past the last line is clamped to it.
 */
static void
fm_place(const struct fm_parse *fp, const yaml_mark_t *mark, int *line,
    int *column)
{
	*line = *column = 0;
	if (fp->norigins == 0)
		return;
	if (mark == NULL || mark->line >= fp->norigins) {
		*line = fp->origins[fp->norigins - 1].line;
		*column = 1;
		return;
	}
	*line = fp->origins[mark->line].line;
	*column = fp->origins[mark->line].coloff + (int)mark->column + 1;
}

static void
fm_error_at(struct fm_parse *fp, const yaml_mark_t *mark, const char *fmt,
    ...)
{
	va_list ap;
	char msg[LOOM_ERROR_TEXT];
	int line = 0, column = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fm_place(fp, mark, &line, &column);
	loom_error_set(fp->err, fp->name, line, column, "%s", msg);
}

/* A scalar node's text (owned), or NULL for other nodes. */
static char *
fm_scalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return xstrndup((const char *)n->data.scalar.value,
	    n->data.scalar.length);
}

static bool
fm_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n == NULL)
		return true;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return n->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

/* One entry: key is its name, value its description node. */
static int
fm_item(struct fm_parse *fp, yaml_node_t *key, yaml_node_t *value,
    struct frontmatter_item *it, bool required_default)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v, *c;
	yaml_node_item_t *ci;
	char *field;
	const char *sv;

	if (key->type != YAML_SCALAR_NODE) {
		fm_error_at(fp, &key->start_mark,
		    "front matter names must be plain strings");
		return -1;
	}
	it->name = fm_scalar(key);
	it->required = required_default;
	strv_init(&it->choices);
	fm_place(fp, &key->start_mark, &it->line, &it->column);

	if (fm_is_null(value))
		return 0;
	if (value->type == YAML_SCALAR_NODE) {
		it->type = fm_scalar(value);
		return 0;
	}
	if (value->type != YAML_MAPPING_NODE) {
		fm_error_at(fp, &value->start_mark, "'%s' must be a mapping "
		    "(type, default, description, choices, required)",
		    it->name);
		return -1;
	}
	for (pair = value->data.mapping.pairs.start;
	    pair < value->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(&fp->doc, pair->key);
		v = yaml_document_get_node(&fp->doc, pair->value);
		if (k == NULL || v == NULL)
			continue;
		field = fm_scalar(k);
		if (field == NULL) {
			fm_error_at(fp, &k->start_mark, "front matter keys "
			    "must be plain strings");
			return -1;
		}
		if (strcmp(field, "type") == 0 ||
		    strcmp(field, "description") == 0) {
			if (v->type != YAML_SCALAR_NODE) {
				fm_error_at(fp, &v->start_mark, "%s of '%s' "
				    "must be a string", field, it->name);
				free(field);
				return -1;
			}
			if (strcmp(field, "type") == 0) {
				free(it->type);
				it->type = fm_scalar(v);
			} else {
				free(it->description);
				it->description = fm_scalar(v);
			}
		} else if (strcmp(field, "default") == 0) {
			free(it->default_text);
			if (v->type == YAML_SCALAR_NODE)
				it->default_text = fm_is_null(v) ? NULL :
				    fm_scalar(v);
			else if (v->end_mark.index <= fp->ylen &&
			    v->start_mark.index <= v->end_mark.index)
				it->default_text = xstrndup(fp->ytext +
				    v->start_mark.index, v->end_mark.index -
				    v->start_mark.index);
		} else if (strcmp(field, "required") == 0) {
			sv = v->type == YAML_SCALAR_NODE ?
			    (const char *)v->data.scalar.value : "";
			if (v->type == YAML_SCALAR_NODE &&
			    v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			    (strcmp(sv, "true") == 0 || strcmp(sv, "false") == 0))
				it->required = strcmp(sv, "true") == 0;
			else {
				fm_error_at(fp, &v->start_mark, "required of "
				    "'%s' must be true or false", it->name);
				free(field);
				return -1;
			}
		} else if (strcmp(field, "choices") == 0) {
			strv_free(&it->choices);
			if (v->type == YAML_SCALAR_NODE) {
				strv_push_owned(&it->choices, fm_scalar(v));
				fp->nentries++;
			} else if (v->type == YAML_SEQUENCE_NODE) {
				for (ci = v->data.sequence.items.start;
				    ci < v->data.sequence.items.top; ci++) {
					c = yaml_document_get_node(&fp->doc,
					    *ci);
					if (c == NULL ||
					    c->type != YAML_SCALAR_NODE) {
						fm_error_at(fp, c != NULL ?
						    &c->start_mark :
						    &v->start_mark, "choices "
						    "of '%s' must be strings",
						    it->name);
						free(field);
						return -1;
					}
					if (++fp->nentries >
					    FRONTMATTER_MAX_ENTRIES)
						break;
					strv_push_owned(&it->choices,
					    fm_scalar(c));
				}
			} else {
				fm_error_at(fp, &v->start_mark, "choices of "
				    "'%s' must be a list", it->name);
				free(field);
				return -1;
			}
			if (fp->nentries > FRONTMATTER_MAX_ENTRIES) {
				fm_error_at(fp, &v->start_mark, "front matter "
				    "declares more than %d entries",
				    FRONTMATTER_MAX_ENTRIES);
				free(field);
				return -1;
			}
		}
		free(field);
	}
	return 0;
}

/* An inputs/outputs/args section. */
static int
fm_section(struct fm_parse *fp, yaml_node_t *node,
    struct frontmatter_list *list, bool required_default)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	size_t n;

	fm_list_free(list);
	if (fm_is_null(node))
		return 0;
	if (node->type != YAML_MAPPING_NODE) {
		fm_error_at(fp, &node->start_mark, "expected a mapping of "
		    "names to descriptions here");
		return -1;
	}
	n = (size_t)(node->data.mapping.pairs.top -
	    node->data.mapping.pairs.start);
	fp->nentries += n;
	if (fp->nentries > FRONTMATTER_MAX_ENTRIES) {
		fm_error_at(fp, &node->start_mark, "front matter declares "
		    "more than %d entries", FRONTMATTER_MAX_ENTRIES);
		return -1;
	}
	list->v = xcalloc(n + 1, sizeof *list->v);
	for (pair = node->data.mapping.pairs.start;
	    pair < node->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(&fp->doc, pair->key);
		v = yaml_document_get_node(&fp->doc, pair->value);
		if (k == NULL)
			continue;
		if (fm_item(fp, k, v, &list->v[list->n++],
		    required_default) != 0)
			return -1;
	}
	return 0;
}

/* Walk the parsed block into fm. */
static int
fm_document(struct fm_parse *fp, struct frontmatter *fm)
{
	yaml_node_t *root, *k, *v;
	yaml_node_pair_t *pair;
	char *key;
	int rc = 0;

	root = yaml_document_get_root_node(&fp->doc);
	if (root == NULL || fm_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE) {
		fm_error_at(fp, &root->start_mark, "front matter must be a "
		    "mapping with inputs, outputs and args");
		return -1;
	}
	for (pair = root->data.mapping.pairs.start;
	    rc == 0 && pair < root->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(&fp->doc, pair->key);
		v = yaml_document_get_node(&fp->doc, pair->value);
		key = fm_scalar(k);
		if (key == NULL || v == NULL) {
			free(key);
			continue;
		}
		if (strcmp(key, "inputs") == 0)
			rc = fm_section(fp, v, &fm->inputs, true);
		else if (strcmp(key, "outputs") == 0)
			rc = fm_section(fp, v, &fm->outputs, true);
		else if (strcmp(key, "args") == 0)
			rc = fm_section(fp, v, &fm->args, false);
		else if (strcmp(key, "description") == 0 &&
		    v->type == YAML_SCALAR_NODE) {
			free(fm->description);
			fm->description = fm_scalar(v);
		}
		free(key);
	}
	return rc;
}

/*
 * Look for a block in region r. *found is set when one was present.
 * Returns 0, or -1 with fp->err set.
 */
static int
fm_region(struct fm_parse *fp, const struct fm_region *r,
    struct frontmatter *fm, bool *found)
{
	size_t i, j, open = SIZE_MAX, close = SIZE_MAX, len, off, ylen = 0;
	const char *s, *t;
	size_t tlen;
	char *ytext = NULL, *summary = NULL, *tmp;
	yaml_parser_t parser;
	int rc = -1;

	*found = false;
	for (i = r->first; i <= r->last; i++) {
		fm_content(fp, r, i, &s, &len, &off);
		t = s;
		tlen = len;
		fm_trim(&t, &tlen);
		if (tlen == 3 && memcmp(t, "---", 3) == 0) {
			if (open == SIZE_MAX)
				open = i;
			else {
				close = i;
				break;
			}
		} else if (open == SIZE_MAX && tlen > 0) {
			tmp = xasprintf("%s%s%.*s", summary == NULL ? "" :
			    summary, summary == NULL ? "" : "\n", (int)tlen, t);
			free(summary);
			summary = tmp;
		}
	}
	if (open == SIZE_MAX) {
		/* No block: the text still describes the script. */
		if (fm->summary == NULL)
			fm->summary = summary;
		else
			free(summary);
		return 0;
	}
	*found = true;
	fm->found = true;
	fm->line = (int)open + 1;
	if (close == SIZE_MAX) {
		loom_error_set(fp->err, fp->name, (int)open + 1, 1,
		    "front matter block opened here is not closed");
		loom_error_hint(fp->err, "end the block with a line holding "
		    "only '---'%s", r->comment ? "" :
		    " before the docstring closes");
		free(summary);
		return -1;
	}
	free(fm->summary);
	fm->summary = summary;

	/* The block's lines, markers stripped, with their origins. */
	fp->origins = xcalloc(close - open + 1, sizeof *fp->origins);
	for (i = open + 1; i < close; i++)
		ylen += fp->lines[i].len + 1;
	ytext = xmalloc(ylen + 1);
	ylen = 0;
	for (i = open + 1; i < close; i++) {
		fm_content(fp, r, i, &s, &len, &off);
		memcpy(ytext + ylen, s, len);
		/* A lone CR would start a new YAML line: keep lines aligned. */
		for (j = ylen; j < ylen + len; j++)
			if (ytext[j] == '\r')
				ytext[j] = ' ';
		ylen += len;
		ytext[ylen++] = '\n';
		fp->origins[fp->norigins].line = (int)i + 1;
		fp->origins[fp->norigins].coloff = (int)off;
		fp->norigins++;
	}
	ytext[ylen] = '\0';
	fp->ytext = ytext;
	fp->ylen = ylen;

	if (!yaml_parser_initialize(&parser))
		abort();	/* only fails when out of memory */
	yaml_parser_set_input_string(&parser, (const unsigned char *)ytext,
	    ylen);
	if (!yaml_parser_load(&parser, &fp->doc)) {
		fm_error_at(fp, &parser.problem_mark, "malformed front "
		    "matter: %s%s%s", parser.problem != NULL ?
		    parser.problem : "invalid YAML", parser.context != NULL ?
		    " " : "", parser.context != NULL ? parser.context : "");
		loom_error_hint(fp->err, "the block between the '---' lines "
		    "(from line %d) must be valid YAML", (int)open + 1);
		yaml_parser_delete(&parser);
		goto out;
	}
	yaml_parser_delete(&parser);
	rc = fm_document(fp, fm);
	yaml_document_delete(&fp->doc);
out:
	fp->ytext = NULL;
	free(ytext);
	return rc;
}

/*
 * The interface declared in the head of text; NULL with err set when
 * malformed.
 */
struct frontmatter *
frontmatter_parse(const char *name, const char *text, size_t len,
    struct loom_error *err)
{
	struct fm_parse fp;
	struct frontmatter *fm;
	struct fm_region r;
	size_t i = 0, kind, first_kind, skip, j, qlen;
	const char *quote, *q;
	bool found = false;
	int rc = 0;

	memset(&fp, 0, sizeof fp);
	fp.name = name;
	fp.err = err;
	if (len > FRONTMATTER_MAX_READ)
		len = FRONTMATTER_MAX_READ;
	fm = xcalloc(1, sizeof *fm);
	fm_split_lines(&fp, text, len);

	if (fp.nlines > 0 && fp.lines[0].len >= 2 &&
	    memcmp(fp.lines[0].start, "#!", 2) == 0)
		i = 1;
	/*
	 * Examine leading comment blocks and a docstring, in file order,
	 * until the first line of code or the first block found.
	 */
	while (i < fp.nlines && rc == 0 && !found) {
		if (fm_is_blank(&fp.lines[i])) {
			i++;
			continue;
		}
		memset(&r, 0, sizeof r);
		if (fm_comment_prefix(&fp.lines[i], &first_kind) > 0) {
			r.comment = true;
			r.first = i;
			while (i < fp.nlines &&
			    fm_comment_prefix(&fp.lines[i], &kind) > 0 &&
			    kind == first_kind)
				i++;
			r.last = i - 1;
			rc = fm_region(&fp, &r, fm, &found);
			free(fp.origins);
			fp.origins = NULL;
			fp.norigins = 0;
			continue;
		}
		if (!fm_docstring_start(&fp.lines[i], &skip, &quote))
			break;
		r.first = i;
		r.head_skip = skip;
		/* Find the closing quotes, maybe on the opening line. */
		for (j = i; j < fp.nlines; j++) {
			q = j == i ? fp.lines[j].start + skip :
			    fp.lines[j].start;
			qlen = j == i ? fp.lines[j].len - skip :
			    fp.lines[j].len;
			q = memmem(q, qlen, quote, 3);
			if (q != NULL) {
				r.tail_len = (size_t)(q - fp.lines[j].start);
				break;
			}
		}
		if (j == fp.nlines) {
			/* Unclosed (or longer than what was read). */
			j = fp.nlines - 1;
			r.tail_len = fp.lines[j].len;
		}
		r.last = j;
		rc = fm_region(&fp, &r, fm, &found);
		free(fp.origins);
		fp.origins = NULL;
		fp.norigins = 0;
		break;
	}
	free(fp.lines);
	if (rc != 0) {
		frontmatter_free(fm);
		return NULL;
	}
	return fm;
}

/* Read the head of path and parse its front matter. */
struct frontmatter *
frontmatter_parse_file(const char *path, struct loom_error *err)
{
	struct frontmatter *fm;
	char *buf;
	size_t len = 0;
	ssize_t r;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot open %s: %s", path,
		    strerror(saved));
		return NULL;
	}
	buf = xmalloc(FRONTMATTER_MAX_READ + 1);
	while (len < FRONTMATTER_MAX_READ) {
		r = read(fd, buf + len, FRONTMATTER_MAX_READ - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			loom_error_set(err, path, 0, 0, "cannot read %s: %s",
			    path, strerror(saved));
			close(fd);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	fm = frontmatter_parse(path, buf, len, err);
	free(buf);
	return fm;
}

static void
fm_list_free(struct frontmatter_list *list)
{
	size_t i;
	struct frontmatter_item *it;

	for (i = 0; i < list->n; i++) {
		it = &list->v[i];
		free(it->name);
		free(it->type);
		free(it->default_text);
		free(it->description);
		strv_free(&it->choices);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* Free fm and its entries; NULL is fine. */
void
frontmatter_free(struct frontmatter *fm)
{
	if (fm == NULL)
		return;
	fm_list_free(&fm->inputs);
	fm_list_free(&fm->outputs);
	fm_list_free(&fm->args);
	free(fm->description);
	free(fm->summary);
	free(fm);
}

/* The entry called name in list, or NULL. */
const struct frontmatter_item *
frontmatter_find(const struct frontmatter_list *list, const char *name)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (list->v[i].name != NULL &&
		    strcmp(list->v[i].name, name) == 0)
			return &list->v[i];
	return NULL;
}
