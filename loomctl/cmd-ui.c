/* SPDX-License-Identifier: MIT */
/*
 * loomctl ui [FILE|DIR] [--no-browser] [--port N] [--new]: open the
 * browser editor (--new: on an empty pipeline FILE, created on its first
 * save). Asks the daemon (started when none runs) for ui.open, which
 * starts the editor bridge on 127.0.0.1 and returns the URL with the
 * daemon's token; prints the URL and, unless --no-browser, opens a
 * browser, then returns.
 *
 * The token never reaches a command line, where other users could read
 * it in the process list: the browser is given a redirect page written
 * 0600 into the private runtime folder (the one holding the socket),
 * which sends it on to the URL (RELIABILITY W4). The browser is $BROWSER
 * when set, else xdg-open (open on macOS), started detached.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/paths.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/output.h"
#include "loomctl/rpcclient.h"
#include "loomctl/runopts.h"

extern char **environ;

static int	 cmd_ui_exec(struct cmd_ctx *ctx, int argc, char **argv);
static char	*cmd_ui_redirect_file(const char *url, int port,
		    struct loom_error *err);
static int	 cmd_ui_browser(const char *page, struct loom_error *err);
static json_t	*cmd_ui_environment(void);
static char	*cmd_ui_new_path(const char *progname, const char *target);

const struct loomctl_cmd cmd_ui_entry = {
	.name = "ui",
	.usage = "[FILE|DIR] [--no-browser] [--port N] [--new]",
	.summary = "Open the browser editor on a pipeline or a folder.",
	.help =
	    "  FILE|DIR       a pipeline file, or a folder to choose among\n"
	    "                 its pipelines (default: the current folder)\n"
	    "  --no-browser   print the URL only\n"
	    "  --port N       listen on 127.0.0.1:N (default: any free port)\n"
	    "  --new          start FILE as an empty pipeline, written when\n"
	    "                 the editor first saves it (FILE must not exist;\n"
	    "                 its folder must)\n",
	.flags = CMD_NEEDS_DAEMON,
	.exec = cmd_ui_exec,
};

/* The caller's environment as a JSON object (runs from the editor use it). */
static json_t *
cmd_ui_environment(void)
{
	json_t *env = json_object();
	char **e, *name;
	const char *eq;

	for (e = environ; *e != NULL; e++) {
		if ((eq = strchr(*e, '=')) == NULL || eq == *e)
			continue;
		name = xstrndup(*e, (size_t)(eq - *e));
		json_object_set_new(env, name, json_string(eq + 1));
		free(name);
	}
	return env;
}

/*
 * Write a page that forwards to url into the private runtime folder,
 * readable by the owner only. Returns its path (owned), or NULL with err.
 */
