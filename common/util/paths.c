/* SPDX-License-Identifier: MIT */
/*
 * Path policy: where the socket, lock, pid file, state folder and log
 * live, the private-folder check for the socket's folder (a real folder
 * of ours, mode 0700, checked with lstat so a symbolic link is refused
 * rather than followed) and confinement of relative paths to a root.
 * Only folders are ever created here.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util/error.h"
#include "common/util/paths.h"
#include "common/util/xmalloc.h"

static const char *paths_home(void);
static bool paths_is_inside(const char *root, const char *path);

/* $HOME, else the password database's home, else NULL. */
static const char *
paths_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home != NULL && home[0] == '/')
		return home;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    pw->pw_dir[0] == '/')
		return pw->pw_dir;
	return NULL;
}

/* The socket path by the rules at the top of paths.h (owned). */
char *
paths_socket(struct loom_error *err)
{
	const char *env;
	char *path, cwd[PATH_MAX];

	env = getenv("LOOM_SOCKET");
	if (env != NULL && *env != '\0') {
		if (env[0] != '/') {
			/* Relative: made absolute, as loomd leaves its cwd. */
			if (getcwd(cwd, sizeof cwd) == NULL) {
				loom_error_set(err, NULL, 0, 0,
				    "LOOM_SOCKET %s is relative and the "
				    "current folder is unknown: %s", env,
				    strerror(errno));
				return NULL;
			}
			path = xasprintf("%s/%s", cwd, env);
		} else
			path = xstrdup(env);
	} else if ((env = getenv("XDG_RUNTIME_DIR")) != NULL &&
	    env[0] == '/')
		path = xasprintf("%s/loom/loomd.sock", env);
	else
		path = xasprintf("/tmp/loom-%lu/loomd.sock",
		    (unsigned long)getuid());
	if (strlen(path) + strlen(".lock") > PATHS_SOCKET_MAX) {
		loom_error_set(err, NULL, 0, 0,
		    "socket path too long (%zu bytes, at most %d): %s",
		    strlen(path), PATHS_SOCKET_MAX - 5, path);
		loom_error_hint(err, "set LOOM_SOCKET to a shorter path");
		free(path);
		return NULL;
	}
	return path;
}

/* The start lock beside the socket (owned). */
char *
paths_lock(const char *socket)
{
	return xasprintf("%s.lock", socket);
}

/* The pid file beside the socket (owned). */
char *
paths_pid(const char *socket)
{
	return xasprintf("%s.pid", socket);
}

/* The folder holding the socket (owned). */
char *
paths_socket_dir(const char *socket)
{
	const char *slash = strrchr(socket, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == socket)
		return xstrdup("/");
	return xstrndup(socket, (size_t)(slash - socket));
}

/* The state folder (owned), or NULL with err set. */
char *
paths_state_dir(struct loom_error *err)
{
	const char *env = getenv("XDG_STATE_HOME"), *home;

	if (env != NULL && env[0] == '/')
		return xasprintf("%s/loom", env);
	if ((home = paths_home()) == NULL) {
		loom_error_set(err, NULL, 0, 0,
		    "no state folder: neither XDG_STATE_HOME nor HOME is set");
		return NULL;
	}
	return xasprintf("%s/.local/state/loom", home);
}

/* The daemon's log file in the state folder (owned). */
char *
paths_log_file(struct loom_error *err)
{
	char *dir, *path;

	if ((dir = paths_state_dir(err)) == NULL)
		return NULL;
	path = xasprintf("%s/loomd.log", dir);
	free(dir);
	return path;
}

/* Create (optionally) and check a private folder: 0 or -1. */
int
paths_check_private_dir(const char *dir, bool create, struct loom_error *err)
{
	struct stat st;
	uid_t uid = getuid();

	if (lstat(dir, &st) == -1) {
		if (errno != ENOENT || !create) {
			loom_error_set(err, NULL, 0, 0, "%s: %s", dir,
			    strerror(errno));
			return -1;
		}
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			loom_error_set(err, NULL, 0, 0, "cannot create %s: %s",
			    dir, strerror(errno));
			return -1;
		}
		if (lstat(dir, &st) == -1) {
			loom_error_set(err, NULL, 0, 0, "%s: %s", dir,
			    strerror(errno));
			return -1;
		}
	}
	if (S_ISLNK(st.st_mode)) {
		loom_error_set(err, NULL, 0, 0,
		    "%s: is a symbolic link (must be a real folder)", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		loom_error_set(err, NULL, 0, 0, "%s: not a folder", dir);
		return -1;
	}
	if (st.st_uid != uid) {
		loom_error_set(err, NULL, 0, 0,
		    "%s: owned by uid %lu, not by uid %lu", dir,
		    (unsigned long)st.st_uid, (unsigned long)uid);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		loom_error_set(err, NULL, 0, 0,
		    "%s: unsafe permissions %04o (must be 0700 and owned by "
		    "uid %lu)", dir, (unsigned int)(st.st_mode & 07777),
		    (unsigned long)uid);
		loom_error_hint(err, "chmod 700 %s", dir);
		return -1;
	}
	return 0;
}

