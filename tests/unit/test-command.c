/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for command building (common/model/command.c), README, "How a step becomes a command"
 * "Command generation". Covers: the order interpreter, task, inputs,
 * outputs, args, extra; absolute paths for data references and outputs,
 * URLs and literal inputs kept; true -> bare flag, false/null dropped,
 * boolean parameters by reference, lists; spelling kept (0.001, ${lr});
 * every interpreter rule ($VIRTUAL_ENV, python3, bash, Rscript, julia,
 * node, step interpreter: as string and list, execution.interpreters,
 * precedence, executable tasks run directly, an error naming a task that
 * is neither); $loop_item/$loop_output; output and input path helpers;
 * --extra splitting and its errors; and shell quoting, checked by running
 * the quoted line through bash and comparing the words it prints.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"

struct fx {
	char dir[64];
	struct diags d;
	struct pipeline *p;
	struct loom_error err;
	struct strv argv;
	char *joined;
};

static void
touch(const char *dir, const char *name, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	char *tasks;

	snprintf(f->dir, sizeof f->dir, "/tmp/loom-test-command-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	tasks = xasprintf("%s/tasks", f->dir);
	assert_int_equal(mkdir(tasks, 0755), 0);
	free(tasks);
	touch(f->dir, "tasks/run", 0755);
	touch(f->dir, "tasks/noexec", 0644);
	touch(f->dir, "tasks/tool.bin", 0755);
	strv_init(&f->argv);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd;

	cmd = xasprintf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	pipeline_free(f->p);
	diags_free(&f->d);
	strv_free(&f->argv);
	free(f->joined);
	free(f);
	return 0;
}

static void
load(struct fx *f, const char *text)
{
	pipeline_free(f->p);
	diags_free(&f->d);
	diags_init(&f->d);
	f->p = pipeline_load_string("exp.yml", f->dir, text, strlen(text),
	    &f->d);
	if (f->p == NULL || f->d.nerrors > 0)
		diags_print(&f->d, stderr);
	assert_non_null(f->p);
	assert_int_equal(f->d.nerrors, 0);
}

/*
 * Build step name; the words joined by '|', with the folder shown as D,
 * or "error".
 */
static const char *
build(struct fx *f, const char *name, const char *venv, const char *item,
    const char *output, const char *extra)
{
	struct command_env env = { venv };
	char *tmp, *w;
	size_t i, dl = strlen(f->dir);

	strv_free(&f->argv);
	loom_error_clear(&f->err);
	free(f->joined);
	f->joined = NULL;
	if (command_build(f->p, (size_t)pipeline_step_index(f->p, name), &env,
	    item, output, extra, &f->argv, &f->err) != 0) {
		assert_true(f->err.set);
		f->joined = xstrdup("error");
		return f->joined;
	}
	f->joined = xstrdup("");
	for (i = 0; i < f->argv.n; i++) {
		w = f->argv.v[i];
		if (strncmp(w, f->dir, dl) == 0)
			tmp = xasprintf("%s%sD%s", f->joined, i ? "|" : "",
			    w + dl);
		else
			tmp = xasprintf("%s%s%s", f->joined, i ? "|" : "", w);
		free(f->joined);
		f->joined = tmp;
	}
	return f->joined;
}

static void
test_command_order_and_values(void **state)
{
	struct fx *f = *state;

	load(f,
	    "data:\n"
	    "  video: {path: raw/v.mp4}\n"
	    "  feat: {path: ./out//f.csv}\n"
	    "  remote: {path: 'https://example.org/x.csv'}\n"
	    "parameters:\n"
	    "  lr: 0.001\n"
	    "  small: 1e-5\n"
	    "  verbose: true\n"
	    "  quiet: false\n"
	    "  title: my run\n"
	    "pipeline:\n"
	    "  - name: s\n"
	    "    task: tasks/extract.py\n"
	    "    inputs: {video: $video, lit: raw/literal.txt, url: $remote,"
	    " many: [$video, x], nothing: null}\n"
	    "    outputs: {-o: $feat, --log: logs/s.log}\n"
	    "    args:\n"
	    "      --lr: $lr\n"
	    "      --verbose: true\n"
	    "      --dry: false\n"
	    "      --none: null\n"
	    "      --flag: $verbose\n"
	    "      --q: ${quiet}\n"
	    "      --layers: [1, 2.50, three]\n"
	    "      --eps: $small\n"
	    "      --title: \"lr ${lr}\"\n"
	    "      --name: $title\n"
	    "      --path: $video\n");
	assert_string_equal(build(f, "s", NULL, NULL, NULL,
	    "--seed 3 'a b' \"c \\\"d\\\"\""),
	    "python3|D/tasks/extract.py|D/raw/v.mp4|raw/literal.txt|"
	    "https://example.org/x.csv|D/raw/v.mp4|x|"
	    "-o|D/out/f.csv|--log|D/logs/s.log|"
	    "--lr|0.001|--verbose|--flag|--layers|1|2.50|three|--eps|1e-5|"
	    "--title|lr 0.001|--name|my run|--path|D/raw/v.mp4|"
	    "--seed|3|a b|c \"d\"");
	/* No extra, or an empty one. */
	build(f, "s", NULL, NULL, NULL, "");
	assert_int_equal(f->argv.n, 27);
	assert_string_equal(build(f, "s", NULL, NULL, NULL, "'open"), "error");
	assert_non_null(strstr(f->err.message, "unterminated single quote"));
}

static void
test_command_interpreters(void **state)
{
	struct fx *f = *state;

	load(f,
	    "pipeline:\n"
	    "  - {name: py, task: tasks/a.py}\n"
	    "  - {name: sh, task: tasks/a.sh}\n"
	    "  - {name: r, task: tasks/a.R}\n"
	    "  - {name: jl, task: tasks/a.jl}\n"
	    "  - {name: js, task: tasks/a.js}\n"
	    "  - {name: direct, task: tasks/run}\n"
	    "  - {name: bin, task: tasks/tool.bin}\n"
	    "  - {name: noexec, task: tasks/noexec}\n"
	    "  - {name: missing, task: tasks/missing}\n"
	    "  - {name: str, task: tasks/a.py, interpreter: python3 -u}\n"
	    "  - {name: list, task: tasks/a.py,"
	    " interpreter: [conda, run, -n, my env, python]}\n"
	    "  - {name: shell, task: tasks/noexec, interpreter: sh}\n");
	assert_string_equal(build(f, "py", NULL, NULL, NULL, NULL),
	    "python3|D/tasks/a.py");
	assert_string_equal(build(f, "py", "", NULL, NULL, NULL),
	    "python3|D/tasks/a.py");
	assert_string_equal(build(f, "py", "/home/u/venv", NULL, NULL, NULL),
	    "/home/u/venv/bin/python|D/tasks/a.py");
	assert_string_equal(build(f, "sh", "/v", NULL, NULL, NULL),
	    "bash|D/tasks/a.sh");
	assert_string_equal(build(f, "r", NULL, NULL, NULL, NULL),
	    "Rscript|D/tasks/a.R");
	assert_string_equal(build(f, "jl", NULL, NULL, NULL, NULL),
	    "julia|D/tasks/a.jl");
	assert_string_equal(build(f, "js", NULL, NULL, NULL, NULL),
	    "node|D/tasks/a.js");
	assert_string_equal(build(f, "direct", NULL, NULL, NULL, "-x"),
	    "D/tasks/run|-x");
	assert_string_equal(build(f, "bin", NULL, NULL, NULL, NULL),
	    "D/tasks/tool.bin");
	assert_string_equal(build(f, "noexec", NULL, NULL, NULL, NULL),
	    "error");
	assert_string_equal(f->err.file, "exp.yml");
	assert_int_equal(f->err.line, 9);
	assert_int_equal(f->err.column, 26);
	assert_non_null(strstr(f->err.message, "tasks/noexec"));
	assert_non_null(strstr(f->err.message, "not executable"));
	assert_non_null(strstr(f->err.hint, "interpreter"));
	assert_string_equal(build(f, "missing", NULL, NULL, NULL, NULL),
	    "error");
	assert_non_null(strstr(f->err.message, "tasks/missing"));
	assert_string_equal(build(f, "str", "/v", NULL, NULL, NULL),
	    "python3|-u|D/tasks/a.py");
	assert_string_equal(build(f, "list", "/v", NULL, NULL, NULL),
	    "conda|run|-n|my env|python|D/tasks/a.py");
	assert_string_equal(build(f, "shell", NULL, NULL, NULL, NULL),
	    "sh|D/tasks/noexec");
}

static void
test_command_pipeline_interpreters(void **state)
{
	struct fx *f = *state;

	load(f,
	    "execution:\n"
	    "  interpreters:\n"
	    "    .py: [uv, run, python]\n"
	    "    .sh: sh -e\n"
	    "pipeline:\n"
	    "  - {name: py, task: tasks/a.py}\n"
	    "  - {name: sh, task: tasks/a.sh}\n"
	    "  - {name: r, task: tasks/a.R}\n"
	    "  - {name: own, task: tasks/a.py, interpreter: [pypy3]}\n");
	assert_string_equal(build(f, "py", "/venv", NULL, NULL, NULL),
	    "uv|run|python|D/tasks/a.py");
	assert_string_equal(build(f, "sh", NULL, NULL, NULL, NULL),
	    "sh|-e|D/tasks/a.sh");
	assert_string_equal(build(f, "r", NULL, NULL, NULL, NULL),
	    "Rscript|D/tasks/a.R");
	/* The step's own interpreter wins. */
	assert_string_equal(build(f, "own", NULL, NULL, NULL, NULL),
	    "pypy3|D/tasks/a.py");
}

static void
test_command_loop_and_paths(void **state)
{
	struct fx *f = *state;
	struct strv paths;
	struct loom_error err;

	load(f,
	    "data:\n"
	    "  raw: {path: raw}\n"
	    "  out: {path: out}\n"
	    "  cfg: {path: conf/c.json}\n"
	    "pipeline:\n"
	    "  - name: conv\n"
	    "    task: tasks/conv.sh\n"
	    "    loop: {over: $raw, into: $out}\n"
	    "    inputs: {src: $loop_item, cfg: $cfg, lit: x.txt}\n"
	    "    outputs: {-o: $loop_output, --log: logs/conv.log}\n");
	assert_string_equal(build(f, "conv", NULL, "/abs/raw/a.wav",
	    "/abs/out/a.wav", NULL),
	    "bash|D/tasks/conv.sh|/abs/raw/a.wav|D/conf/c.json|x.txt|"
	    "-o|/abs/out/a.wav|--log|D/logs/conv.log");
	/* Outside a loop item, $loop_item is an error located at it. */
	assert_string_equal(build(f, "conv", NULL, NULL, NULL, NULL), "error");
	assert_int_equal(f->err.line, 9);

	strv_init(&paths);
	loom_error_clear(&err);
	assert_int_equal(command_output_paths(f->p, 0, "/abs/out/a.wav",
	    &paths, &err), 0);
	assert_int_equal(paths.n, 2);
	assert_string_equal(paths.v[0], "/abs/out/a.wav");
	assert_int_equal(strncmp(paths.v[1], f->dir, strlen(f->dir)), 0);
	assert_string_equal(paths.v[1] + strlen(f->dir), "/logs/conv.log");
	strv_free(&paths);
	/* Without an item, $loop_output outputs are left out. */
	assert_int_equal(command_output_paths(f->p, 0, NULL, &paths, &err), 0);
	assert_int_equal(paths.n, 1);
	strv_free(&paths);

	assert_int_equal(command_input_paths(f->p, 0, "/abs/raw/a.wav", &paths,
	    &err), 0);
	assert_int_equal(paths.n, 2);
	assert_string_equal(paths.v[0], "/abs/raw/a.wav");
	assert_string_equal(paths.v[1] + strlen(f->dir), "/conf/c.json");
	strv_free(&paths);
}

static void
test_command_split(void **state)
{
	struct strv w;
	struct loom_error err;

	(void)state;
	strv_init(&w);
	loom_error_clear(&err);
	assert_int_equal(command_split("  a\tb  'c d' \"e'f\" g\\ h "
	    "'' \"\\$x\\\\\" i\"j\"k", &w, &err), 0);
	assert_int_equal(w.n, 8);
	assert_string_equal(w.v[0], "a");
	assert_string_equal(w.v[1], "b");
	assert_string_equal(w.v[2], "c d");
	assert_string_equal(w.v[3], "e'f");
	assert_string_equal(w.v[4], "g h");
	assert_string_equal(w.v[5], "");
	assert_string_equal(w.v[6], "$x\\");
	assert_string_equal(w.v[7], "ijk");
	strv_free(&w);
	assert_int_equal(command_split("", &w, &err), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(command_split("a \"b", &w, &err), -1);
	assert_non_null(strstr(err.message, "unterminated double quote"));
	strv_free(&w);
	loom_error_clear(&err);
	assert_int_equal(command_split("a\\", &w, &err), -1);
	assert_non_null(strstr(err.message, "trailing backslash"));
	strv_free(&w);
}

/* Run "printf '%s\0' LINE" in bash and compare the words with argv. */
static void
roundtrip(const struct strv *argv)
{
	char *line, *script, buf[65536];
	int fds[2], status;
	pid_t pid;
	size_t len = 0, i, off;
	ssize_t r;

	line = command_quote(argv);
	script = xasprintf("printf '%%s\\0' %s", line);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp("bash", "bash", "--norc", "--noprofile", "-c", script,
		    (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((r = read(fds[0], buf + len, sizeof buf - len)) > 0)
		len += (size_t)r;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0, off = 0; i < argv->n; i++) {
		if (off >= len || strcmp(buf + off, argv->v[i]) != 0)
			fail_msg("word %zu: '%s' did not survive: %s", i,
			    argv->v[i], line);
		off += strlen(argv->v[i]) + 1;
	}
	assert_int_equal(off, len);
	free(script);
	free(line);
}

static void
test_command_quote(void **state)
{
	struct strv w;
	char *s;
	static const char *const words[] = {
		"plain", "/abs/path-1.2_x", "--flag=value", "a,b:c@d%e+f",
		"two words", "it's", "'", "''", "\"dq\"", "$HOME", "${x}",
		"`id`", "$(id)", "a;b", "a&b", "a|b", "<in", ">out", "*.py",
		"?", "[ab]", "~", "~user", "#comment", "!bang", "a\\b",
		"tab\there", "new\nline", "{a,b}", "(x)", "caf\xc3\xa9", "-",
		"--", "=", "%", "x=1", " lead", "trail ", "\x01\x7f",
	};
	size_t i;

	(void)state;
	strv_init(&w);
	strv_push(&w, "python3");
	strv_push(&w, "/a b/t.py");
	strv_push(&w, "");
	strv_push(&w, "it's");
	strv_push(&w, "--lr");
	strv_push(&w, "0.001");
	s = command_quote(&w);
	assert_string_equal(s, "python3 '/a b/t.py' '' 'it'\\''s' --lr 0.001");
	free(s);
	strv_free(&w);

	/* Every byte a quote: the worst case the line is sized for. */
	strv_push(&w, "''''");
	s = command_quote(&w);
	assert_string_equal(s, "''\\'''\\'''\\'''\\'''");
	assert_int_equal(strlen(s), 4 * 4 + 2);
	free(s);
	strv_free(&w);

	/* A command name with '=' would be an assignment: quoted. */
	strv_push(&w, "A=b");
	strv_push(&w, "c=d");
	s = command_quote(&w);
	assert_string_equal(s, "'A=b' c=d");
	free(s);
	strv_free(&w);

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		strv_push(&w, words[i]);
	roundtrip(&w);
	strv_free(&w);

	/* Every byte from 1 to 255, alone and in one word. */
	{
		char one[2], all[256];

		for (i = 1; i < 256; i++) {
			one[0] = (char)i;
			one[1] = '\0';
			strv_push(&w, one);
			all[i - 1] = (char)i;
		}
		all[255] = '\0';
		strv_push(&w, all);
	}
	roundtrip(&w);
	strv_free(&w);
}

/* A comment written to a stream is command_printable's text. */
static void
test_command_fputs_printable(void **state)
{
	char all[256], *want, *got = NULL;
	size_t i, len = 0;
	FILE *f;

	(void)state;
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	want = command_printable(all);
	f = open_memstream(&got, &len);
	assert_non_null(f);
	command_fputs_printable(all, f);
	command_fputs_printable("", f);
	command_fputs_printable("plain", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(len, strlen(want) + 5);
	assert_memory_equal(got, want, strlen(want));
	assert_string_equal(got + strlen(want), "plain");
	free(got);
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_command_order_and_values,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_interpreters,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_command_pipeline_interpreters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_loop_and_paths,
		    setup, teardown),
		cmocka_unit_test(test_command_split),
		cmocka_unit_test(test_command_quote),
		cmocka_unit_test(test_command_fputs_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
