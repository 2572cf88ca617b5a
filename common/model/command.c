/* SPDX-License-Identifier: MIT */
/*
 * Command building: a step's argument vector (interpreter, task, inputs,
 * outputs, args, extra), the choice of interpreter, shell-like splitting
 * of --extra and interpreter strings, and POSIX shell quoting for dry
 * runs. The rules are in command.h. Nothing here runs a shell or a
 * process; the only system call is the executable check of a task.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"

/* Interpreters by extension (README, "How a step becomes a command"); .py is special-cased. */
static const struct {
	const char *ext;
	const char *program;
} command_defaults[] = {
	{ ".sh", "bash" },
	{ ".R", "Rscript" },
	{ ".jl", "julia" },
	{ ".js", "node" },
};

static const char	*command_extension(const char *);
static int		 command_words(const struct pipeline *,
			     const struct value *, struct strv *,
			     struct loom_error *);
static char		*command_scalar(const struct pipeline *,
			     const struct value *, const char *, const char *,
			     bool, struct loom_error *);
static int		 command_push_value(const struct pipeline *,
			     const struct value *, const char *, const char *,
			     bool, struct strv *, size_t *,
			     struct loom_error *);
static int		 command_push_word(const struct pipeline *,
			     const struct value *, char *, struct strv *,
			     size_t *, struct loom_error *);
static const struct param *command_param_ref(const struct pipeline *,
			     const struct value *, bool *);
static bool		 command_is_url(const char *);

/* The extension of path's file name (".py"), or NULL. */
static const char *
command_extension(const char *path)
{
	const char *base, *dot;

	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base || dot[1] == '\0')
		return NULL;
	return dot;
}

static bool
command_is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/*
 * Interpreter words from an interpreter: value (a string split like a
 * shell would, or a list of scalars used word for word).
 */
static int
command_words(const struct pipeline *p, const struct value *v,
    struct strv *out, struct loom_error *err)
{
	size_t i;

	if (v->type == VALUE_LIST) {
		for (i = 0; i < v->nitems; i++) {
			if (!value_is_scalar(v->items[i]) ||
			    v->items[i]->text == NULL) {
				loom_error_set(err, p->path,
				    v->items[i]->span.line,
				    v->items[i]->span.column,
				    "an interpreter word must be a string");
				return -1;
			}
			strv_push(out, v->items[i]->text);
		}
		return 0;
	}
	if (!value_is_scalar(v) || v->text == NULL) {
		loom_error_set(err, p->path, v->span.line, v->span.column,
		    "an interpreter must be a string or a list of strings");
		return -1;
	}
	if (command_split(v->text, out, err) != 0) {
		if (err == NULL)
			return -1;
		err->line = v->span.line;
		err->column = v->span.column;
		snprintf(err->file, sizeof err->file, "%s", p->path);
		return -1;
	}
	return 0;
}

