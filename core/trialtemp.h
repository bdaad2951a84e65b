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
 * cctrial holds the lock for as long as it runs and clears the directory
 * before every run; it refuses to start when another cctrial or trial
 * holds the lock.
 */
#ifndef CCT_TRIALTEMP_H
#define CCT_TRIALTEMP_H

typedef struct cct_trial_temp {
    char *dir;  /* absolute path of _trial_temp */
    char *lock; /* absolute path of _trial_temp.lock */
    int locked;
} cct_trial_temp;

/* Takes the lock of `<project_dir>/_trial_temp`.  Returns 0, or
 * CCT_ELOCKED (*error says who holds it) or another negative error. */
int cct_trial_temp_lock(cct_trial_temp *t, const char *project_dir,
                        char **error);
/* Empties the directory (creating it and its marker).  Returns 0, or
 * CCT_ENOTTRIAL or an errno-based error with *error explaining. */
int cct_trial_temp_clear(cct_trial_temp *t, char **error);
/* Releases the lock (if held) and frees the paths. */
void cct_trial_temp_release(cct_trial_temp *t);

#endif
