/*
 * Unit tests of the cctrial workflow (core/workflow.h), a pure state
 * machine, as one table: each row builds a state by a sequence of events
 * (start, runs ending, changes, keys, discoveries) and gives the exact
 * actions the last event must produce and the state it must leave.  The
 * rows follow the header's comment and docs/how-it-works.md ("The
 * workflow").
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "workflow.h"

typedef enum event_kind {
    EV_END = 0, /* no more events */
    EV_START,
    EV_DONE,    /* the run ended */
    EV_CHANGE,  /* files changed (in smart mode: not yet selected) */
    EV_SMART,   /* files changed; these tests are affected (the SELECT
                   asked for is answered at once, as the session does) */
    EV_SELECTED, /* the answer to a SELECT: these tests are affected */
    EV_REQUEST, /* a key asks for something (a cct_request) */
    EV_SMART_ON,
    EV_SMART_OFF,
    EV_DISCOVERY,      /* a discovery begins (a cct_discovery_state) */
    EV_DISCOVERY_DONE, /* it ended; `gone` ids no longer exist */
    EV_ONCE,           /* a once session runs `smart` ids as `suite` */
    EV_BURST           /* the change sent at once began a burst */
} event_kind;

typedef struct event {
    event_kind kind;
    int passed;
    int interrupted;
    size_t tests_run;
    const char *failed;  /* ids, sorted, space-separated */
    const char *biggest;
    const char *smart;   /* EV_SMART: affected ids */
    cct_request request; /* EV_REQUEST */
    cct_discovery_state discovery; /* EV_DISCOVERY */
    const char *gone;    /* EV_DISCOVERY_DONE: ids, space-separated */
    cct_suite suite;     /* EV_ONCE */
} event;

#define START {.kind = EV_START}
#define PASS(n) {.kind = EV_DONE, .passed = 1, .tests_run = (n)}
#define FAIL(n, ids, big) \
    {.kind = EV_DONE, .tests_run = (n), .failed = (ids), .biggest = (big)}
#define INTERRUPTED {.kind = EV_DONE, .interrupted = 1}
#define CHANGE {.kind = EV_CHANGE}
#define SMART(ids) {.kind = EV_SMART, .smart = (ids)}
#define REQUEST(r) {.kind = EV_REQUEST, .request = (r)}
#define SMART_ON {.kind = EV_SMART_ON}
#define SMART_OFF {.kind = EV_SMART_OFF}
#define SELECTED(ids) {.kind = EV_SELECTED, .smart = (ids)}
#define DISCOVERY {.kind = EV_DISCOVERY, .discovery = CCT_DISCOVERY_BLOCKING}
#define BACKGROUND_DISCOVERY \
    {.kind = EV_DISCOVERY, .discovery = CCT_DISCOVERY_BACKGROUND}
#define DISCOVERED(ids) {.kind = EV_DISCOVERY_DONE, .gone = (ids)}
#define ONCE(s, ids) {.kind = EV_ONCE, .suite = (s), .smart = (ids)}
#define BURST {.kind = EV_BURST}

typedef struct row {
    const char *name;
    int forever, smart;
    event events[10]; /* the last one is the event under test */
    /* The actions of the last event, "; "-separated:
     *   RUN <suite> | NOTIFY pass|fail "<title>" "<text>" | SHOW_LOGS <id>
     *   | MESSAGE rerun|please_fix <id> | WAIT | EXIT <code> | STOP | SELECT
     * and the state after it: what runs next and what the suites hold,
     * then what waits, when something does. */
    const char *actions;
    const char *state;
} row;

