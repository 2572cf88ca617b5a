/* SPDX-License-Identifier: MIT */
/*
 * file.preview: what the editor shows when a data node is clicked. The
 * file must lie inside the experiment's folder (the folder holding the
 * pipeline file): no "..", no absolute path, no symbolic link leading
 * out, no FIFO or device (opened without blocking and refused), nothing
 * over the read limit. The answer is a small summary by kind:
 *
 *   image   size only; the editor loads the bytes from the bridge's
 *           sandboxed /file endpoint (http.c)
 *   csv     the first rows, split into cells
 *   json    pretty-printed (or the head as text when it does not parse)
 *   text    the head, when it is UTF-8
 *   binary  size only
 *   dir     the first entries
 *   url     the address; nothing is fetched
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/paths.h"
#include "common/model/pipeline.h"
#include "common/plan/plan.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/rpc-params.h"
#include "loomd/rpc.h"
#include "loomd/ws.h"

#define PREVIEW_HEAD		(64 * 1024)	/* text and CSV bytes read */
#define PREVIEW_JSON_MAX	(1024 * 1024)	/* JSON pretty-printed up to */
#define PREVIEW_ROWS		20
#define PREVIEW_COLS		50
#define PREVIEW_ENTRIES		100

static json_t	*rpc_files_preview(struct loomd *loomd,
		    struct rpc_client *client, json_t *params,
		    struct rpc_error *err);
static json_t	*rpc_files_csv(const char *text, size_t len, char sep);
static const char *rpc_files_kind(const char *path);
static void	 rpc_files_refuse(struct rpc_error *err, const char *path,
		    int errnum);

const struct rpc_method rpc_file_methods[] = {
	{ LOOM_METHOD_FILE_PREVIEW, rpc_files_preview },
	{ NULL, NULL },
};

/* Error -32005 naming the path and errno. */
static void
rpc_files_refuse(struct rpc_error *err, const char *path, int errnum)
{
	rpc_error_set(err, LOOM_ERR_FILE, json_pack("{s:s, s:i}", "path", path,
	    "errno", errnum), "cannot preview %s: %s", path,
	    errnum == EACCES ? "outside the experiment's folder or not a "
	    "regular file" : strerror(errnum));
}

/* The preview kind by file name. */
static const char *
rpc_files_kind(const char *path)
{
	static const char *const images[] = { ".png", ".jpg", ".jpeg",
	    ".gif", ".webp", ".bmp", ".svg" };
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return "text";
	for (i = 0; i < sizeof images / sizeof images[0]; i++) {
		if (strcasecmp(dot, images[i]) == 0)
			return "image";
	}
	if (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".tsv") == 0)
		return "csv";
	if (strcasecmp(dot, ".json") == 0)
		return "json";
	return "text";
}

/* Split the head of a CSV text into rows of cells (quotes understood). */
static json_t *
rpc_files_csv(const char *text, size_t len, char sep)
{
	json_t *rows = json_array(), *row = json_array();
	char *cell = xmalloc(len + 1);
	size_t i, n = 0;
	bool quoted = false;

	for (i = 0; i < len && json_array_size(rows) < PREVIEW_ROWS; i++) {
		char c = text[i];

		if (quoted) {
			if (c == '"' && i + 1 < len && text[i + 1] == '"') {
				cell[n++] = '"';
				i++;
			} else if (c == '"')
				quoted = false;
			else
				cell[n++] = c;
			continue;
		}
		if (c == '"' && n == 0)
			quoted = true;
		else if (c == sep || c == '\n') {
			if (json_array_size(row) < PREVIEW_COLS)
				json_array_append_new(row,
				    json_stringn_nocheck(cell, n));
			n = 0;
			if (c == '\n') {
				json_array_append_new(rows, row);
				row = json_array();
			}
		} else if (c != '\r')
			cell[n++] = c;
	}
	if ((n > 0 || json_array_size(row) > 0) &&
	    json_array_size(rows) < PREVIEW_ROWS && i >= len) {
		json_array_append_new(row, json_stringn_nocheck(cell, n));
		json_array_append_new(rows, row);
	} else
		json_decref(row);
	free(cell);
	return rows;
}

/* file.preview {"file": pipeline, "data": NAME | "path": RELATIVE} */
/*
 * The path (relative to dir) that a preview of data entry name of the
 * pipeline real shows, or NULL with err set, or NULL with *url set to a
 * finished reply for URL data.
 */
