/*
 * Where the project is: its root, the directory cctrial runs discovery
 * and the workers in, keeps .cctrial/ and _trial_temp in, and resolves
 * test names from, as `python3 -m twisted.trial` run there would.
 *
 * The root is the directory of the nearest .cctrialrc from the current
 * directory upward, else the top of the git work tree the current
 * directory is in, else the current directory itself.  The upward search
 * stays among the directories of the project's owner and never reaches
 * the parent of $HOME (where other users' homes are); a git work tree
 * whose top is $HOME itself (a home directory kept in git) is not taken
 * for a project.
 *
 * What the user types on the command line means what it means where they
 * typed it: a test name that is a path (it holds a '/', as trial decides)
 * is a path from the current directory, made relative to the root when it
 * is inside; a dotted name is trial's from the root.
 */
#ifndef CCT_ROOT_H
#define CCT_ROOT_H

typedef enum cct_root_reason {
    CCT_ROOT_CONFIG, /* where the .cctrialrc found is */
    CCT_ROOT_GIT,    /* the top of the git work tree */
    CCT_ROOT_CWD     /* neither: the current directory */
} cct_root_reason;

/* The nearest directory from `dir` upward (`dir` included) holding an
 * entry called `name`, within the project owner's directories and below
 * the parent of $HOME: the path of that entry, malloc'ed, or NULL. */
char *cct_find_upward(const char *dir, const char *name);

/* The project root for the current directory `cwd` (absolute): malloc'ed
 * in *root, and why it was chosen. */
cct_root_reason cct_root_find(const char *cwd, char **root);
/* "where its .cctrialrc is", for -v. */
const char *cct_root_reason_text(cct_root_reason reason);

/* A test name typed in `cwd`, as trial run in `root` takes it:
 * malloc'ed.  Dotted names are left as they are; a path is made relative
 * to `root` when it is inside it, else absolute.  With cwd == root every
 * name is left as it is. */
char *cct_root_test_name(const char *root, const char *cwd,
                         const char *name);

/* Is `path` (absolute, without "." or ".." components) `dir` or inside
 * it? */
int cct_path_inside(const char *path, const char *dir);

#endif