/* Full suite of five tests; t.A < t.B < t.C by id. */
static const row rows[] = {
    /* ---- starting --------------------------------------------------- */
    {"start: the full suite runs", 0, 0,
     {START},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"start in smart mode: nothing runs before a change", 0, 1,
     {START},
     "WAIT",
     "next=full retry=- suite=- smart=-"},

    /* ---- the full suite passes ------------------------------------------ */
    {"full suite passes: notify and exit 0", 0, 0,
     {START, PASS(5)},
     "NOTIFY pass \"5 tests run\" \"everything good!\"; EXIT 0",
     "next=full retry=- suite=- smart=-"},
    {"full suite passes with --forever: notify and wait", 1, 0,
     {START, PASS(5)},
     "NOTIFY pass \"5 tests run\" \"everything good!\"; WAIT",
     "next=full retry=- suite=- smart=-"},
    {"a change while waiting after a pass runs the full suite", 1, 0,
     {START, PASS(5), CHANGE},
     "RUN full",
     "next=full retry=- suite=- smart=-"},

    /* ---- the full suite fails ------------------------------------------- */
    {"full suite fails: the failures become the retry suite and the "
     "biggest problem runs alone", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B")},
     "MESSAGE rerun t.B; RUN retry_test",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},
    {"the retry test still fails: logs, please fix, wait", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B")},
     "SHOW_LOGS t.B; MESSAGE please_fix t.B; "
     "NOTIFY fail \"2 tests broken!\" \"t.B\"; WAIT",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},
    {"a change while waiting runs the retry test", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), CHANGE},
     "MESSAGE rerun t.B; RUN retry_test",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},
    {"the retry test fails after another change: wait again", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), CHANGE,
      FAIL(1, "t.B", "t.B")},
     "SHOW_LOGS t.B; MESSAGE please_fix t.B; "
     "NOTIFY fail \"Still broken!\" \"t.B\"; WAIT",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},

    /* ---- the retry test passes ------------------------------------------ */
    {"the retry test passes: the retry suite runs", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), PASS(1)},
     "RUN retry_suite",
     "next=retry_suite retry=- suite=t.A,t.B smart=-"},
    {"the retry test passes after a fix: the retry suite runs", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), CHANGE,
      PASS(1)},
     "RUN retry_suite",
     "next=retry_suite retry=- suite=t.A,t.B smart=-"},
    {"a retry suite that held only the retry test is skipped", 0, 0,
     {START, FAIL(5, "t.B", "t.B"), PASS(1)},
     "RUN full",
     "next=full retry=- suite=- smart=-"},

    /* ---- the retry suite -------------------------------------------------- */
    {"the retry suite passes: the full suite runs", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), PASS(1), PASS(2)},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"then the full suite passes: exit 0", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), PASS(1), PASS(2), PASS(5)},
     "NOTIFY pass \"5 tests run\" \"everything good!\"; EXIT 0",
     "next=full retry=- suite=- smart=-"},
    {"the retry suite fails with the retry test fixed: the next problem "
     "runs alone", 0, 0,
     {START, FAIL(5, "t.A t.B t.C", "t.C"), PASS(1),
      FAIL(3, "t.A t.B", "t.A")},
     "MESSAGE rerun t.A; RUN retry_test",
     "next=retry_test retry=t.A suite=t.A,t.B smart=-"},
    {"the retry suite fails after a change made during it: the next "
     "problem runs alone", 0, 0,
     {START, FAIL(5, "t.A t.B t.C", "t.C"), PASS(1), CHANGE,
      FAIL(3, "t.A t.B", "t.A")},
     "MESSAGE rerun t.A; RUN retry_test",
     "next=retry_test retry=t.A suite=t.A,t.B smart=-"},
    {"guard: the retry test passed alone but fails again in the retry "
     "suite with no change: wait instead of looping", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), PASS(1), FAIL(2, "t.A t.B", "t.B")},
     "MESSAGE please_fix t.B; "
     "NOTIFY fail \"0 fixed\" \"2 test failures to fix\"; WAIT",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},
    {"guard: the test that passed alone is the one to fix, even when "
     "another problem is now bigger", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), PASS(1), FAIL(2, "t.A t.B", "t.A")},
     "MESSAGE please_fix t.B; "
     "NOTIFY fail \"0 fixed\" \"2 test failures to fix\"; WAIT",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},
    {"after the guard, a change runs the retry test", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), PASS(1), FAIL(2, "t.A t.B", "t.B"),
      CHANGE},
     "MESSAGE rerun t.B; RUN retry_test",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},

    /* ---- changes during a run ------------------------------------------- */
    {"a change during a run does nothing at once", 1, 0,
     {START, CHANGE},
     "",
     "next=full retry=- suite=- smart=-"},
    {"a change during a passing full run runs it again (forever)", 1, 0,
     {START, CHANGE, PASS(5)},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"a change during a failing full run: the retry test runs as usual",
     0, 0,
     {START, CHANGE, FAIL(5, "t.A", "t.A")},
     "MESSAGE rerun t.A; RUN retry_test",
     "next=retry_test retry=t.A suite=t.A smart=-"},
    {"a change before the retry test started is not acted on twice", 0, 0,
     {START, CHANGE, FAIL(5, "t.A", "t.A"), FAIL(1, "t.A", "t.A")},
     "SHOW_LOGS t.A; MESSAGE please_fix t.A; "
     "NOTIFY fail \"1 test broken!\" \"t.A\"; WAIT",
     "next=retry_test retry=t.A suite=t.A smart=-"},
    {"a change during the retry test that still fails runs it again", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), CHANGE, FAIL(1, "t.B", "t.B")},
     "SHOW_LOGS t.B; MESSAGE please_fix t.B; MESSAGE rerun t.B; "
     "RUN retry_test",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},

    /* ---- interrupted runs ------------------------------------------------ */
    {"an interrupted run waits, even without --forever", 0, 0,
     {START, INTERRUPTED},
     "WAIT",
     "next=full retry=- suite=- smart=-"},
    {"an interrupted retry test waits and stays the retry test; the "
     "cycle's notification says what the full suite found", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), INTERRUPTED},
     "NOTIFY fail \"5 tests run\" \"2 tests broken!\"; WAIT",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},
    {"an interrupted run with a change pending runs again", 0, 0,
     {START, CHANGE, INTERRUPTED},
     "RUN full",
     "next=full retry=- suite=- smart=-"},

    /* ---- bursts: a save sent at once was a burst's first file ----------- */
    {"a burst stops the run its first file began", 1, 0,
     {START, PASS(5), CHANGE, BURST},
     "STOP",
     "next=full retry=- suite=- smart=- burst_waits"},
    {"the run stopped for a burst ends without a verdict or a wait", 1, 0,
     {START, PASS(5), CHANGE, BURST, INTERRUPTED},
     "",
     "next=full retry=- suite=- smart=- burst_waits"},
    {"the rest of the burst runs, once", 1, 0,
     {START, PASS(5), CHANGE, BURST, INTERRUPTED, CHANGE},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"a burst in the fix loop: the retry test runs again with the rest",
     0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), CHANGE,
      BURST, INTERRUPTED, CHANGE},
     "MESSAGE rerun t.B; RUN retry_test",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},
    {"a burst stops a later run of the cycle its first file began", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), CHANGE,
      PASS(1), BURST},
     "STOP",
     "next=retry_suite retry=- suite=t.A,t.B smart=- burst_waits"},
    {"a burst leaves a run no change began alone", 1, 0,
     {START, BURST},
     "",
     "next=full retry=- suite=- smart=-"},
    {"a burst after the cycle of its first file ended stops nothing", 1, 0,
     {START, PASS(5), CHANGE, PASS(5), BURST},
     "",
     "next=full retry=- suite=- smart=-"},
    {"smart: the rest of a burst adds its tests to the first file's", 0, 1,
     {START, SMART("t.A"), BURST, INTERRUPTED, SMART("t.C")},
     "RUN smart",
     "next=smart retry=- suite=- smart=t.A,t.C"},

    /* ---- smart mode ------------------------------------------------------- */
    {"smart: a change runs the tests it affects", 0, 1,
     {START, SMART("t.A t.C")},
     "RUN smart",
     "next=smart retry=- suite=- smart=t.A,t.C"},
    {"smart: a change that affects no test runs nothing", 0, 1,
     {START, SMART("")},
     "",
     "next=full retry=- suite=- smart=-"},
    {"smart: the smart suite passes: wait (smart implies forever)", 0, 1,
     {START, SMART("t.A t.C"), PASS(2)},
     "NOTIFY pass \"2 tests run\" \"everything good!\"; WAIT",
     "next=smart retry=- suite=- smart=t.A,t.C"},
    {"smart: the smart suite fails: the biggest problem runs alone", 0, 1,
     {START, SMART("t.A t.C"), FAIL(2, "t.C", "t.C")},
     "MESSAGE rerun t.C; RUN retry_test",
     "next=retry_test retry=t.C suite=t.C smart=t.A,t.C"},
    {"smart: the retry test passes: the smart suite runs again", 0, 1,
     {START, SMART("t.A t.C"), FAIL(2, "t.C", "t.C"), PASS(1)},
     "RUN smart",
     "next=smart retry=- suite=- smart=t.A,t.C"},
    {"smart: while a test is being fixed, a change that affects no test "
     "runs it", 0, 1,
     {START, SMART("t.A t.C"), FAIL(2, "t.C", "t.C"), FAIL(1, "t.C", "t.C"),
      SMART("")},
     "MESSAGE rerun t.C; RUN retry_test",
     "next=retry_test retry=t.C suite=t.C smart=-"},
    {"smart: a change during a run that affects no test is not acted on",
     0, 1,
     {START, SMART("t.A"), SMART(""), PASS(1)},
     "NOTIFY pass \"1 test run\" \"everything good!\"; WAIT",
     "next=full retry=- suite=- smart=-"},
    {"smart: a change during a run that affects tests runs them next", 0, 1,
     {START, SMART("t.A"), SMART("t.B"), PASS(1)},
     "RUN smart",
     "next=smart retry=- suite=- smart=t.B"},

    /* ---- a test that passes alone but not with the others ------------ */
    /* Regression: when the retry suite held only the retry test, it is skipped
     * and the full suite runs; if the test passes alone but fails in the
     * full suite (an isolation problem) and nothing changes, cctrial runs
     * it alone, then the full suite, for ever.  The guard must cover a
     * failure of any suite that holds the test that passed alone. */
    {"guard: the retry test passed alone but fails again in the full "
     "suite with no change: wait instead of looping", 0, 0,
     {START, FAIL(5, "t.A", "t.A"), PASS(1), FAIL(5, "t.A", "t.A")},
     "MESSAGE please_fix t.A; "
     "NOTIFY fail \"5 tests run\" \"1 test broken!\"; WAIT",
     "next=retry_test retry=t.A suite=t.A smart=-"},

    /* ---- keys: requests while watching ---------------------------------- */
    {"Enter while waiting for a fix re-runs the retry test", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"),
      REQUEST(CCT_REQ_RERUN)},
     "MESSAGE rerun t.B; RUN retry_test",
     "next=retry_test retry=t.B suite=t.A,t.B smart=-"},
    {"a: the full suite, forgetting what was failing", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"),
      REQUEST(CCT_REQ_ALL)},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"f: only the tests that failed last", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"),
      REQUEST(CCT_REQ_FAILED)},
     "RUN retry_suite",
     "next=retry_suite retry=- suite=t.A,t.B smart=-"},
    {"f with nothing failed does nothing", 1, 0,
     {START, PASS(5), REQUEST(CCT_REQ_FAILED)},
     "",
     "next=full retry=- suite=- smart=-"},
    {"a request after an interrupted run runs at once", 1, 0,
     {START, INTERRUPTED, REQUEST(CCT_REQ_RERUN)},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"s turns smart mode on: a change runs only what it affects", 0, 0,
     {START, PASS(5), SMART_ON, SMART("t.C")},
     "RUN smart",
     "next=smart retry=- suite=- smart=t.C"},
    {"s turns smart mode on: it implies forever", 0, 0,
     {START, PASS(5), SMART_ON, SMART("t.C"), PASS(1)},
     "NOTIFY pass \"1 test run\" \"everything good!\"; WAIT",
     "next=smart retry=- suite=- smart=t.C"},
    {"s turns smart mode off: a change runs the full suite", 1, 1,
     {START, SMART("t.C"), PASS(1), SMART_OFF, CHANGE},
     "RUN full",
     "next=full retry=- suite=- smart=t.C"},

    /* ---- keys during a run ---------------------------------------------- */
    {"a key during a run stops it; the request waits for its end", 1, 0,
     {START, REQUEST(CCT_REQ_ALL)},
     "STOP",
     "next=full retry=- suite=- smart=- request=all"},
    {"the stopped run's end carries the request out", 1, 0,
     {START, REQUEST(CCT_REQ_ALL), INTERRUPTED},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"f during the retry test: the retry suite runs once it stopped", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), REQUEST(CCT_REQ_FAILED),
      INTERRUPTED},
     "RUN retry_suite",
     "next=retry_suite retry=- suite=t.A,t.B smart=-"},
    {"a run that ended before its stop took effect: the request runs, the "
     "result is not judged", 0, 0,
     {START, REQUEST(CCT_REQ_RERUN), FAIL(5, "t.A", "t.A")},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"a later key replaces the request that waits", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), REQUEST(CCT_REQ_ALL),
      REQUEST(CCT_REQ_FAILED), INTERRUPTED},
     "RUN retry_suite",
     "next=retry_suite retry=- suite=t.A,t.B smart=-"},
    {"f with nothing failed does not stop the run", 1, 0,
     {START, REQUEST(CCT_REQ_FAILED)},
     "",
     "next=full retry=- suite=- smart=-"},
    {"p stops the run and asks for nothing", 1, 0,
     {START, REQUEST(CCT_REQ_STOP)},
     "STOP",
     "next=full retry=- suite=- smart=-"},
    {"after p, the stopped run's end waits", 1, 0,
     {START, REQUEST(CCT_REQ_STOP), INTERRUPTED},
     "WAIT",
     "next=full retry=- suite=- smart=-"},
    {"p drops the request that waits", 1, 0,
     {START, REQUEST(CCT_REQ_ALL), REQUEST(CCT_REQ_STOP), INTERRUPTED},
     "WAIT",
     "next=full retry=- suite=- smart=-"},
    {"p while waiting does nothing", 1, 0,
     {START, PASS(5), REQUEST(CCT_REQ_STOP)},
     "",
     "next=full retry=- suite=- smart=-"},

    /* ---- discovery ------------------------------------------------------ */
    {"a key during a blocking discovery waits for its end", 1, 0,
     {START, PASS(5), DISCOVERY, REQUEST(CCT_REQ_ALL)},
     "",
     "next=full retry=- suite=- smart=- discovery=blocking request=all"},
    {"the discovery's end carries the request out", 1, 0,
     {START, PASS(5), DISCOVERY, REQUEST(CCT_REQ_ALL), DISCOVERED("")},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"a key during a background discovery runs at once", 1, 0,
     {START, PASS(5), BACKGROUND_DISCOVERY, REQUEST(CCT_REQ_RERUN)},
     "RUN full",
     "next=full retry=- suite=- smart=- discovery=background"},
    {"a change during a blocking discovery: the full suite waits for it",
     1, 0,
     {START, PASS(5), DISCOVERY, CHANGE},
     "",
     "next=full retry=- suite=- smart=- discovery=blocking run_waits"},
    {"the discovery's end releases the run that waited", 1, 0,
     {START, PASS(5), DISCOVERY, CHANGE, DISCOVERED("")},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"a background discovery that turns blocking holds up the full suite",
     1, 0,
     {START, PASS(5), BACKGROUND_DISCOVERY, DISCOVERY, CHANGE},
     "",
     "next=full retry=- suite=- smart=- discovery=blocking run_waits"},
    {"a discovery already blocking stays so", 1, 0,
     {START, PASS(5), DISCOVERY, BACKGROUND_DISCOVERY, CHANGE},
     "",
     "next=full retry=- suite=- smart=- discovery=blocking run_waits"},
    {"a change during a background discovery runs at once", 1, 0,
     {START, PASS(5), BACKGROUND_DISCOVERY, CHANGE},
     "RUN full",
     "next=full retry=- suite=- smart=- discovery=background"},
    {"a change during a blocking discovery runs the retry test at once "
     "(the fix loop)", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), DISCOVERY,
      CHANGE},
     "MESSAGE rerun t.B; RUN retry_test",
     "next=retry_test retry=t.B suite=t.A,t.B smart=- discovery=blocking"},
    {"the retry test passes during a blocking discovery: the retry suite "
     "runs", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), DISCOVERY,
      CHANGE, PASS(1)},
     "RUN retry_suite",
     "next=retry_suite retry=- suite=t.A,t.B smart=- discovery=blocking"},
    {"the retry suite passes during a blocking discovery: the full suite "
     "waits for it", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), DISCOVERY,
      CHANGE, PASS(1), PASS(2)},
     "",
     "next=full retry=- suite=- smart=- discovery=blocking run_waits"},
    {"a change during a run and a blocking discovery: the run after it "
     "waits for the discovery", 1, 0,
     {START, DISCOVERY, CHANGE, PASS(5)},
     "",
     "next=full retry=- suite=- smart=- discovery=blocking run_waits"},
    {"regression: a key while the retry test runs during a blocking "
     "discovery stops it, and its end waits for the discovery", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), DISCOVERY,
      CHANGE, REQUEST(CCT_REQ_ALL), INTERRUPTED},
     "",
     "next=retry_test retry=t.B suite=t.A,t.B smart=- discovery=blocking "
     "request=all"},
    {"regression: then the discovery's end runs the full suite, once", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), DISCOVERY,
      CHANGE, REQUEST(CCT_REQ_ALL), INTERRUPTED, DISCOVERED("")},
     "RUN full",
     "next=full retry=- suite=- smart=-"},
    {"a change while a request waits for the discovery starts nothing", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), DISCOVERY,
      REQUEST(CCT_REQ_RERUN), CHANGE},
     "",
     "next=retry_test retry=t.B suite=t.A,t.B smart=- discovery=blocking "
     "request=rerun"},
    {"the discovery's end forgets deleted tests: please fix on one that is "
     "gone moves on", 0, 0,
     {START, FAIL(5, "t.A t.B", "t.B"), FAIL(1, "t.B", "t.B"), DISCOVERY,
      DISCOVERED("t.B")},
     "RUN retry_suite",
     "next=retry_suite retry=- suite=t.A smart=-"},
    {"the discovery's end with nothing waiting starts nothing", 1, 0,
     {START, PASS(5), DISCOVERY, DISCOVERED("")},
     "",
     "next=full retry=- suite=- smart=-"},
    {"the discovery's end during a run leaves it to the run's end", 1, 0,
     {START, DISCOVERY, CHANGE, DISCOVERED("")},
     "",
     "next=full retry=- suite=- smart=-"},
    {"the request for failed tests all deleted meanwhile waits", 0, 0,
     {START, FAIL(5, "t.A", "t.A"), FAIL(1, "t.A", "t.A"), DISCOVERY,
      REQUEST(CCT_REQ_FAILED), DISCOVERED("t.A")},
     "WAIT",
     "next=full retry=- suite=- smart=-"},

    /* ---- smart mode and discovery ------------------------------------- */
    {"smart: a change asks which tests it affects", 0, 1,
     {START, CHANGE},
     "SELECT",
     "next=full retry=- suite=- smart=-"},
    {"smart: a change during a blocking discovery waits for its catalog",
     0, 1,
     {START, DISCOVERY, CHANGE},
     "",
     "next=full retry=- suite=- smart=- discovery=blocking "
     "selection_waits"},
    {"smart: the discovery's end asks for the selection", 0, 1,
     {START, DISCOVERY, CHANGE, DISCOVERED("")},
     "SELECT",
     "next=full retry=- suite=- smart=-"},
    {"smart: the selection after the discovery runs", 0, 1,
     {START, DISCOVERY, CHANGE, DISCOVERED(""), SELECTED("t.A")},
     "RUN smart",
     "next=smart retry=- suite=- smart=t.A"},
    {"smart: a change during a background discovery is selected at once",
     0, 1,
     {START, BACKGROUND_DISCOVERY, CHANGE},
     "SELECT",
     "next=full retry=- suite=- smart=- discovery=background"},
    {"smart: the discovery's end runs the request, then asks for the "
     "selection", 0, 1,
     {START, DISCOVERY, CHANGE, REQUEST(CCT_REQ_ALL), DISCOVERED("")},
     "RUN full; SELECT",
     "next=full retry=- suite=- smart=-"},
    {"smart: that selection, during the request's run, runs after it", 0, 1,
     {START, DISCOVERY, CHANGE, REQUEST(CCT_REQ_ALL), DISCOVERED(""),
      SELECTED("t.C"), PASS(5)},
     "RUN smart",
     "next=smart retry=- suite=- smart=t.C"},
    {"smart off while a selection waits: a plain change, after the "
     "discovery", 0, 1,
     {START, DISCOVERY, CHANGE, SMART_OFF, DISCOVERED("")},
     "RUN full",
     "next=full retry=- suite=- smart=-"},

    /* ---- once and hook modes ------------------------------------------- */
    {"once: the given tests run", 0, 0,
     {ONCE(CCT_SUITE_SMART, "t.A t.C")},
     "RUN smart",
     "next=full retry=- suite=t.A,t.C smart=t.A,t.C"},
    {"once: they pass: exit 0, nothing else", 0, 0,
     {ONCE(CCT_SUITE_FULL, "t.A"), PASS(1)},
     "EXIT 0",
     "next=full retry=- suite=t.A smart=t.A"},
    {"once: they fail: exit 1, nothing else", 0, 0,
     {ONCE(CCT_SUITE_FULL, "t.A"), FAIL(1, "t.A", "t.A")},
     "EXIT 1",
     "next=full retry=- suite=t.A smart=t.A"},
};

