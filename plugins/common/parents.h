/*
 * The directories a plugin's output file goes in, made as `mkdir -p`
 * would: a report's `path = reports/events.jsonl` on a fresh CI checkout
 * must not need a step of its own.
 *
 * Part of cctrial's internal helper library for its own plugins
 * (plugins/common; see strbuf.h for why it is internal); needs only libc.
 * (examples/plugins/junit, built out of the tree, has its own copy.)
 */
#ifndef CCT_PLUGINS_PARENTS_H
#define CCT_PLUGINS_PARENTS_H

/* Makes each missing directory above the file `path`.  Returns 0, or the
 * errno value of the first that is not a directory and could not be
 * made. */
int make_parents(const char *path);

#endif
