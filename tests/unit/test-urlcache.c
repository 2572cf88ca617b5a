/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/fresh/urlcache.c against a local HTTP server
 * (tests/integration/httpserver.py, started by the test). Covers: cache
 * file names (hash prefix, extension kept, query dropped, unsafe
 * characters replaced); first use downloads, second use reuses without a
 * request; a redirect is followed; 404 and 500 are errors naming the URL
 * and the status and leave nothing behind; a connection dropped mid-body
 * (with a Content-Length, and inside a chunked body) is an error that
 * leaves nothing; a refused connection is an error naming the URL;
 * urlcache_resolve_pipeline points a URL data entry at the cached file;
 * urlcache_clear removes the cache.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/model/pipeline.h"
#include "common/fresh/urlcache.h"
#include "common/util/xmalloc.h"

struct fixture {
	char dir[64];
	char *root;		/* served folder */
	char *exp;		/* experiment folder */
	char *log;		/* request log */
	pid_t server;
	int port;
};

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char *portfile, *script, *text, *p;
	int i;

	snprintf(f->dir, sizeof f->dir, "/tmp/loom-test-url-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->root = xasprintf("%s/www", f->dir);
	f->exp = xasprintf("%s/exp", f->dir);
	f->log = xasprintf("%s/requests.log", f->dir);
	assert_int_equal(mkdir(f->root, 0755), 0);
	assert_int_equal(mkdir(f->exp, 0755), 0);
	p = xasprintf("%s/data.csv", f->root);
	write_file(p, "a,b\n1,2\n");
	free(p);
	portfile = xasprintf("%s/port", f->dir);
	script = xasprintf("%s/integration/httpserver.py", LOOM_TEST_DATA);
	f->server = fork();
	assert_true(f->server >= 0);
	if (f->server == 0) {
		execlp("python3", "python3", script, "--root", f->root,
		    "--port-file", portfile, "--log", f->log, (char *)NULL);
		_exit(127);
	}
	/* Up to a minute: python starts slowly on a loaded machine. */
	for (i = 0; i < 3000 && access(portfile, F_OK) == -1; i++)
		nanosleep(&ts, NULL);
	text = fileio_read(portfile, 64, NULL, NULL);
	assert_non_null(text);
	f->port = atoi(text);
	free(text);
	free(portfile);
	free(script);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	int status;

	kill(f->server, SIGTERM);
	waitpid(f->server, &status, 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->root);
	free(f->exp);
	free(f->log);
	free(f);
	return 0;
}

static int
count_requests(const struct fixture *f)
{
	char *text = fileio_read(f->log, 1 << 20, NULL, NULL), *s;
	int n = 0;

	if (text == NULL)
		return 0;
	for (s = text; *s != '\0'; s++)
		n += *s == '\n';
	free(text);
	return n;
}

/* The number of entries in the cache folder (hidden ones included). */
static int
cache_entries(const struct fixture *f)
{
	char *dir = xasprintf("%s/%s", f->exp, URLCACHE_DIR);
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			n += strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0;
		closedir(d);
	}
	free(dir);
	return n;
}

static void
test_urlcache_names(void **state)
{
	char *p;

	(void)state;
	assert_true(urlcache_is_url("http://x/y"));
	assert_true(urlcache_is_url("HTTPS://x/y"));
	assert_false(urlcache_is_url("ftp://x/y"));
	assert_false(urlcache_is_url("data/x.csv"));
	p = urlcache_path("/e", "https://example.org/a/b/table.csv?x=1#f");
	assert_int_equal(strncmp(p, "/e/.loom-url-cache/", 19), 0);
	assert_int_equal(strlen(p), 19 + 12 + 1 + strlen("table.csv"));
	assert_string_equal(p + 19 + 13, "table.csv");
	free(p);
	p = urlcache_path("/e", "https://example.org");
	assert_string_equal(p + 19 + 13, "download");
	free(p);
	p = urlcache_path("/e", "http://h/dir/.evil name$.tar.gz");
	assert_string_equal(p + 19 + 13, "_evil_name_.tar.gz");
	free(p);
	{
		char *a = urlcache_path("/e", "http://h/1/x.csv");
		char *b = urlcache_path("/e", "http://h/2/x.csv");

		assert_string_not_equal(a, b);
		free(a);
		free(b);
	}
}

static void
test_urlcache_download_then_reuse(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	char *url, *path, *text, *again;

	url = xasprintf("http://127.0.0.1:%d/data.csv", f->port);
	assert_false(urlcache_is_cached(f->exp, url));
	loom_error_clear(&err);
	path = urlcache_fetch(f->exp, url, &err);
	assert_non_null(path);
	assert_false(err.set);
	text = fileio_read(path, 1024, NULL, &err);
	assert_string_equal(text, "a,b\n1,2\n");
	free(text);
	assert_true(urlcache_is_cached(f->exp, url));
	assert_int_equal(count_requests(f), 1);
	again = urlcache_fetch(f->exp, url, &err);
	assert_string_equal(again, path);
	assert_int_equal(count_requests(f), 1);
	assert_int_equal(cache_entries(f), 1);
	free(again);
	free(path);
	free(url);

	/* Through a redirect. */
	url = xasprintf("http://127.0.0.1:%d/redirect/data.csv", f->port);
	path = urlcache_fetch(f->exp, url, &err);
	assert_non_null(path);
	text = fileio_read(path, 1024, NULL, &err);
	assert_string_equal(text, "a,b\n1,2\n");
	free(text);
	free(path);
	free(url);

	assert_int_equal(urlcache_clear(f->exp, &err), 0);
	assert_int_equal(cache_entries(f), 0);
}