static cct_workflow wf;
static cct_actions actions;
static cct_strv failed, affected;

static void setup(void)
{
    cct_strv_init(&failed);
    cct_strv_init(&affected);
    memset(&wf, 0, sizeof(wf));
    memset(&actions, 0, sizeof(actions));
}

static void teardown(void)
{
    cct_workflow_free(&wf);
    cct_strv_free(&failed);
    cct_strv_free(&affected);
}

TestSuite(workflow, .init = setup, .fini = teardown);

static const char *const message_names[] = {
    "rerun", "please_fix", "waiting", "no_test_for", "no_test_to_run",
    "info"};

static char *actions_text(const cct_actions *a)
{
    cct_buf b;
    cct_buf_init(&b);
    for (size_t i = 0; i < a->n; i++) {
        const cct_action *x = &a->items[i];
        if (i)
            cct_buf_adds(&b, "; ");
        switch (x->kind) {
        case CCT_ACT_RUN:
            cct_buf_printf(&b, "RUN %s", cct_suite_name(x->suite));
            break;
        case CCT_ACT_NOTIFY:
            cct_buf_printf(&b, "NOTIFY %s \"%s\" \"%s\"",
                           x->status == CCT_NOTIFY_PASS ? "pass" : "fail",
                           x->title, x->text);
            break;
        case CCT_ACT_SHOW_LOGS:
            cct_buf_printf(&b, "SHOW_LOGS %s", x->test ? x->test : "(null)");
            break;
        case CCT_ACT_MESSAGE:
            cct_buf_printf(&b, "MESSAGE %s %s", message_names[x->message],
                           x->test ? x->test : "(null)");
            break;
        case CCT_ACT_WAIT:
            cct_buf_adds(&b, "WAIT");
            break;
        case CCT_ACT_EXIT:
            cct_buf_printf(&b, "EXIT %d", x->exit_code);
            break;
        case CCT_ACT_STOP:
            cct_buf_adds(&b, "STOP");
            break;
        case CCT_ACT_SELECT:
            cct_buf_adds(&b, "SELECT");
            break;
        }
    }
    return cct_buf_steal(&b);
}