/* mkdir -p; 0, or -1 with err set. */
int
paths_mkdirs(const char *dir, int mode, struct loom_error *err)
{
	char *copy = xstrdup(dir), *p, saved;
	struct stat st;
	int rc = -1;

	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		saved = *p;
		*p = '\0';
		if (mkdir(copy, (mode_t)mode) == -1 && errno != EEXIST) {
			loom_error_set(err, NULL, 0, 0, "cannot create %s: %s",
			    copy, strerror(errno));
			goto out;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		loom_error_set(err, NULL, 0, 0, "%s: not a folder", dir);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* True when path equals root or lies below it (both canonical). */
static bool
paths_is_inside(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return path[0] == '/';
	return strncmp(root, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/* Resolve relpath inside root, or NULL with err and errno set. */
char *
paths_confine(const char *root, const char *relpath, bool may_be_missing,
    struct loom_error *err)
{
	char *real_root = NULL, *joined = NULL, *resolved = NULL;
	char *result = NULL;
	char *parent = NULL, *base, *name = NULL;
	const char *p, *q;
	struct stat st;
	int saved;

	if (relpath[0] == '\0' || relpath[0] == '/') {
		loom_error_set(err, NULL, 0, 0,
		    "%s: only paths relative to the experiment folder are "
		    "allowed", relpath[0] == '\0' ? "\"\"" : relpath);
		errno = EACCES;
		return NULL;
	}
	for (p = relpath; *p != '\0'; p = *q == '\0' ? q : q + 1) {
		q = strchrnul(p, '/');
		if (q - p == 2 && p[0] == '.' && p[1] == '.') {
			loom_error_set(err, NULL, 0, 0,
			    "%s: \"..\" is not allowed", relpath);
			errno = EACCES;
			return NULL;
		}
	}
	if ((real_root = realpath(root, NULL)) == NULL) {
		saved = errno;
		loom_error_set(err, NULL, 0, 0, "%s: %s", root,
		    strerror(saved));
		errno = saved;
		return NULL;
	}
	joined = xasprintf("%s/%s", real_root, relpath);
	if ((resolved = realpath(joined, NULL)) == NULL) {
		saved = errno;
		if (saved != ENOENT || !may_be_missing) {
			loom_error_set(err, NULL, 0, 0, "%s: %s", relpath,
			    strerror(saved));
			errno = saved;
			goto out;
		}
		/*
		 * A new file: its folder must exist and lie inside root, and
		 * the name must not be a dangling symbolic link (writing
		 * through it would create a file wherever it points).
		 */
		if (lstat(joined, &st) == 0) {
			loom_error_set(err, NULL, 0, 0,
			    "%s: a symbolic link to nothing", relpath);
			errno = EACCES;
			goto out;
		}
		while ((base = strrchr(joined, '/')) != NULL && base[1] == '\0')
			*base = '\0';
		base = strrchr(joined, '/');
		parent = xstrndup(joined, (size_t)(base - joined));
		if ((resolved = realpath(parent, NULL)) == NULL) {
			saved = errno;
			loom_error_set(err, NULL, 0, 0, "%s: %s", relpath,
			    strerror(saved));
			errno = saved;
			goto out;
		}
		name = base + 1;
	}
	/* resolved is the file, or the folder of the new file name. */
	if (!paths_is_inside(real_root, resolved)) {
		loom_error_set(err, NULL, 0, 0,
		    "%s: outside the experiment folder", relpath);
		errno = EACCES;
		goto out;
	}
	if (name != NULL)
		result = xasprintf("%s/%s", resolved, name);
	else {
		result = resolved;
		resolved = NULL;
	}
out:
	saved = errno;
	free(real_root);
	free(joined);
	free(resolved);
	free(parent);
	errno = saved;
	return result;
}