static void
check_failure(struct fixture *f, const char *pathpart, const char *expect)
{
	struct loom_error err;
	char *url, *path;

	url = xasprintf("http://127.0.0.1:%d/%s", f->port, pathpart);
	loom_error_clear(&err);
	path = urlcache_fetch(f->exp, url, &err);
	assert_null(path);
	assert_true(err.set);
	if (strstr(err.message, url) == NULL || strstr(err.message, expect) ==
	    NULL)
		fail_msg("message \"%s\" lacks \"%s\" or the URL", err.message,
		    expect);
	assert_false(urlcache_is_cached(f->exp, url));
	assert_int_equal(cache_entries(f), 0);
	free(url);
}

static void
test_urlcache_http_errors(void **state)
{
	struct fixture *f = *state;

	check_failure(f, "missing.csv", "HTTP status 404");
	check_failure(f, "status/500", "HTTP status 500");
	check_failure(f, "status/403", "HTTP status 403");
}

static void
test_urlcache_dropped_connection(void **state)
{
	struct fixture *f = *state;

	check_failure(f, "drop/5000/big.bin", "connection closed after 5000 "
	    "of 10000 bytes");
	check_failure(f, "chunkdrop/300", "cannot download");
}

static void
test_urlcache_refused(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	char *path;

	/* Port 1 on loopback: nothing listens there. */
	loom_error_clear(&err);
	path = urlcache_fetch(f->exp, "http://127.0.0.1:1/x.csv", &err);
	assert_null(path);
	assert_non_null(strstr(err.message, "http://127.0.0.1:1/x.csv"));
	assert_int_equal(cache_entries(f), 0);
}

static void
test_urlcache_resolve_pipeline(void **state)
{
	struct fixture *f = *state;
	struct pipeline *p;
	struct diags d;
	struct loom_error err;
	char *yml, *resolved;

	yml = xasprintf("data:\n  table:\n    type: csv\n"
	    "    path: http://127.0.0.1:%d/data.csv\n"
	    "  local:\n    path: data/x.csv\n"
	    "pipeline: []\n", f->port);
	diags_init(&d);
	p = pipeline_load_string("exp.yml", f->exp, yml, strlen(yml), &d);
	assert_non_null(p);
	loom_error_clear(&err);
	/* Without download: left as the URL. */
	assert_int_equal(urlcache_resolve_pipeline(p, false, &err), 0);
	resolved = pipeline_data_path(p, pipeline_data(p, "table"), &err);
	assert_true(urlcache_is_url(resolved));
	free(resolved);
	assert_int_equal(count_requests(f), 0);
	assert_int_equal(urlcache_resolve_pipeline(p, true, &err), 0);
	resolved = pipeline_data_path(p, pipeline_data(p, "table"), &err);
	assert_non_null(resolved);
	assert_int_equal(strncmp(resolved, f->exp, strlen(f->exp)), 0);
	assert_non_null(strstr(resolved, "/.loom-url-cache/"));
	assert_int_equal(access(resolved, R_OK), 0);
	free(resolved);
	resolved = pipeline_data_path(p, pipeline_data(p, "local"), &err);
	assert_non_null(strstr(resolved, "/exp/data/x.csv"));
	free(resolved);
	pipeline_free(p);
	/* Once cached, a status-only resolution finds it. */
	p = pipeline_load_string("exp.yml", f->exp, yml, strlen(yml), &d);
	assert_int_equal(urlcache_resolve_pipeline(p, false, &err), 0);
	resolved = pipeline_data_path(p, pipeline_data(p, "table"), &err);
	assert_non_null(strstr(resolved, "/.loom-url-cache/"));
	free(resolved);
	assert_int_equal(count_requests(f), 1);
	pipeline_free(p);
	free(yml);

	/* A failing URL fails the whole resolution, naming it. */
	yml = xasprintf("data:\n  t:\n    path: http://127.0.0.1:%d/nope.csv\n"
	    "pipeline: []\n", f->port);
	p = pipeline_load_string("exp.yml", f->exp, yml, strlen(yml), &d);
	assert_non_null(p);
	loom_error_clear(&err);
	assert_int_equal(urlcache_resolve_pipeline(p, true, &err), -1);
	assert_non_null(strstr(err.message, "nope.csv"));
	assert_non_null(strstr(err.message, "404"));
	pipeline_free(p);
	free(yml);
	diags_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urlcache_names),
		cmocka_unit_test_setup_teardown(
		    test_urlcache_download_then_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urlcache_http_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_urlcache_dropped_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urlcache_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_urlcache_resolve_pipeline, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