static void add_ids(cct_buf *b, const cct_strv *ids)
{
    if (!ids || ids->len == 0) {
        cct_buf_addc(b, '-');
        return;
    }
    char *joined = cct_strv_join(ids, ",");
    cct_buf_adds(b, joined);
    free(joined);
}

static char *state_text(void)
{
    cct_buf b;
    cct_buf_init(&b);
    cct_buf_printf(&b, "next=%s retry=%s suite=",
                   cct_suite_name(cct_workflow_next_suite(&wf)),
                   wf.retry_test ? wf.retry_test : "-");
    add_ids(&b, cct_workflow_tests(&wf, CCT_SUITE_RETRY_SUITE));
    cct_buf_adds(&b, " smart=");
    add_ids(&b, cct_workflow_tests(&wf, CCT_SUITE_SMART));
    static const char *const discoveries[] = {"none", "background",
                                              "blocking"};
    static const char *const requests[] = {"rerun", "all", "failed",
                                           "stop"};
    if (wf.discovery != CCT_DISCOVERY_NONE)
        cct_buf_printf(&b, " discovery=%s", discoveries[wf.discovery]);
    if (wf.run_waits)
        cct_buf_adds(&b, " run_waits");
    if (wf.request_waits)
        cct_buf_printf(&b, " request=%s", requests[wf.request]);
    if (wf.selection_waits)
        cct_buf_adds(&b, " selection_waits");
    if (wf.burst_waits)
        cct_buf_adds(&b, " burst_waits");
    return cct_buf_steal(&b);
}

