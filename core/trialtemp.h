/*
 * trial's working directory, _trial_temp, with trial's own conventions so
 * that cctrial and trial can share a project:
 *
 *   - `_trial_temp.lock`, a symbolic link whose target is the owner's pid,
 *     says the directory is in use (a lock whose owner is dead is stale and
 *     taken over);
 *   - `_trial_temp/_trial_marker` says the directory is trial's to delete;
 *     a directory without it is never deleted.
 *
 *   - while another process holds `_trial_temp`, trial uses
 *     `_trial_temp-1`, then `-2`..., the first free one; a directory the
 *     user named (--temp-directory) is not numbered: busy is an error.
 *
 * cctrial holds the lock for as long as it runs and clears the directory
 * before every run (keeping the directory and its marker).
 */
#ifndef CCT_TRIALTEMP_H
#define CCT_TRIALTEMP_H

typedef struct cct_trial_temp {
    char *dir;  /* absolute path of _trial_temp */
    char *lock; /* absolute path of _trial_temp.lock */
    int locked;
    unsigned passed_over; /* _trial_temp, -1... found held by others */
    long base_owner;      /* the pid holding the first one, if held */
} cct_trial_temp;

/* Takes the lock of `directory` (relative to `project_dir`, or
 * absolute), or of the first free `_trial_temp-N` as trial does.  Returns
 * 0, or CCT_ELOCKED (*error says who holds it) or another negative error
 * (t then holds nothing to release). */
int cct_trial_temp_lock(cct_trial_temp *t, const char *project_dir,
                        const char *directory, char **error);
/* Empties the directory but its marker (creating both if there are
 * none).  Returns 0, or CCT_ENOTTRIAL or an errno-based error with
 * *error explaining. */
int cct_trial_temp_clear(cct_trial_temp *t, char **error);
/* Releases the lock (if held) and frees the paths. */
void cct_trial_temp_release(cct_trial_temp *t);

#endif
