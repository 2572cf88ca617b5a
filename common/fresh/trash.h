/* SPDX-License-Identifier: MIT */
/*
 * Moving files and folders to the user's trash, following the
 * freedesktop.org Trash specification 1.0, so that a desktop's file
 * manager lists them and can restore them.
 *
 * The home trash ($XDG_DATA_HOME/Trash, else ~/.local/share/Trash) is used
 * when the file lives on its file system; otherwise the trash at the top
 * of the file's own file system ($topdir/.Trash/$uid when $topdir/.Trash is
 * a sticky folder and not a link, else $topdir/.Trash-$uid). A file is
 * always renamed into the trash, never copied and then deleted: when no
 * trash on its file system can be used, trash_move fails and says so.
 */
#ifndef LOOM_COMMON_TRASH_H
#define LOOM_COMMON_TRASH_H

#include <stdbool.h>
#include <time.h>

struct loom_error;

/*
 * The trash folder (holding files/ and info/) that would receive path,
 * created if needed. Owned, or NULL with err set.
 */
char *trash_dir_for(const char *path, struct loom_error *err);

/*
 * Move path (a file, folder or link; absolute or relative to the current
 * folder) to the trash. The .trashinfo file is created first with O_EXCL,
 * which also reserves a unique name ("name", "name.2.ext", ...), then the
 * file is renamed into files/; if the rename fails the info file is
 * removed again. On success *trashed_as (when not NULL) receives the path
 * inside the trash (owned). Returns 0, or -1 with err set.
 */
int trash_move(const char *path, char **trashed_as, struct loom_error *err);

/*
 * Percent-encode an absolute path for the Path= key (RFC 2396: everything
 * but unreserved characters and '/' as %XX). Owned.
 */
char *trash_encode_path(const char *path);

/* The DeletionDate= value for t: local time, YYYY-MM-DDThh:mm:ss. */
void trash_format_date(time_t t, char out[32]);

#endif