/* Whether `id` exists when the ids in `arg` (space-separated) are gone. */
static int not_in(const char *id, void *arg)
{
    cct_strv gone;
    cct_strv_init(&gone);
    cct_strv_split_words(&gone, arg);
    int exists = !cct_strv_contains(&gone, id);
    cct_strv_free(&gone);
    return exists;
}

/* Feeds one event, as the session would. */
static void apply(const event *e)
{
    switch (e->kind) {
    case EV_START:
        cct_workflow_start(&wf, &actions);
        break;
    case EV_DONE: {
        cct_strv_clear(&failed);
        if (e->failed)
            cct_strv_split_words(&failed, e->failed);
        cct_run_outcome run = {.passed = e->passed,
                               .tests_run = e->tests_run,
                               .failed = &failed,
                               .biggest = e->biggest,
                               .interrupted = e->interrupted};
        cct_workflow_run_done(&wf, &run, &actions);
        break;
    }
    case EV_CHANGE:
        cct_workflow_change(&wf, &actions);
        break;
    case EV_SMART:
        cct_workflow_change(&wf, &actions);
        cr_assert(actions.n == 1 && actions.items[0].kind == CCT_ACT_SELECT,
                  "a change in smart mode asks for the selection");
        /* fall through: the session answers at once */
    case EV_SELECTED:
        cct_strv_clear(&affected);
        cct_strv_split_words(&affected, e->smart);
        cct_workflow_selected(&wf, &affected, &actions);
        break;
    case EV_REQUEST:
        /* As the session does: a refused request changes nothing. */
        if (cct_workflow_request(&wf, e->request, &actions) < 0)
            actions.n = 0;
        break;
    case EV_SMART_ON:
    case EV_SMART_OFF:
        cct_workflow_set_smart(&wf, e->kind == EV_SMART_ON);
        actions.n = 0;
        break;
    case EV_DISCOVERY:
        cct_workflow_discovery_begins(&wf, e->discovery);
        actions.n = 0;
        break;
    case EV_DISCOVERY_DONE:
        cct_workflow_discovery_done(&wf, not_in, (void *)e->gone, &actions);
        break;
    case EV_ONCE:
        cct_strv_clear(&affected);
        cct_strv_split_words(&affected, e->smart);
        cct_workflow_start_once(&wf, e->suite, &affected, &actions);
        break;
    case EV_BURST:
        cct_workflow_burst(&wf, &actions);
        break;
    case EV_END:
        break;
    }
}