static char *
rpc_files_data_rel(const char *real, const char *file, const char *dir,
    const char *name, json_t **url, struct rpc_error *err)
{
	struct plan_request rq = { .file = real, .keep_invalid = true };
	struct loom_error lerr;
	struct pipeline *p;
	const struct data_entry *d;
	struct plan pl;
	char *abs = NULL, *rel = NULL;

	/* As every method reads a pipeline; a broken one will do. */
	(void)plan_make(&pl, &rq);
	p = pl.p;
	if (p == NULL || (d = pipeline_data(p, name)) == NULL) {
		rpc_error_set(err, LOOM_ERR_USAGE, NULL,
		    "no data entry %s in %s", name, file);
		goto out;
	}
	if (d->path != NULL && d->path->text != NULL &&
	    (strncmp(d->path->text, "http://", 7) == 0 ||
	    strncmp(d->path->text, "https://", 8) == 0)) {
		*url = json_pack("{s:s, s:s, s:i, s:b, s:s}", "path",
		    d->path->text, "kind", "url", "size", 0, "truncated", 0,
		    "url", d->path->text);
		goto out;
	}
	loom_error_clear(&lerr);
	if ((abs = pipeline_data_path(p, d, &lerr)) == NULL) {
		rpc_error_set(err, LOOM_ERR_USAGE, NULL, "%s", lerr.message);
		goto out;
	}
	if (strncmp(abs, dir, strlen(dir)) != 0 || abs[strlen(dir)] != '/') {
		rpc_files_refuse(err, abs, EACCES);
		goto out;
	}
	rel = xstrdup(abs + strlen(dir) + 1);
out:
	free(abs);
	plan_free(&pl);
	return rel;
}

/*
 * Open rel inside dir for a preview, without following a link out and
 * without blocking on a FIFO: the descriptor, or -1 with err set.
 * *resolved gets the confined path (owned) when the open succeeded.
 */
static int
rpc_files_open(const char *dir, const char *rel, char **resolved,
    struct rpc_error *err)
{
	struct loom_error lerr;
	char link[64], back[PATH_MAX];
	ssize_t n;
	int fd;

	loom_error_clear(&lerr);
	if ((*resolved = paths_confine(dir, rel, false, &lerr)) == NULL) {
		rpc_files_refuse(err, rel, errno == ENOENT ? ENOENT : EACCES);
		return -1;
	}
	fd = open(*resolved, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_DIRECTORY);
	if (fd == -1 && errno == ENOTDIR)
		fd = open(*resolved, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		rpc_files_refuse(err, rel, errno == ENOENT ? ENOENT : EACCES);
		goto fail;
	}
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, back, sizeof back - 1)) >= 0) {
		back[n] = '\0';
		if (strcmp(back, *resolved) != 0) {
			rpc_files_refuse(err, rel, EACCES);
			close(fd);
			goto fail;
		}
	}
	return fd;
fail:
	free(*resolved);
	*resolved = NULL;
	return -1;
}

/* A folder's preview: its visible names. */
static json_t *
rpc_files_dir(const char *resolved, const char *rel)
{
	struct dirent **ents;
	json_t *entries = json_array();
	int i, count, shown = 0;

	/* size counts what a listing shows: no "." or "..", no hidden
	   names. */
	count = scandir(resolved, &ents, NULL, alphasort);
	for (i = 0; i < count; i++) {
		if (ents[i]->d_name[0] != '.' && shown++ < PREVIEW_ENTRIES)
			json_array_append_new(entries,
			    json_string(ents[i]->d_name));
		free(ents[i]);
	}
	if (count >= 0)
		free(ents);
	return json_pack("{s:s, s:s, s:i, s:b, s:o}", "path", rel, "kind",
	    "dir", "size", shown, "truncated", shown > PREVIEW_ENTRIES,
	    "entries", entries);
}

/* A JSON file read whole (got bytes of buf), pretty-printed; or NULL. */
static json_t *
rpc_files_json(const char *rel, const char *buf, size_t got, off_t size)
{
	json_t *j, *r;
	char *pretty;

	if ((size_t)size != got || (j = json_loadb(buf, got, 0, NULL)) ==
	    NULL)
		return NULL;
	pretty = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
	json_decref(j);
	if (pretty != NULL && strlen(pretty) > PREVIEW_HEAD)
		pretty[PREVIEW_HEAD] = '\0';
	r = json_pack("{s:s, s:s, s:I, s:b, s:s}", "path", rel, "kind", "json",
	    "size", (json_int_t)size, "truncated", pretty != NULL &&
	    strlen(pretty) >= PREVIEW_HEAD, "text", pretty != NULL ? pretty :
	    "");
	free(pretty);
	return r;
}

