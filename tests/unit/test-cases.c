/* SPDX-License-Identifier: MIT */
/*
 * Golden diagnostic cases: for every tests/cases/NAME.yml, load and
 * validate it exactly as `loomctl validate` does and compare the printed
 * diagnostics with NAME.expected, byte for byte. The cases folder is the
 * working directory, so files are named as "NAME.yml" and task paths are
 * relative; the folder's absolute path, where it appears in a hint, is
 * written as $CASES. Adding a parser or validation case needs no C: add
 * a NAME.yml and its NAME.expected (LOOM_UPDATE_CASES=1 writes the
 * .expected files from the current output, to be reviewed by hand).
 */
#include <sys/types.h>

#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/model/pipeline.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"

static int
cases_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The diagnostics for one case, with the folder's path as $CASES. */
static char *
cases_run(const char *file, const char *folder)
{
	struct diags d;
	struct pipeline *p;
	char *out = NULL, *hit, *res;
	size_t len = 0, flen = strlen(folder);
	FILE *fp;

	diags_init(&d);
	p = pipeline_load_file(file, &d);
	if (p != NULL)
		validate_pipeline(p, &d);
	else
		diags_sort(&d);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	diags_print(&d, fp);
	fclose(fp);
	pipeline_free(p);
	diags_free(&d);

	res = xstrdup("");
	for (char *q = out; *q != '\0';) {
		char *next;

		hit = strstr(q, folder);
		if (hit == NULL) {
			next = xasprintf("%s%s", res, q);
			free(res);
			res = next;
			break;
		}
		next = xasprintf("%s%.*s$CASES", res, (int)(hit - q), q);
		free(res);
		res = next;
		q = hit + flen;
	}
	free(out);
	return res;
}

static void
test_cases_golden(void **state)
{
	char folder[PATH_MAX], **names = NULL, *expfile, *want, *got;
	struct loom_error err;
	struct dirent *de;
	size_t n = 0, i, len;
	int failed = 0;
	bool update = getenv("LOOM_UPDATE_CASES") != NULL;
	DIR *dp;

	assert_int_equal(chdir(LOOM_TEST_DATA "/cases"), 0);
	assert_non_null(getcwd(folder, sizeof folder));
	dp = opendir(".");
	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL) {
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".yml") == 0) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(dp);
	qsort(names, n, sizeof *names, cases_cmp);
	assert_true(n > 0);

	for (i = 0; i < n; i++) {
		got = cases_run(names[i], folder);
		expfile = xasprintf("%.*s.expected",
		    (int)(strlen(names[i]) - 4), names[i]);
		loom_error_clear(&err);
		if (update) {
			assert_int_equal(fileio_write_atomic(expfile, got,
			    strlen(got), 0644, &err), 0);
		}
		want = fileio_read(expfile, 1 << 20, NULL, &err);
		if (want == NULL) {
			fprintf(stderr, "%s: %s (LOOM_UPDATE_CASES=1 writes "
			    "it)\n", names[i], err.message);
			failed++;
		} else if (strcmp(want, got) != 0) {
			fprintf(stderr, "%s: diagnostics differ\n--- expected "
			    "(%s)\n%s--- got\n%s---\n", names[i], expfile, want,
			    got);
			failed++;
		}
		free(want);
		free(got);
		free(expfile);
		free(names[i]);
	}
	free(names);
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