/* Runs a row: every event, checking that the row itself is possible (a
 * run ends only while one is going, a selection answers a SELECT) and
 * that the workflow's "a run is going" follows its RUN actions and the
 * runs' ends, then the last event's actions and the state. */
static void check_row(const row *r)
{
    cct_workflow_init(&wf, r->forever, r->smart);
    int running = 0, selecting = 0;
    size_t n = 0;
    while (n < CCT_ARRAY_SIZE(r->events) && r->events[n].kind != EV_END)
        n++;
    cr_assert_gt(n, 0, "row '%s' has no event", r->name);
    for (size_t i = 0; i < n; i++) {
        const event *e = &r->events[i];
        cr_assert(e->kind != EV_DONE || running,
                  "row '%s', event %zu: no run is going to end", r->name, i);
        cr_assert(e->kind != EV_SELECTED || selecting,
                  "row '%s', event %zu: no selection asked for", r->name, i);
        if (e->kind == EV_DONE)
            running = 0;
        if (e->kind == EV_SELECTED)
            selecting = 0;
        apply(e);
        cr_assert_leq(actions.n, CCT_MAX_ACTIONS);
        for (size_t k = 0; k < actions.n; k++) {
            cct_action_kind kind = actions.items[k].kind;
            cr_assert(kind != CCT_ACT_RUN || !running,
                      "row '%s', event %zu: a run over a run", r->name, i);
            cr_assert(kind != CCT_ACT_STOP || running,
                      "row '%s', event %zu: no run to stop", r->name, i);
            if (kind == CCT_ACT_RUN)
                running = 1;
            if (kind == CCT_ACT_SELECT)
                selecting = 1;
        }
        cr_assert_eq(wf.running, running,
                     "row '%s', event %zu: the workflow says a run is%s "
                     "going", r->name, i, wf.running ? "" : " not");
    }
    char *got = actions_text(&actions);
    cr_expect_str_eq(got, r->actions,
                     "row '%s': actions\n  got:      %s\n  expected: %s",
                     r->name, got, r->actions);
    free(got);
    char *state = state_text();
    cr_expect_str_eq(state, r->state,
                     "row '%s': state\n  got:      %s\n  expected: %s",
                     r->name, state, r->state);
    free(state);
}

/* Rows are passed by index: a row's pointers are valid only in this
 * process image, where the table is. */
ParameterizedTestParameters(workflow, transitions)
{
    static size_t indexes[CCT_ARRAY_SIZE(rows)];
    for (size_t i = 0; i < CCT_ARRAY_SIZE(rows); i++)
        indexes[i] = i;
    return cr_make_param_array(size_t, indexes, CCT_ARRAY_SIZE(indexes));
}

ParameterizedTest(size_t *i, workflow, transitions)
{
    check_row(&rows[*i]);
}

/* ---- whole sessions ------------------------------------------------------- */

/* A session through every stage, checking the suite each RUN asks for:
 * the sequence a user sees in the project page's screenshots. */
Test(workflow, a_whole_session_from_red_to_green)
{
    static const struct {
        event e;
        const char *suite; /* the RUN it must produce, or NULL */
    } steps[] = {
        {START, "full"},
        {FAIL(38, "t.A t.B t.C t.D", "t.B"), "retry_test"},
        {FAIL(1, "t.B", "t.B"), NULL},
        {CHANGE, "retry_test"},
        {FAIL(1, "t.B", "t.B"), NULL},
        {CHANGE, "retry_test"},
        {PASS(1), "retry_suite"},
        {CHANGE, NULL}, /* during the retry suite */
        {FAIL(4, "t.C", "t.C"), "retry_test"},
        {PASS(1), "full"},
        {PASS(38), NULL},
    };
    cct_workflow_init(&wf, 0, 0);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(steps); i++) {
        apply(&steps[i].e);
        const char *run = NULL;
        for (size_t k = 0; k < actions.n; k++)
            if (actions.items[k].kind == CCT_ACT_RUN)
                run = cct_suite_name(actions.items[k].suite);
        if (steps[i].suite)
            cr_assert(run && strcmp(run, steps[i].suite) == 0,
                      "step %zu ran %s, not %s", i, run ? run : "nothing",
                      steps[i].suite);
        else
            cr_assert_null(run, "step %zu ran %s", i, run);
    }
    cr_assert_eq(actions.items[actions.n - 1].kind, CCT_ACT_EXIT);
    cr_assert_eq(actions.items[actions.n - 1].exit_code, 0);
}

/* The same session, for its notifications: one per cycle, just before the
 * wait or the exit that ends it, saying the cycle's last verdict; none
 * while the fix loop goes on without a wait.  A cycle that went through
 * a failing full suite and a retry test still failing is titled by the
 * suite's count. */