/* Append step's interpreter words to out (none for a task run directly). */
int
command_interpreter(const struct pipeline *p, size_t step,
    const struct command_env *env, struct strv *out, struct loom_error *err)
{
	const struct step *st = &p->steps[step];
	const struct kv *kv;
	const char *ext;
	char *task;
	struct stat sb;
	size_t i;

	/* Only in an invalid pipeline, which pipeline.open still shows. */
	if (st->task == NULL) {
		loom_error_set(err, p->path, st->span.line, st->span.column,
		    "step '%s' has no task", st->name);
		return -1;
	}
	if (st->interpreter.n == 1) {
		if (command_split(st->interpreter.v[0], out, err) == 0)
			return 0;
		loom_error_hint(err, "the interpreter of step '%s' (%s line "
		    "%d) is split like a shell would; use a list for exact "
		    "words", st->name, p->path, st->span.line);
		return -1;
	}
	if (st->interpreter.n > 1) {
		for (i = 0; i < st->interpreter.n; i++)
			strv_push(out, st->interpreter.v[i]);
		return 0;
	}

	ext = command_extension(st->task);
	if (ext != NULL) {
		kv = kvlist_get(&p->exec.interpreters, ext);
		if (kv != NULL && kv->value != NULL)
			return command_words(p, kv->value, out, err);
		if (strcmp(ext, ".py") == 0) {
			if (env != NULL && env->virtual_env != NULL &&
			    *env->virtual_env != '\0')
				strv_push_owned(out, xasprintf("%s/bin/python",
				    env->virtual_env));
			else
				strv_push(out, "python3");
			return 0;
		}
		for (i = 0; i < sizeof command_defaults /
		    sizeof command_defaults[0]; i++) {
			if (strcmp(ext, command_defaults[i].ext) == 0) {
				strv_push(out, command_defaults[i].program);
				return 0;
			}
		}
	}

	task = pipeline_abspath(p, st->task);
	if (stat(task, &sb) != 0) {
		loom_error_set(err, p->path, st->task_span.line,
		    st->task_span.column, "cannot run task %s of step '%s': %s",
		    st->task, st->name, strerror(errno));
		free(task);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || access(task, X_OK) != 0) {
		loom_error_set(err, p->path, st->task_span.line,
		    st->task_span.column, "no interpreter for task %s of step "
		    "'%s': %s and the file is not executable", st->task,
		    st->name, ext == NULL ? "it has no extension" :
		    "its extension is not known");
		loom_error_hint(err, "give the step an 'interpreter:', set "
		    "execution.interpreters, or make the file executable "
		    "(chmod +x %s)", st->task);
		free(task);
		return -1;
	}
	free(task);
	return 0;
}

/*
 * The parameter v refers to as a whole ("$verbose" or "${verbose}"), when
 * no data entry of that name hides it; else NULL. *plain tells whether
 * expanding v reads the same name (letters, digits and _, not a loop
 * value), so that v expands to the parameter's text.
 */
