/*
 * What problem a result shows: the key by which a run's failures and
 * errors are grouped (docs/grouping.md says how it is made, with
 * examples).  Two results with the same outcome and the same key are one
 * group, so that twenty tests tripping on one broken helper are one
 * problem, whichever way each test reached it.
 *
 * The key is made from the text cctrial formats for the result (see
 * traceback.h), so that every result has one, the workers' failures and
 * cctrial's own errors alike, and every consumer (the workflow's biggest
 * problem, the summary reporter, the JSON `run_end` groups) gets the
 * same groups from results.c.
 */
#ifndef CCT_PROBLEM_H
#define CCT_PROBLEM_H

/* The key of the result of test `test_id` whose text is `text`: the
 * exception and its message, then the frames that place the problem, with
 * volatile parts (addresses, temporary paths, the test's own id and line
 * numbers) replaced.  Text that is not a traceback (a skip reason, a
 * todo) is its own key, normalised alike.  Returns a malloc'ed string. */
char *cct_problem_key(const char *test_id, const char *text);

#endif