Test(workflow, one_notification_per_cycle)
{
    static const struct {
        event e;
        const char *notification; /* "status|title|text", or NULL */
    } steps[] = {
        {START, NULL},
        {FAIL(38, "t.A t.B t.C t.D", "t.B"), NULL},
        {FAIL(1, "t.B", "t.B"), "fail|4 tests broken!|t.B"},
        {CHANGE, NULL},
        {FAIL(1, "t.B", "t.B"), "fail|Still broken!|t.B"},
        {CHANGE, NULL},
        {PASS(1), NULL},
        {CHANGE, NULL}, /* during the retry suite: no wait */
        {FAIL(4, "t.C", "t.C"), NULL},
        {PASS(1), NULL},
        {PASS(38), "pass|38 tests run|everything good!"},
    };
    cct_workflow_init(&wf, 0, 0);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(steps); i++) {
        apply(&steps[i].e);
        size_t notifies = 0;
        for (size_t k = 0; k < actions.n; k++)
            notifies += actions.items[k].kind == CCT_ACT_NOTIFY;
        if (!steps[i].notification) {
            cr_assert_eq(notifies, 0, "step %zu notified", i);
            continue;
        }
        cr_assert_eq(notifies, 1, "step %zu: %zu notifications", i,
                     notifies);
        cr_assert_geq(actions.n, 2);
        const cct_action *end = &actions.items[actions.n - 1];
        const cct_action *n = &actions.items[actions.n - 2];
        cr_assert(end->kind == CCT_ACT_WAIT || end->kind == CCT_ACT_EXIT,
                  "step %zu notified but does not end a cycle", i);
        cr_assert_eq(n->kind, CCT_ACT_NOTIFY, "step %zu: the notification "
                     "is not just before the cycle's end", i);
        char *got = cct_xasprintf("%s|%s|%s",
                                  n->status == CCT_NOTIFY_PASS ? "pass"
                                                               : "fail",
                                  n->title, n->text);
        cr_assert_str_eq(got, steps[i].notification, "step %zu", i);
        free(got);
    }
}

/* "1 test", never "1 tests"; the retry suite counts its failures. */
Test(workflow, counts_are_singular_or_plural)
{
    cct_workflow_init(&wf, 1, 0);
    apply(&(event)START);
    apply(&(event)FAIL(1, "t.A", NULL));
    cr_assert_str_eq(wf.notice_title, "1 test run");
    cr_assert_str_eq(wf.notice_text, "1 test broken!");
    /* No biggest problem: the retry suite runs, and fails again. */
    apply(&(event)FAIL(1, "t.A", NULL));
    cr_assert_str_eq(wf.notice_title, "0 fixed");
    cr_assert_str_eq(wf.notice_text, "1 test failure to fix");
    cct_workflow_free(&wf);
}

Test(workflow, the_retry_suite_runs_exactly_the_failed_tests)
{
    cct_workflow_init(&wf, 0, 0);
    apply(&(event)START);
    apply(&(event)FAIL(9, "a.T.x a.T.y z.T.w", "a.T.y"));
    cr_assert_null(cct_workflow_tests(&wf, CCT_SUITE_FULL),
                   "the full suite is every selected test, not a list");
    const cct_strv *suite = cct_workflow_tests(&wf, CCT_SUITE_RETRY_SUITE);
    cr_assert_eq(suite->len, 3);
    cr_assert_str_eq(suite->items[0], "a.T.x");
    cr_assert_str_eq(suite->items[2], "z.T.w");
}

/* ---- forgetting tests that no longer exist ---------------------------- */

/* Forgets the tests `gone` names; the actions land in `actions`. */
static void forget(const char *gone)
{
    cct_workflow_forget_missing(&wf, not_in, (void *)gone, &actions);
}

Test(workflow, forget_missing_drops_removed_tests)
{
    cct_workflow_init(&wf, 0, 0);
    apply(&(event)START);
    apply(&(event)FAIL(5, "t.A t.B t.C", "t.B"));
    forget("t.B");
    char *state = state_text();
    cr_assert_str_eq(state, "next=retry_suite retry=- suite=t.A,t.C "
                            "smart=-");
    free(state);
    forget("t.A t.C");
    state = state_text();
    cr_assert_str_eq(state, "next=full retry=- suite=- smart=-");
    free(state);
}

Test(workflow, forget_missing_keeps_the_retry_test_when_it_exists)
{
    cct_workflow_init(&wf, 0, 0);
    apply(&(event)START);
    apply(&(event)FAIL(5, "t.A t.B t.C", "t.B"));
    forget("t.A t.Z");
    char *state = state_text();
    cr_assert_str_eq(state, "next=retry_test retry=t.B suite=t.B,t.C "
                            "smart=-");
    free(state);
}

Test(workflow, forget_missing_empties_the_smart_suite)
{
    cct_workflow_init(&wf, 0, 1);
    apply(&(event)START);
    apply(&(event)SMART("t.A t.B"));
    apply(&(event)PASS(2));
    forget("t.A");
    char *state = state_text();
    cr_assert_str_eq(state, "next=smart retry=- suite=- smart=t.B");
    free(state);
    forget("t.B");
    state = state_text();
    cr_assert_str_eq(state, "next=full retry=- suite=- smart=-");
    free(state);
}

/* "please fix" waits on a test whose module is then deleted: the other
 * failed tests run at once, without a change. */
Test(workflow, forget_missing_while_please_fix_waits_runs_the_rest)
{
    cct_workflow_init(&wf, 0, 0);
    apply(&(event)START);
    apply(&(event)FAIL(5, "t.A t.B t.C", "t.B"));
    apply(&(event)FAIL(1, "t.B", "t.B"));
    cr_assert_eq(actions.items[actions.n - 1].kind, CCT_ACT_WAIT);
    forget("t.B");
    char *got = actions_text(&actions);
    cr_assert_str_eq(got, "RUN retry_suite");
    free(got);
    char *state = state_text();
    cr_assert_str_eq(state, "next=retry_suite retry=- suite=t.A,t.C "
                            "smart=-");
    free(state);
}

/* Nothing else failed: the full suite is next. */
Test(workflow, forget_missing_of_the_only_failure_runs_the_full_suite)
{
    cct_workflow_init(&wf, 1, 0);
    apply(&(event)START);
    apply(&(event)FAIL(5, "t.B", "t.B"));
    apply(&(event)FAIL(1, "t.B", "t.B"));
    forget("t.B");
    char *got = actions_text(&actions);
    cr_assert_str_eq(got, "RUN full");
    free(got);
}

/* Forgotten while it runs: no action now; the run's end, failed or
 * passed, moves on instead of asking to fix a test that is gone. */