static const struct param *
command_param_ref(const struct pipeline *p, const struct value *v,
    bool *plain)
{
	const char *t, *end;
	char buf[128], *name;
	const struct param *pa = NULL;
	size_t len, i;

	*plain = false;
	if (v->type != VALUE_STRING || v->text == NULL || v->text[0] != '$')
		return NULL;
	t = v->text + 1;
	if (*t == '{') {
		t++;
		end = strchr(t, '}');
		if (end == NULL || end[1] != '\0')
			return NULL;
		len = (size_t)(end - t);
	} else
		len = strlen(t);
	if (len == 0 || strcspn(t, "${}/ .-") < len)
		return NULL;
	name = xstrndup_buf(t, len, buf, sizeof buf);
	if (pipeline_data(p, name) == NULL)
		pa = pipeline_param(p, name);
	if (pa != NULL && strcmp(name, "loop_item") != 0 &&
	    strcmp(name, "loop_output") != 0 &&
	    !(name[0] >= '0' && name[0] <= '9')) {
		for (i = 0; name[i] == '_' || (name[i] >= 'a' &&
		    name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9'); i++)
			;
		*plain = name[i] == '\0';
	}
	xstrbuf_free(name, buf);
	return pa;
}

/*
 * The text of scalar v: a whole data reference gives the entry's
 * absolute path, anything else is expanded; with as_path a relative
 * result is made absolute. Owned string, or NULL with err set.
 */
static char *
command_scalar(const struct pipeline *p, const struct value *v,
    const char *loop_item, const char *loop_output, bool as_path,
    struct loom_error *err)
{
	const struct data_entry *de;
	char *s, *abs;

	if (!value_is_scalar(v) || v->text == NULL) {
		loom_error_set(err, p->path, v->span.line, v->span.column,
		    "expected a single value here, not a %s",
		    v->type == VALUE_MAP ? "mapping" : "list");
		return NULL;
	}
	de = pipeline_value_ref(p, v);
	if (de != NULL)
		return pipeline_data_path(p, de, err);
	s = pipeline_expand(p, v->text, &v->span, loop_item, loop_output, err);
	if (s == NULL || !as_path || command_is_url(s) || *s == '\0')
		return s;
	abs = pipeline_abspath(p, s);
	free(s);
	return abs;
}

/*
 * Append the words of a port or argument value to argv: each item of a
 * list, or the scalar itself (command_scalar). 0, or -1 with err set.
 */
static int
command_push_value(const struct pipeline *p, const struct value *v,
    const char *loop_item, const char *loop_output, bool as_path,
    struct strv *argv, size_t *total, struct loom_error *err)
{
	size_t j, n = v->type == VALUE_LIST ? v->nitems : 1;
	const struct value *w;
	char *s;

	for (j = 0; j < n; j++) {
		w = v->type == VALUE_LIST ? v->items[j] : v;
		s = command_scalar(p, w, loop_item, loop_output, as_path, err);
		if (s == NULL ||
		    command_push_word(p, w, s, argv, total, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * Append s (owned, the text of value w) to argv, counting it against the
 * size of one command. 0, or -1 with err set.
 */
static int
command_push_word(const struct pipeline *p, const struct value *w, char *s,
    struct strv *argv, size_t *total, struct loom_error *err)
{
	strv_push_owned(argv, s);
	*total += strlen(s) + 1;
	if (*total > COMMAND_MAX_BYTES) {
		loom_error_set(err, p->path, w->span.line, w->span.column,
		    "the command passes %d bytes here, the limit for one "
		    "command", COMMAND_MAX_BYTES);
		loom_error_hint(err, "pass large values in a file, not on "
		    "the command line");
		return -1;
	}
	return 0;
}

/* Append step's argument vector to argv; 0, or -1 with err set. */
int
command_build(const struct pipeline *p, size_t step,
    const struct command_env *env, const char *loop_item,
    const char *loop_output, const char *extra, struct strv *argv,
    struct loom_error *err)
{
	const struct step *st = &p->steps[step];
	const struct kv *kv;
	const struct value *v, *pv;
	const struct param *pa;
	char *task;
	size_t i, total = 0;
	bool plain;

	if (command_interpreter(p, step, env, argv, err) != 0)
		return -1;

	task = pipeline_expand(p, st->task, &st->task_span, loop_item,
	    loop_output, err);
	if (task == NULL)
		return -1;
	strv_push_owned(argv, pipeline_abspath(p, task));
	free(task);

	for (i = 0; i < st->inputs.n; i++) {
		v = st->inputs.v[i].value;
		if (v == NULL || v->type == VALUE_NULL)
			continue;
		if (command_push_value(p, v, loop_item, loop_output, false,
		    argv, &total, err) != 0)
			return -1;
	}

	for (i = 0; i < st->outputs.n; i++) {
		kv = &st->outputs.v[i];
		v = kv->value;
		if (v == NULL || v->type == VALUE_NULL)
			continue;
		strv_push(argv, kv->key);
		if (command_push_value(p, v, loop_item, loop_output, true,
		    argv, &total, err) != 0)
			return -1;
	}

	for (i = 0; i < st->args.n; i++) {
		kv = &st->args.v[i];
		v = kv->value;
		pa = v != NULL ? command_param_ref(p, v, &plain) : NULL;
		pv = pa != NULL ? pa->value : v;
		if (pv == NULL || pv->type == VALUE_NULL)
			continue;
		if (pv->type == VALUE_BOOL) {
			if (pv->boolean)
				strv_push(argv, kv->key);
			continue;
		}
		strv_push(argv, kv->key);
		/* "$rate": its text, without resolving the name again. */
		if (plain && value_is_scalar(pv) && pv->text != NULL &&
		    strlen(pv->text) <= PIPELINE_MAX_EXPANDED) {
			if (command_push_word(p, v, xstrdup(pv->text), argv,
			    &total, err) != 0)
				return -1;
			continue;
		}
		if (command_push_value(p, v, loop_item, loop_output, false,
		    argv, &total, err) != 0)
			return -1;
	}

	if (extra != NULL && command_split(extra, argv, err) != 0) {
		loom_error_hint(err, "check the quotes in --extra");
		return -1;
	}
	return 0;
}

/* Append the absolute paths step writes to out. */
int
command_output_paths(const struct pipeline *p, size_t step,
    const char *loop_output, struct strv *out, struct loom_error *err)
{
	const struct step *st = &p->steps[step];
	const struct value *v, *w;
	char *s;
	size_t i, j;

	for (i = 0; i < st->outputs.n; i++) {
		v = st->outputs.v[i].value;
		if (v == NULL || v->type == VALUE_NULL)
			continue;
		for (j = 0; j < (v->type == VALUE_LIST ? v->nitems : 1); j++) {
			w = v->type == VALUE_LIST ? v->items[j] : v;
			if (loop_output == NULL && w->text != NULL &&
			    (strstr(w->text, "$loop_output") != NULL ||
			    strstr(w->text, "${loop_output}") != NULL))
				continue;
			s = command_scalar(p, w, NULL, loop_output, true, err);
			if (s == NULL)
				return -1;
			if (command_is_url(s))
				free(s);
			else
				strv_push_owned(out, s);
		}
	}
	return 0;
}

/* Append the absolute paths of step's data inputs to out. */
int
command_input_paths(const struct pipeline *p, size_t step,
    const char *loop_item, struct strv *out, struct loom_error *err)
{
	const struct step *st = &p->steps[step];
	const struct value *v, *w;
	const struct data_entry *de;
	char *s;
	size_t i, j;

	for (i = 0; i < st->inputs.n; i++) {
		v = st->inputs.v[i].value;
		if (v == NULL || v->type == VALUE_NULL)
			continue;
		for (j = 0; j < (v->type == VALUE_LIST ? v->nitems : 1); j++) {
			w = v->type == VALUE_LIST ? v->items[j] : v;
			de = pipeline_value_ref(p, w);
			if (de != NULL) {
				s = pipeline_data_path(p, de, err);
				if (s == NULL)
					return -1;
				strv_push_owned(out, s);
			} else if (loop_item != NULL && w->text != NULL &&
			    strcmp(w->text, "$loop_item") == 0)
				strv_push(out, loop_item);
		}
	}
	return 0;
}

/* Split text into words like a POSIX shell, without expansions. */
int
command_split(const char *text, struct strv *out, struct loom_error *err)
{
	enum { SPACE, WORD, SQUOTE, DQUOTE } state = SPACE;
	char *buf;
	size_t n = 0;
	const char *s;

	buf = xmalloc(strlen(text) + 1);
	for (s = text; *s != '\0'; s++) {
		switch (state) {
		case SPACE:
		case WORD:
			if (*s == ' ' || *s == '\t' || *s == '\n') {
				if (state == WORD) {
					buf[n] = '\0';
					strv_push(out, buf);
					n = 0;
				}
				state = SPACE;
				continue;
			}
			state = WORD;
			if (*s == '\'')
				state = SQUOTE;
			else if (*s == '"')
				state = DQUOTE;
			else if (*s == '\\') {
				if (s[1] == '\0')
					goto trailing;
				s++;
				if (*s != '\n')
					buf[n++] = *s;
			} else
				buf[n++] = *s;
			break;
		case SQUOTE:
			if (*s == '\'')
				state = WORD;
			else
				buf[n++] = *s;
			break;
		case DQUOTE:
			if (*s == '"')
				state = WORD;
			else if (*s == '\\' && s[1] != '\0' &&
			    strchr("\"\\$`", s[1]) != NULL)
				buf[n++] = *++s;
			else if (*s == '\\' && s[1] == '\n')
				s++;
			else
				buf[n++] = *s;
			break;
		}
	}
	if (state == SQUOTE || state == DQUOTE) {
		loom_error_set(err, NULL, 0, 0, "unterminated %s quote in '%s'",
		    state == SQUOTE ? "single" : "double", text);
		free(buf);
		return -1;
	}
	if (state == WORD) {
		buf[n] = '\0';
		strv_push(out, buf);
	}
	free(buf);
	return 0;
trailing:
	loom_error_set(err, NULL, 0, 0, "trailing backslash in '%s'", text);
	free(buf);
	return -1;
}

/*
 * Characters that never need quoting in a POSIX shell word: letters,
 * digits and _@%+=:,./- as a bit set of the ASCII codes (a dry run
 * tests every character of every command).
 */
#define COMMAND_SAFE_LO	UINT64_C(0x27fff82000000000)
#define COMMAND_SAFE_HI	UINT64_C(0x07fffffe87ffffff)
#define COMMAND_SAFE(c)	\
	((((c) < 64 ? COMMAND_SAFE_LO : COMMAND_SAFE_HI) >> ((c) & 63)) & 1)
#define COMMAND_SAFE4(c) COMMAND_SAFE(c), COMMAND_SAFE((c) + 1), \
	COMMAND_SAFE((c) + 2), COMMAND_SAFE((c) + 3)
#define COMMAND_SAFE16(c) COMMAND_SAFE4(c), COMMAND_SAFE4((c) + 4), \
	COMMAND_SAFE4((c) + 8), COMMAND_SAFE4((c) + 12)
#define COMMAND_SAFE64(c) COMMAND_SAFE16(c), COMMAND_SAFE16((c) + 16), \
	COMMAND_SAFE16((c) + 32), COMMAND_SAFE16((c) + 48)

/* The same as a table of every byte (NUL and non-ASCII are not safe). */
static const unsigned char command_safe[256] = {
	COMMAND_SAFE64(0), COMMAND_SAFE64(64)
};

/*
 * word quoted for a POSIX shell into o, which has room for 4 * strlen +
 * 2 bytes; returns its length. A first word such as "A=b" would be read
 * as an assignment, so with first a word holding '=' is quoted even
 * when safe. A safe word is told by the table, then copied in one piece.
 */
static size_t
command_quote_into(char *o, const char *word, bool first)
{
	const char *s;
	size_t n;

	for (s = word; command_safe[(unsigned char)*s]; s++)
		;
	if (*s == '\0' && s != word && !(first && strchr(word, '=') != NULL)) {
		memcpy(o, word, (size_t)(s - word));
		return (size_t)(s - word);
	}
	n = 1;
	for (s = word; *s != '\0'; s++) {
		if (*s != '\'') {
			o[n++] = *s;
		} else {
			memcpy(o + n, "'\\''", 4);
			n += 4;
		}
	}
	o[0] = o[n] = '\'';
	return n + 1;
}

/* word quoted for a POSIX shell; an owned string. */
char *
command_quote_word(const char *word)
{
	char *out = xmalloc(strlen(word) * 4 + 3);

	out[command_quote_into(out, word, false)] = '\0';
	return out;
}

/* How c is written in a comment ("\n", "\x01", or c itself) into buf. */
static size_t
command_printable_char(unsigned char c, char buf[5])
{
	if (c == '\n' || c == '\r' || c == '\t' || c == '\\') {
		buf[0] = '\\';
		buf[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' :
		    '\\';
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(buf, 5, "\\x%02x", c);
		return 4;
	}
	buf[0] = (char)c;
	return 1;
}

/*
 * text for a "#" comment line: control characters (a line break would
 * end the comment and start a command) become \n, \r, \t or \xNN, and
 * a backslash is doubled. An owned string.
 */
char *
command_printable(const char *text)
{
	const unsigned char *s;
	char *out, *o;

	out = o = xmalloc(strlen(text) * 4 + 1);
	for (s = (const unsigned char *)text; *s != '\0'; s++)
		o += command_printable_char(*s, o);
	*o = '\0';
	return out;
}

/*
 * Write text to f as command_printable would make it, without a copy:
 * runs of characters that stay as they are go out in one fwrite.
 */
void
command_fputs_printable(const char *text, FILE *f)
{
	const unsigned char *s, *run;
	char buf[5];

	for (s = run = (const unsigned char *)text; *s != '\0'; s++) {
		if (*s >= 0x20 && *s != 0x7f && *s != '\\')
			continue;
		fwrite(run, 1, (size_t)(s - run), f);
		fwrite(buf, 1, command_printable_char(*s, buf), f);
		run = s + 1;
	}
	fwrite(run, 1, (size_t)(s - run), f);
}

/*
 * argv as one pasteable shell line; an owned string, made in one piece
 * and one pass over each word (sized for the worst case, every byte a
 * quote).
 */
char *
command_quote(const struct strv *argv)
{
	char *line;
	size_t i, len = 1;

	for (i = 0; i < argv->n; i++)
		len += strlen(argv->v[i]) * 4 + 3;
	line = xmalloc(len);
	len = 0;
	for (i = 0; i < argv->n; i++) {
		if (i > 0)
			line[len++] = ' ';
		len += command_quote_into(line + len, argv->v[i], i == 0);
	}
	line[len] = '\0';
	return line;
}