/* A regular file's preview from its first bytes. */
static json_t *
rpc_files_content(int fd, const struct stat *sb, const char *rel)
{
	const char *kind = rpc_files_kind(rel);
	size_t want, got = 0;
	json_t *r;
	ssize_t n;
	char *buf;

	if (strcmp(kind, "image") == 0)
		return json_pack("{s:s, s:s, s:I, s:b}", "path", rel, "kind",
		    "image", "size", (json_int_t)sb->st_size, "truncated", 0);
	want = strcmp(kind, "json") == 0 ? PREVIEW_JSON_MAX : PREVIEW_HEAD;
	if ((size_t)sb->st_size < want)
		want = (size_t)sb->st_size;
	buf = xmalloc(want + 1);
	while (got < want) {
		n = read(fd, buf + got, want - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (strcmp(kind, "json") == 0 &&
	    (r = rpc_files_json(rel, buf, got, sb->st_size)) != NULL)
		goto out;
	if (got > PREVIEW_HEAD)
		got = PREVIEW_HEAD;
	/* Cut at a character boundary so a split UTF-8 tail is no reason
	 * to call the file binary. */
	while (got > 0 && got < (size_t)sb->st_size &&
	    ((unsigned char)buf[got - 1] & 0xc0) == 0x80)
		got--;
	if (got > 0 && got < (size_t)sb->st_size &&
	    (unsigned char)buf[got - 1] >= 0xc0)
		got--;
	if (memchr(buf, '\0', got) != NULL ||
	    !ws_utf8_valid((unsigned char *)buf, got))
		r = json_pack("{s:s, s:s, s:I, s:b}", "path", rel, "kind",
		    "binary", "size", (json_int_t)sb->st_size, "truncated", 1);
	else if (strcmp(kind, "csv") == 0)
		r = json_pack("{s:s, s:s, s:I, s:b, s:o}", "path", rel,
		    "kind", "csv", "size", (json_int_t)sb->st_size,
		    "truncated", got < (size_t)sb->st_size, "rows",
		    rpc_files_csv(buf, got, strcasecmp(strrchr(rel, '.'),
		    ".tsv") == 0 ? '\t' : ','));
	else
		r = json_pack("{s:s, s:s, s:I, s:b, s:s%}", "path", rel,
		    "kind", "text", "size", (json_int_t)sb->st_size,
		    "truncated", got < (size_t)sb->st_size, "text", buf, got);
out:
	free(buf);
	return r;
}

static json_t *
rpc_files_preview(struct loomd *loomd, struct rpc_client *client,
    json_t *params, struct rpc_error *err)
{
	struct stat sb;
	const char *file, *name, *relp;
	char *real = NULL, *dir = NULL, *rel = NULL, *resolved = NULL;
	json_t *r = NULL;
	bool exists;
	int fd = -1;

	if ((file = rpc_param_string(params, "file", true, err)) == NULL)
		return NULL;
	name = rpc_param_string(params, "data", false, err);
	if (err->code != 0)
		return NULL;
	relp = rpc_param_string(params, "path", false, err);
	if (err->code != 0)
		return NULL;
	if ((name == NULL) == (relp == NULL)) {
		rpc_error_set(err, JSONRPC_INVALID_PARAMS, NULL,
		    "give exactly one of \"data\" and \"path\"");
		return NULL;
	}
	/* A pipeline not created yet (loomctl ui --new) has its folder. */
	if ((real = realpath(file, NULL)) == NULL && (errno != ENOENT ||
	    name != NULL || (real = rpc_params_pipeline_file(file, &exists,
	    err)) == NULL)) {
		if (err->code == 0)
			rpc_files_refuse(err, file, errno);
		return NULL;
	}
	dir = xstrndup(real, (size_t)(strrchr(real, '/') - real));
	if (dir[0] == '\0') {
		free(dir);
		dir = xstrdup("/");
	}
	rel = name != NULL ? rpc_files_data_rel(real, file, dir, name, &r,
	    err) : xstrdup(relp);
	if (rel == NULL ||
	    (fd = rpc_files_open(dir, rel, &resolved, err)) == -1)
		goto out;
	if (fstat(fd, &sb) == -1)
		rpc_files_refuse(err, rel, errno);
	else if (S_ISDIR(sb.st_mode))
		r = rpc_files_dir(resolved, rel);
	else if (!S_ISREG(sb.st_mode))
		rpc_files_refuse(err, rel, EACCES);
	else
		r = rpc_files_content(fd, &sb, rel);
out:
	if (fd != -1)
		close(fd);
	free(resolved);
	free(rel);
	free(dir);
	free(real);
	return r;
}