Test(workflow, a_retry_test_forgotten_during_its_run_moves_on)
{
    static const event ends[] = {FAIL(1, "t.B", "t.B"), PASS(1)};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(ends); i++) {
        if (i)
            cct_workflow_free(&wf);
        cct_workflow_init(&wf, 0, 0);
        apply(&(event)START);
        apply(&(event)FAIL(5, "t.A t.B", "t.B"));
        forget("t.B");
        cr_assert_eq(actions.n, 0, "no action during the run");
        apply(&ends[i]);
        char *got = actions_text(&actions);
        cr_assert_str_eq(got, "RUN retry_suite", "end %zu", i);
        free(got);
    }
}

/* Forgetting tests other than the retry test starts nothing. */
Test(workflow, forget_missing_of_other_tests_starts_nothing)
{
    cct_workflow_init(&wf, 0, 0);
    apply(&(event)START);
    apply(&(event)FAIL(5, "t.A t.B t.C", "t.B"));
    apply(&(event)FAIL(1, "t.B", "t.B"));
    forget("t.A");
    cr_assert_eq(actions.n, 0);
}

Test(workflow, suite_names)
{
    cr_assert_str_eq(cct_suite_name(CCT_SUITE_FULL), "full");
    cr_assert_str_eq(cct_suite_name(CCT_SUITE_SMART), "smart");
    cr_assert_str_eq(cct_suite_name(CCT_SUITE_RETRY_SUITE), "retry_suite");
    cr_assert_str_eq(cct_suite_name(CCT_SUITE_RETRY_TEST), "retry_test");
}

/* ---- until_failure (trial's -u) ---------------------------------------- */

static cct_run_outcome outcome(int passed, size_t tests_run,
                               const cct_strv *failed, const char *biggest)
{
    return (cct_run_outcome){.passed = passed, .tests_run = tests_run,
                             .failed = failed, .biggest = biggest};
}

static const cct_action *only(const cct_actions *a, cct_action_kind kind)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].kind == kind)
            return &a->items[i];
    return NULL;
}

Test(workflow, until_failure_once_repeats_until_a_run_fails)
{
    cct_workflow w;
    cct_actions a;
    cct_strv tests, none, failed;
    cct_strv_init(&tests);
    cct_strv_init(&none);
    cct_strv_init(&failed);
    cct_strv_add(&tests, "t.A");
    cct_strv_add(&failed, "t.A");
    cct_workflow_init(&w, 0, 0);
    cct_workflow_set_until_failure(&w, 1);
    cct_workflow_start_once(&w, CCT_SUITE_FULL, &tests, &a);
    cr_assert_eq(w.pass, 1, "the first run is pass 1");
    for (unsigned pass = 2; pass <= 3; pass++) {
        cct_run_outcome ok = outcome(1, 1, &none, NULL);
        cct_workflow_run_done(&w, &ok, &a);
        cr_assert(a.n == 1 && a.items[0].kind == CCT_ACT_RUN &&
                  a.items[0].suite == CCT_SUITE_FULL,
                  "a run that passed runs again");
        cr_assert(w.running);
        cr_assert_eq(w.pass, pass);
        cr_assert_eq(cct_workflow_tests(&w, CCT_SUITE_FULL)->len, 1,
                     "the same tests");
    }
    cct_run_outcome bad = outcome(0, 1, &failed, "t.A");
    cct_workflow_run_done(&w, &bad, &a);
    cr_assert(a.n == 1 && a.items[0].kind == CCT_ACT_EXIT &&
              a.items[0].exit_code == 1, "the failing pass ends it");
    cct_workflow_free(&w);
    cct_strv_free(&tests);
    cct_strv_free(&none);
    cct_strv_free(&failed);
}

Test(workflow, until_failure_once_ends_on_a_run_of_no_test)
{
    /* trial's runUntilFailure stops when a pass ran nothing. */
    cct_workflow w;
    cct_actions a;
    cct_strv tests, none;
    cct_strv_init(&tests);
    cct_strv_init(&none);
    cct_strv_add(&tests, "t.A");
    cct_workflow_init(&w, 0, 0);
    cct_workflow_set_until_failure(&w, 1);
    cct_workflow_start_once(&w, CCT_SUITE_FULL, &tests, &a);
    cct_run_outcome empty = outcome(1, 0, &none, NULL);
    cct_workflow_run_done(&w, &empty, &a);
    cr_assert(a.n == 1 && a.items[0].kind == CCT_ACT_EXIT &&
              a.items[0].exit_code == 0);
    cct_workflow_free(&w);
    cct_strv_free(&tests);
    cct_strv_free(&none);
}

Test(workflow, until_failure_watching_repeats_the_full_suite_only)
{
    cct_workflow w;
    cct_actions a;
    cct_strv none, failed;
    cct_strv_init(&none);
    cct_strv_init(&failed);
    cct_strv_add(&failed, "t.A");
    cct_workflow_init(&w, 1, 0);
    cct_workflow_set_until_failure(&w, 1);
    cct_workflow_start(&w, &a);
    cr_assert_eq(w.pass, 1);
    cct_run_outcome ok = outcome(1, 5, &none, NULL);
    cct_workflow_run_done(&w, &ok, &a);
    cr_assert_not_null(only(&a, CCT_ACT_RUN), "no wait: it runs again");
    cr_assert_null(only(&a, CCT_ACT_WAIT));
    cr_assert_eq(w.pass, 2);
    /* It fails: the usual fixing, which is not a pass. */
    cct_run_outcome bad = outcome(0, 5, &failed, "t.A");
    cct_workflow_run_done(&w, &bad, &a);
    cr_assert_eq(only(&a, CCT_ACT_RUN)->suite, CCT_SUITE_RETRY_TEST);
    cr_assert_eq(w.pass, 0);
    cct_run_outcome fixed = outcome(1, 1, &none, NULL);
    cct_workflow_run_done(&w, &fixed, &a); /* the retry test passes,
                                               and it was all that failed */
    cr_assert_eq(only(&a, CCT_ACT_RUN)->suite, CCT_SUITE_FULL);
    cr_assert_eq(w.pass, 1, "the full suite's count starts again");
    /* A change during a pass: what runs for it is pass 1 again. */
    cct_workflow_change(&w, &a);
    cct_workflow_run_done(&w, &ok, &a);
    cr_assert_eq(w.pass, 1);
    cct_workflow_free(&w);
    cct_strv_free(&none);
    cct_strv_free(&failed);
}