static char *
cmd_ui_redirect_file(const char *url, int port, struct loom_error *err)
{
	char *sock, *dir, *path;
	FILE *fp;
	int fd;

	if ((sock = connect_socket_path(err)) == NULL)
		return NULL;
	dir = paths_socket_dir(sock);
	free(sock);
	if (paths_check_private_dir(dir, false, err) != 0) {
		free(dir);
		return NULL;
	}
	path = xasprintf("%s/editor-%d.html", dir, port);
	free(dir);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		loom_error_set(err, "", 0, 0, "cannot write %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		free(path);
		return NULL;
	}
	fprintf(fp, "<!doctype html>\n<html><head><meta charset=\"utf-8\">\n"
	    "<meta name=\"referrer\" content=\"no-referrer\">\n"
	    "<meta http-equiv=\"refresh\" content=\"0;url=%s\">\n"
	    "<title>Loom</title></head>\n<body><p>Opening the Loom editor: "
	    "<a href=\"%s\">continue</a>.</p>\n"
	    "<script>window.location.replace(\"%s\");</script>\n"
	    "</body></html>\n", url, url, url);
	if (fclose(fp) != 0) {
		loom_error_set(err, "", 0, 0, "cannot write %s: %s", path,
		    strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

/*
 * Start the browser on page, detached (double fork, so no zombie is left
 * and loomctl can return at once). Returns 0, or -1 with err set when
 * the browser could not be started.
 */
static int
cmd_ui_browser(const char *page, struct loom_error *err)
{
	const char *browser = getenv("BROWSER");
	char *uri, *prog, *colon;
	int pfd[2], status, code = 0;
	pid_t pid;
	ssize_t n;

#ifdef __APPLE__
	const char *fallback = "open";
#else
	const char *fallback = "xdg-open";
#endif
	if (browser == NULL || browser[0] == '\0')
		browser = fallback;
	/* $BROWSER may list several, separated by ':'; use the first. */
	prog = xstrdup(browser);
	if ((colon = strchr(prog, ':')) != NULL)
		*colon = '\0';
	uri = xasprintf("file://%s", page);
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		loom_error_set(err, "", 0, 0, "pipe: %s", strerror(errno));
		free(prog);
		free(uri);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int fd;

		close(pfd[0]);
		if (fork() != 0)
			_exit(0);
		setsid();
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		execlp(prog, prog, uri, (char *)NULL);
		code = errno;
		n = write(pfd[1], &code, sizeof code);
		(void)n;
		_exit(127);
	}
	close(pfd[1]);
	if (pid == -1) {
		loom_error_set(err, "", 0, 0, "fork: %s", strerror(errno));
		close(pfd[0]);
		free(prog);
		free(uri);
		return -1;
	}
	waitpid(pid, &status, 0);
	/* The pipe closes on exec; an errno arrives only when exec failed. */
	n = read(pfd[0], &code, sizeof code);
	close(pfd[0]);
	if (n == (ssize_t)sizeof code) {
		loom_error_set(err, "", 0, 0, "cannot start the browser %s: %s",
		    prog, strerror(code));
		loom_error_hint(err, "set BROWSER, or open the URL above by "
		    "hand");
		free(prog);
		free(uri);
		return -1;
	}
	free(prog);
	free(uri);
	return 0;
}

/*
 * The absolute path of a pipeline to create: target must not exist, its
 * folder must. Returns it, or NULL after saying why.
 */
static char *
cmd_ui_new_path(const char *progname, const char *target)
{
	struct stat sb;
	const char *slash = strrchr(target, '/'), *base;
	char *dir, *real, *abs;

	if (lstat(target, &sb) == 0) {
		fprintf(stderr, "%s: error: %s exists already\n  hint: open it "
		    "with 'loomctl ui %s', or give --new a name that does not "
		    "exist\n", progname, target, target);
		return NULL;
	}
	base = slash == NULL ? target : slash + 1;
	dir = slash == NULL ? xstrdup(".") : slash == target ? xstrdup("/") :
	    xstrndup(target, (size_t)(slash - target));
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
	    (real = realpath(dir, NULL)) == NULL) {
		fprintf(stderr, "%s: error: cannot create %s: %s\n  hint: the "
		    "folder must exist (mkdir -p %s)\n", progname, target,
		    *base == '\0' ? "not a file name" : strerror(errno), dir);
		free(dir);
		return NULL;
	}
	free(dir);
	abs = xasprintf("%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/",
	    base);
	free(real);
	return abs;
}

static int
cmd_ui_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct loom_error err;
	struct rpcclient *c;
	const char *target = NULL, *url;
	char *abs, *page, cwd[PATH_MAX], *end;
	bool browser = true, is_new = false;
	long port = 0;
	json_t *r;
	int a, code = 0, saved;

	for (a = 1; a < argc; a++) {
		if (cmd_is_help(argv[a])) {
			cmd_print_help(&cmd_ui_entry, stdout);
			return LOOMCTL_EXIT_OK;
		} else if (strcmp(argv[a], "--no-browser") == 0)
			browser = false;
		else if (strcmp(argv[a], "--new") == 0)
			is_new = true;
		else if (strcmp(argv[a], "--port") == 0 ||
		    strncmp(argv[a], "--port=", 7) == 0) {
			const char *v = argv[a][6] == '=' ? argv[a] + 7 :
			    (a + 1 < argc ? argv[++a] : NULL);

			if (v == NULL)
				return cmd_usage_error(&cmd_ui_entry,
				    "--port needs a number");
			errno = 0;
			port = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || errno != 0 ||
			    port < 0 || port > 65535)
				return cmd_usage_error(&cmd_ui_entry,
				    "--port wants a port number (0-65535), "
				    "not '%s'", v);
		} else if (argv[a][0] == '-' && argv[a][1] != '\0')
			return cmd_unknown_option(&cmd_ui_entry, argv[a]);
		else if (target == NULL)
			target = argv[a];
		else
			return cmd_usage_error(&cmd_ui_entry,
			    "unexpected argument: %s", argv[a]);
	}
	if (is_new) {
		if (target == NULL)
			return cmd_usage_error(&cmd_ui_entry,
			    "--new needs the FILE to create");
		if ((abs = cmd_ui_new_path(ctx->progname, target)) == NULL)
			return LOOMCTL_EXIT_USAGE;
	} else if (target == NULL)
		target = ".";
	if (!is_new && (abs = realpath(target, NULL)) == NULL) {
		saved = errno;
		fprintf(stderr, "%s: error: cannot open %s: %s\n", ctx->progname,
		    target, strerror(saved));
		if (saved == ENOENT && runopts_is_file_name(target))
			fprintf(stderr, "  hint: 'loomctl ui --new %s' starts "
			    "a new pipeline there\n", target);
		return LOOMCTL_EXIT_USAGE;
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, "/");

	loom_error_clear(&err);
	if ((c = cmd_connect(ctx, NULL, &err)) == NULL) {
		output_error(&err, stderr);
		free(abs);
		return LOOMCTL_EXIT_FAILED;
	}
	loom_error_clear(&err);
	r = rpcclient_call(c, LOOM_METHOD_UI_OPEN,
	    json_pack("{s:s, s:i, s:o, s:s, s:b}",
	    "path", abs, "port", (int)port, "env", cmd_ui_environment(),
	    "cwd", cwd, "new", is_new), &code, &err);
	rpcclient_free(c);
	free(abs);
	if (r == NULL) {
		output_error(&err, stderr);
		return code == LOOM_ERR_USAGE ? LOOMCTL_EXIT_USAGE :
		    LOOMCTL_EXIT_FAILED;
	}
	url = json_string_value(json_object_get(r, "url"));
	if (url == NULL) {
		output_fail("the daemon gave no editor URL");
		json_decref(r);
		return LOOMCTL_EXIT_FAILED;
	}
	printf("%s\n", url);
	fflush(stdout);
	if (json_is_false(json_object_get(r, "editor")))
		fprintf(stderr, "%s: warning: the editor is not built into "
		    "this installation, so the page only says so.\n"
		    "  hint: build it with 'cmake -S . -B build -DLOOM_WEB=ON' "
		    "(needs Node.js and npm:\n  apt-get install nodejs npm), "
		    "then install again, or set LOOM_WEB_DIR to a\n  folder "
		    "holding the built editor (web/dist)\n", ctx->progname);
	if (browser) {
		loom_error_clear(&err);
		page = cmd_ui_redirect_file(url, (int)json_integer_value(
		    json_object_get(r, "port")), &err);
		if (page == NULL || cmd_ui_browser(page, &err) != 0) {
			output_error(&err, stderr);
			free(page);
			json_decref(r);
			return LOOMCTL_EXIT_FAILED;
		}
		free(page);
	}
	json_decref(r);
	return LOOMCTL_EXIT_OK;
}
