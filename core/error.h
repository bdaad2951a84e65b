/*
 * Error codes of cctrial's core, in libuv's convention: a function returns
 * 0 on success or a negative CCT_E* code; a call that fails never invokes
 * its callback.  Codes from libuv (negative errno values) pass through
 * unchanged, so cct_strerror() explains both.
 */
#ifndef CCT_ERROR_H
#define CCT_ERROR_H

/* X(name, text).  The values start far below errno's range. */
#define CCT_ERRNO_MAP(X)                                                   \
    X(USAGE, "bad command line")                                           \
    X(CONFIG, "bad configuration")                                         \
    X(PLUGIN, "plugin could not be loaded")                                \
    X(PYTHON, "no usable Python interpreter")                              \
    X(DISCOVERY, "test discovery failed")                                  \
    X(PROTOCOL, "worker broke the AMP protocol")                           \
    X(TOOLONG, "AMP key or value too long")                                \
    X(LOCKED, "_trial_temp is locked by another process")                  \
    X(NOTTRIAL, "directory is not trial's (no _trial_marker)")             \
    X(WATCHLIMIT, "inotify watch limit reached")                           \
    X(NOMEM, "out of memory")

typedef enum cct_errno {
    CCT_E__BASE = -20000,
#define CCT_X(name, text) CCT_E##name,
    CCT_ERRNO_MAP(CCT_X)
#undef CCT_X
    CCT_E__END
} cct_errno;

/* The text of a CCT_E* code or of a libuv / errno code. */
const char *cct_strerror(int code);

#endif
