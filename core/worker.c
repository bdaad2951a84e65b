/*
 * A trial worker process and the manager's half of its AMP protocol (see
 * worker.h; its state is in worker_internal.h, what we send in
 * worker_send.c, what it sends us in worker_commands.c).
 *
 * Life of a worker: spawned (prewarmed) -> started (has a directory and
 * log files) -> runs tests one at a time -> stopped (we close its command
 * pipe, it exits) or dead (it exited by itself, was killed, or lied).  Its
 * end is decided only once both its exit status is known and its result
 * pipe is drained, so that a result written just before a crash is never
 * lost.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "worker_internal.h"

/* The test log is named by trial's --logfile (w->test_log). */
static const char *const log_names[N_LOGS] = {"out.log", "err.log", NULL};

static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* a log that cannot be written is not worth a crash */
        data += n;
        len -= (size_t)n;
    }
}

/* test.log's lines gathered so far (see log_batch). */
static void write_log_batch(cct_worker *w)
{
    uv_timer_stop(&w->log_timer);
    if (w->log_batch.len && w->log_fd[LOG_TEST] >= 0)
        write_all(w->log_fd[LOG_TEST], w->log_batch.data, w->log_batch.len);
    cct_buf_reset(&w->log_batch);
}

static void on_log_timer(uv_timer_t *timer)
{
    write_log_batch(timer->data);
}

/* At the end of a read: test.log is written when enough waits, or soon. */
static void schedule_log_batch(cct_worker *w)
{
    if (w->log_batch.len >= LOG_BATCH_MAX)
        write_log_batch(w);
    else if (w->log_batch.len &&
             !uv_is_active((uv_handle_t *)&w->log_timer))
        uv_timer_start(&w->log_timer, on_log_timer, LOG_BATCH_MS, 0);
}

void cct__worker_log(cct_worker *w, int which, const char *data, size_t len)
{
    if (which == LOG_TEST && w->log_fd[which] >= 0) {
        cct_buf_add(&w->log_batch, data, len);
        if (!w->in_read)
            schedule_log_batch(w);
        return;
    }
    if (w->log_fd[which] >= 0) {
        write_all(w->log_fd[which], data, len);
        return;
    }
    cct_buf *early = &w->early[which];
    if (early->len < EARLY_LIMIT)
        cct_buf_add(early, data, len < EARLY_LIMIT - early->len
                                     ? len : EARLY_LIMIT - early->len);
}

/* What the test wrote on its stdout or stderr. */
static void take_output(cct_worker *w, int is_err, const char *data,
                        size_t len)
{
    cct__worker_log(w, is_err ? LOG_ERR : LOG_OUT, data, len);
    if (is_err) {
        cct_buf_add(&w->err_tail, data, len);
        if (w->err_tail.len > ERR_TAIL)
            cct_buf_consume(&w->err_tail, w->err_tail.len - ERR_TAIL);
    }
}

/* Reads what waits in the stdout and stderr pipes now.  What a worker
 * wrote there before it answered Run, or before it died, is in the pipes
 * by then, but libuv may not have read it yet: the logs of a test, and the
 * stderr of a crash, must be whole when it is reported.  The pipes are
 * non-blocking; PIPE_DRAIN bounds the reading in case a thread of the test
 * keeps writing. */
static void drain_output(cct_worker *w)
{
    uv_stream_t *pipes[] = {w->out, w->err};
    char buf[65536];
    for (int i = 0; i < 2; i++) {
        uv_os_fd_t fd;
        if (uv_is_closing((uv_handle_t *)pipes[i]) ||
            uv_fileno((uv_handle_t *)pipes[i], &fd) < 0)
            continue;
        for (size_t total = 0; total < PIPE_DRAIN;) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; /* EAGAIN: all read; 0: its end, which libuv sees */
            take_output(w, i == 1, buf, (size_t)n);
            total += (size_t)n;
        }
    }
}

static void free_worker(cct_worker *w)
{
    for (int i = 0; i < N_LOGS; i++) {
        if (w->log_fd[i] >= 0)
            close(w->log_fd[i]);
        cct_buf_free(&w->early[i]);
    }
    cct_worker_reader_free(&w->reader);
    cct__worker_free_queue(w);
    cct_buf_free(&w->err_tail);
    cct_amp_decoder_free(&w->decoder);
    free(w->dir);
    free(w->test_log);
    cct_worker_runs_free(&w->runs);
    cct_buf_free(&w->log_batch);
    free(w->death);
    free(w);
}

static void on_closed(cct_worker *w)
{
    assert(w->open_handles > 0);
    if (--w->open_handles > 0)
        return;
    if (w->events.closed)
        w->events.closed(w, w->arg);
    free_worker(w);
}

static void on_handle_closed(uv_handle_t *handle)
{
    on_closed(handle->data);
}

static void on_spawn_closed(const cct_spawn_status *status, void *arg)
{
    (void)status; /* on_process_exit took it */
    on_closed(arg);
}

static void close_all(cct_worker *w)
{
    assert(w->finished);
    uv_close((uv_handle_t *)&w->timer, on_handle_closed);
    uv_close((uv_handle_t *)&w->confirm, on_handle_closed);
    uv_close((uv_handle_t *)&w->confirm_poll, on_handle_closed);
    uv_close((uv_handle_t *)&w->log_timer, on_handle_closed);
    uv_close((uv_handle_t *)&w->commands_timer, on_handle_closed);
    uv_close((uv_handle_t *)&w->batch_timer, on_handle_closed);
    cct_spawn_close(w->spawn);
}

/* The last lines of what the worker wrote on stderr. */
static void append_err_tail(cct_worker *w, cct_buf *why)
{
    const char *text = w->err_tail.data ? w->err_tail.data : "";
    size_t len = w->err_tail.len;
    while (len > 0 && text[len - 1] == '\n')
        len--;
    if (len == 0)
        return;
    size_t start = len, lines = 0;
    while (start > 0 && lines < ERR_TAIL_LINES) {
        start--;
        if (text[start] == '\n' && ++lines == ERR_TAIL_LINES) {
            start++;
            break;
        }
    }
    cct_buf_printf(why, "\nLast lines of its stderr (%s/err.log):\n",
                   w->dir ? w->dir : "not started");
    char *clean = cct_utf8_sanitize(text + start, len - start);
    cct_buf_adds(why, clean);
    cct_buf_addc(why, '\n');
    free(clean);
}

static char *describe_end(cct_worker *w)
{
    cct_buf why;
    cct_buf_init(&why);
    if (!w->death && w->commands_lost)
        cct_buf_adds(&why, "the worker's command pipe (file descriptor 3) was "
                           "closed, so it could run nothing more; ");
    if (w->death) {
        cct_buf_adds(&why, w->death);
    } else if (w->term_signal) {
        const char *name = cct_signal_name(w->term_signal);
        cct_buf_printf(&why, "the worker was killed by signal %d (SIG%s)",
                       w->term_signal, name ? name : "?");
    } else {
        cct_buf_printf(&why, "the worker exited with status %lld",
                       (long long)w->exit_status);
    }
    append_err_tail(w, &why);
    return cct_buf_steal(&why);
}

/* Both the exit status and the end of the result pipe are known (or the
 * pipe took too long to drain): report and close. */
static void finish(cct_worker *w)
{
    if (w->finished)
        return;
    w->finished = 1;
    uv_timer_stop(&w->timer);
    write_log_batch(w);
    drain_output(w);
    if (!w->stopping && w->events.died) {
        char *why = describe_end(w);
        w->events.died(w, why, w->arg);
        free(why);
    }
    close_all(w);
}

void cct_worker_kill(cct_worker *w, const char *why)
{
    if (w->finished)
        return;
    if (!w->death && why)
        w->death = cct_xstrdup(why);
    cct_spawn_kill(w->spawn, SIGKILL); /* UV_ESRCH once it has exited */
    /* Nothing more it says is believed. */
    if (!uv_is_closing((uv_handle_t *)w->results))
        uv_read_stop(w->results);
    w->results_eof = 1;
    if (w->exited)
        finish(w);
}

void cct__worker_protocol_error(cct_worker *w, const char *what)
{
    char *why = cct_xasprintf("the worker broke the AMP protocol: %s "
                              "(cctrial killed it)", what);
    cct_worker_kill(w, why);
    free(why);
}

static void on_timer(uv_timer_t *timer);

/* The test is past its timeout.  trial's worker holds the lines a test
 * logs until the test ends (in its output buffer; cctrial's fast worker
 * too), so killing it at once would lose them: a SIGINT first has the
 * test end with a KeyboardInterrupt and the worker send them, then it is
 * killed (see INTERRUPT_MS).  Its death is the test's result. */
static void interrupt(cct_worker *w)
{
    assert(cct__worker_test(w) && !w->death);
    w->death = cct_xasprintf("timed out after %u s (cctrial killed the "
                             "worker)", w->timeout_s);
    w->interrupting = 1;
    if (cct_spawn_kill(w->spawn, SIGINT) < 0) {
        cct_worker_kill(w, NULL);
        return;
    }
    uv_timer_start(&w->timer, on_timer, INTERRUPT_MS, 0);
}

/* How long the running test has run, stops of the job not counted. */
static uint64_t clock_ms(const cct_worker *w)
{
    uint64_t ran = w->clock_ran;
    if (!w->clock_paused)
        ran += uv_hrtime() - w->clock_since;
    return ran / 1000000;
}

static void on_results(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf);

/* ---- results read in batches (BATCH_MS) ----------------------------- */

static void resume_reading(cct_worker *w)
{
    if (!w->batch_paused)
        return;
    w->batch_paused = 0;
    uv_timer_stop(&w->batch_timer);
    if (!w->results_eof) /* else killed meanwhile: nothing more is read */
        uv_read_start(w->results, cct_alloc_buffer, on_results);
}

static void on_batch_timer(uv_timer_t *timer)
{
    resume_reading(timer->data);
}

/* After a read: while the worker has tests waiting ahead, the next read
 * can wait, for more results to come with it.  Only while it lives and
 * runs on: a worker being interrupted, stopped or killed is read at once
 * (and its exit resumes reading, see on_process_exit). */
static void pause_reading(cct_worker *w)
{
    assert(!w->batch_paused);
    if (w->runs.n_ahead == 0 || !cct_worker_is_alive(w) || w->interrupting ||
        w->results_eof)
        return;
    w->batch_paused = 1;
    uv_read_stop(w->results);
    /* To the next multiple of BATCH_MS on the loop's clock: the workers'
     * pauses end together, and one wake-up reads them all. */
    uint64_t now = uv_now(w->loop);
    uv_timer_start(&w->batch_timer, on_batch_timer,
                   BATCH_MS - now % BATCH_MS, 0);
}

static void arm_test_timer(cct_worker *w)
{
    uint64_t limit = (uint64_t)w->timeout_s * 1000, ran = clock_ms(w);
    uv_timer_start(&w->timer, on_timer, ran < limit ? limit - ran : 0, 0);
}

static void stop_confirming(cct_worker *w)
{
    uv_check_stop(&w->confirm);
    uv_idle_stop(&w->confirm_poll);
}

static void on_confirm_poll(uv_idle_t *idle)
{
    (void)idle; /* only there so that the loop polls without blocking */
}

/* After one more poll: the test may have ended meanwhile (its result
 * was waiting while cctrial was stopped) or its clock may have stopped
 * (the SIGCONT of a Ctrl-Z): then it has not timed out. */
static void on_confirm(uv_check_t *check)
{
    cct_worker *w = check->data;
    stop_confirming(w);
    if (!cct__worker_test(w) || w->interrupting || w->stopping || w->exited ||
        w->results_eof || w->clock_paused)
        return;
    if (clock_ms(w) >= (uint64_t)w->timeout_s * 1000)
        interrupt(w);
    else
        arm_test_timer(w);
}

static void confirm_timeout(cct_worker *w)
{
    resume_reading(w); /* the test's answer may be waiting */
    uv_idle_start(&w->confirm_poll, on_confirm_poll);
    uv_check_start(&w->confirm, on_confirm);
}

static void on_timer(uv_timer_t *timer)
{
    cct_worker *w = timer->data;
    if (w->exited) {
        finish(w); /* its result pipe did not drain: something kept it */
    } else if (w->stopping) {
        cct_spawn_kill(w->spawn, SIGKILL);
    } else if (w->results_eof) {
        cct_worker_kill(w, "the worker closed its result pipe and did not "
                           "exit (cctrial killed it)");
    } else if (!w->ready) {
        char *why = cct_xasprintf("the worker did not answer Start within "
                                  "%d s (cctrial killed it)", START_MS / 1000);
        cct_worker_kill(w, why);
        free(why);
    } else if (w->interrupting) {
        cct_worker_kill(w, NULL); /* it did not end the test in time */
    } else if (cct__worker_test(w)) {
        confirm_timeout(w);
    }
}

static void on_process_exit(const cct_spawn_status *status, void *arg)
{
    cct_worker *w = arg;
    resume_reading(w); /* what it wrote last, then the end of the pipe */
    w->exited = 1;
    w->exit_status = status->exit_status;
    w->term_signal = status->term_signal;
    if (w->results_eof)
        finish(w);
    else
        uv_timer_start(&w->timer, on_timer, DRAIN_MS, 0);
}

/* The per-test timeout, once the worker is ready and has a test; until
 * then the timer bounds its start (see START_MS). */
void cct__worker_start_test_timer(cct_worker *w)
{
    if (w->exited || w->stopping || w->results_eof)
        return; /* the timer bounds its end instead */
    stop_confirming(w);
    w->clock_ran = 0;
    w->clock_since = uv_hrtime();
    w->clock_paused = 0;
    if (w->ready && cct__worker_test(w) && w->timeout_s)
        arm_test_timer(w);
    else if (w->ready)
        uv_timer_stop(&w->timer);
}

/* The running test begins in the worker: its results, its clock. */
static void test_begins(cct_worker *w)
{
    w->n_results = 0;
    cct_worker_reader_new_run(&w->reader);
    w->test_start = uv_hrtime();
    cct__worker_start_test_timer(w);
}

static void test_over(cct_worker *w)
{
    /* Both counts are the test's that ended: read before the one sent
     * ahead begins and resets them. */
    size_t n = w->n_results;
    size_t tests_run = cct_worker_tests_run(w);
    uv_timer_stop(&w->timer);
    stop_confirming(w);
    size_t test = cct_worker_runs_end(&w->runs);
    /* The next one sent ahead goes on at once, unless the worker quits. */
    if (cct__worker_test(w) && !w->quits)
        test_begins(w);
    w->events.test_done(w, test, n, tests_run, w->arg);
}

/* What poll() says of one of the worker's pipes now (0 when it cannot). */
static short pipe_events(uv_stream_t *pipe)
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)pipe, &fd) < 0)
        return 0;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

/* Does the worker live?  Its end of the results pipe closes when it
 * ends (libuv's pipes are Unix socket pairs: one whose peer closed polls
 * as hung up). */
int cct__worker_alive(cct_worker *w)
{
    return !(pipe_events(w->results) & POLLHUP);
}

/* Did the test whose Run was just answered close the worker's end of the
 * command pipe?  cctrial's fast worker says so in the answer (the key
 * `cctrial-commands`: "closed" when its fd 3 is no longer the pipe it
 * started with).  trial's own worker does not, and it is guessed from the
 * pipes (it holds at most one test ahead, see session_run.c's
 * send_ahead): one whose peer closed polls as hung up, and as an error too
 * only when the peer left data unread.  Hung up alone, the worker's end
 * went in one of two ways:
 * - the test closed it, the worker living on (its results pipe is open),
 *   having read the test sent ahead or not;
 * - the worker exited after the answer, its results pipe closed with it:
 *   it had read the test sent ahead (nothing was left unread), which
 *   began and is the one its death is blamed on (rel_flood_bad_utf8: a
 *   test ends its worker with os._exit(3) just after the one before).
 * An error (the test sent ahead was left unread) says the test at hand
 * closed it, whatever the results pipe says.  The guess can blame the
 * wrong test when the one sent ahead closed the pipe before this answer
 * was read: the fast worker's word cannot. */
static int command_pipe_closed(cct_worker *w, const cct_amp_box *answer)
{
    size_t len;
    const char *said = cct_amp_get(answer, "cctrial-commands", &len);
    if (said)
        return len == strlen("closed") && memcmp(said, "closed", len) == 0;
    short cmd = pipe_events(w->cmd);
    if (cmd & POLLERR)
        return 1;
    return (cmd & POLLHUP) && cct__worker_alive(w);
}

/* Is this error answer AMP's QuitBox, sent for an exception the
 * responder did not declare (twisted.protocols.amp: UNKNOWN_ERROR_CODE)? */
static int quits(const cct_amp_box *box)
{
    size_t len;
    const char *code = cct_amp_get(box, "_error_code", &len);
    return code && len == strlen("UNKNOWN") &&
           memcmp(code, "UNKNOWN", len) == 0;
}

static void handle_reply(cct_worker *w, const cct_amp_box *box, int is_error)
{
    size_t len;
    const char *id = cct_amp_get(box, is_error ? "_error" : "_answer", &len);
    if (cct_ask_matches(id, len, w->start_ask)) {
        w->start_ask = 0;
        if (is_error) {
            cct__worker_protocol_error(w, "it refused Start");
        } else {
            w->ready = 1;
            /* A test handed out while the worker started begins now: its
             * duration is not Python's start-up (the history's durations
             * order runs and split shards). */
            if (cct__worker_test(w))
                w->test_start = uv_hrtime();
            cct__worker_start_test_timer(w);
            if (w->events.ready)
                w->events.ready(w, w->arg);
        }
        return;
    }
    switch (cct_worker_runs_match(&w->runs, id, len)) {
    case CCT_ANSWER_RUNNING:
        break;
    case CCT_ANSWER_AHEAD:
        cct__worker_protocol_error(
            w, "it answered a Run before the one sent earlier");
        return;
    case CCT_ANSWER_UNKNOWN:
        cct__worker_protocol_error(w, "an answer to a command never sent");
        return;
    }
    if (w->interrupting) {
        cct_worker_kill(w, NULL); /* the test ended: its lines are in */
        return;
    }
    if (is_error) {
        /* trial's manager records a failed Run as a failure of the test. */
        char *description = cct__worker_box_text(box, "_error_description");
        char *text = cct_xasprintf("%s\n", description ? description
                                                       : "Run failed");
        cct__worker_emit(w, CCT_OUTCOME_FAILURE, text);
        free(text);
        free(description);
    }
    if (is_error && quits(box)) {
        /* AMP answers an exception its responder did not expect (one that
         * escaped trial's running of the test: from TrialSuite, or a
         * KeyboardInterrupt from TestCase._wait) with a QuitBox, and
         * closes the connection: the test is over, and those sent ahead
         * never begin here (the runner gives them to another worker, see
         * cct_worker_is_ready). */
        w->quits = 1;
        test_over(w);
        cct_worker_kill(w, "the worker quit: trial's Run raised an "
                           "exception it did not expect (AMP's Unknown "
                           "Error; the worker's test.log holds its "
                           "traceback)");
        return;
    }
    if (command_pipe_closed(w, box)) {
        /* The test closed the worker's end of its command pipe: the worker
         * can take no more tests.  Its death is this test's doing, not the
         * next one's, and those sent ahead never began (the fast worker
         * runs none after such a test). */
        cct_worker_kill(w, "the test closed the worker's command pipe (file "
                           "descriptor 3), so the worker could run nothing "
                           "more (cctrial killed it)");
        return;
    }
    test_over(w);
}

static void handle_box(cct_worker *w, const cct_amp_box *box)
{
    if (cct_amp_has(box, "_command"))
        cct__worker_handle_command(w, box);
    else if (cct_amp_has(box, "_answer"))
        handle_reply(w, box, 0);
    else if (cct_amp_has(box, "_error"))
        handle_reply(w, box, 1);
    else
        cct__worker_protocol_error(
            w, "a box that is neither a command nor an answer");
}

static void on_results(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_worker *w = stream->data;
    if (n > 0 && !w->results_eof) {
        cct_amp_decoder_feed(&w->decoder, buf->base, (size_t)n);
        cct_amp_box box;
        int rc = 0;
        w->in_read = 1;
        while (!w->results_eof &&
               (rc = cct_amp_decoder_next(&w->decoder, &box)) > 0)
            handle_box(w, &box);
        w->in_read = 0;
        schedule_log_batch(w);
        cct__worker_flush(w);
        pause_reading(w);
        if (!w->results_eof && rc < 0)
            cct__worker_protocol_error(w, rc == CCT_ETOOLONG
                                              ? "a key longer than 255 bytes"
                                              : "a box of more than 64 "
                                                "keys");
    } else if (n < 0 && !w->results_eof) {
        w->results_eof = 1;
        uv_read_stop(stream);
        if (cct_amp_decoder_pending(&w->decoder) > 0 && !w->death)
            w->death = cct_xstrdup("the worker ended in the middle of an "
                                   "AMP box");
        if (w->exited)
            finish(w);
        else if (!w->stopping)
            uv_timer_start(&w->timer, on_timer, EOF_GRACE_MS, 0);
    }
    free(buf->base);
}

static void on_output(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_worker *w = stream->data;
    if (n > 0)
        take_output(w, stream == w->err, buf->base,
                    (size_t)n);
    else if (n < 0)
        uv_read_stop(stream);
    free(buf->base);
}

int cct_worker_spawn(uv_loop_t *loop, const cct_worker_setup *setup,
                     unsigned number, const cct_worker_events *events,
                     void *arg, cct_worker **out)
{
    cct_worker *w = cct_xcalloc(1, sizeof(*w));
    w->loop = loop;
    w->number = number;
    w->events = *events;
    w->arg = arg;
    w->result = setup->result;
    w->result_arg = setup->result_arg;
    cct_worker_reader_init(&w->reader, setup->sources);
    w->timeout_s = setup->timeout_s;
    w->reader.tbformat = setup->tbformat;
    w->stop_grace_ms = setup->stop_grace_ms ? setup->stop_grace_ms
                                            : STOP_GRACE_MS;
    w->test_log = cct_xstrdup(setup->test_log ? setup->test_log
                                              : "test.log");
    for (int i = 0; i < N_LOGS; i++) {
        w->log_fd[i] = -1;
        cct_buf_init(&w->early[i]);
    }
    cct_buf_init(&w->err_tail);
    cct_amp_decoder_init(&w->decoder);
    cct_worker_runs_init(&w->runs);

    cct_spawn_options so = {
        .argv = setup->argv,
        .env = setup->env,
        .cwd = setup->cwd,
        .fds = {[FD_OUT] = CCT_SPAWN_FROM_CHILD,
                [FD_ERR] = CCT_SPAWN_FROM_CHILD,
                [FD_CMD] = CCT_SPAWN_TO_CHILD,
                [FD_RESULTS] = CCT_SPAWN_FROM_CHILD},
        .n_fds = N_FDS,
        .template = setup->template,
        .exited = on_process_exit,
        .closed = on_spawn_closed,
        .arg = w,
    };
    int rc = cct_spawn_start(loop, &so, &w->spawn);
    if (rc < 0) {
        free_worker(w); /* without any event */
        return rc;
    }
    w->cmd = cct_spawn_pipe(w->spawn, FD_CMD);
    w->results = cct_spawn_pipe(w->spawn, FD_RESULTS);
    w->out = cct_spawn_pipe(w->spawn, FD_OUT);
    w->err = cct_spawn_pipe(w->spawn, FD_ERR);
    uv_timer_init(loop, &w->timer);
    uv_timer_init(loop, &w->log_timer);
    uv_timer_init(loop, &w->commands_timer);
    uv_timer_init(loop, &w->batch_timer);
    uv_check_init(loop, &w->confirm);
    uv_idle_init(loop, &w->confirm_poll);
    w->timer.data = w->log_timer.data = w->commands_timer.data = w;
    w->batch_timer.data = w;
    w->confirm.data = w->confirm_poll.data = w;
    w->open_handles = 7;
    uv_read_start(w->results, cct_alloc_buffer, on_results);
    uv_read_start(w->out, cct_alloc_buffer, on_output);
    uv_read_start(w->err, cct_alloc_buffer, on_output);
    if (out)
        *out = w;
    return 0;
}

int cct_worker_start(cct_worker *w, const char *dir)
{
    free(w->dir);
    w->dir = cct_xstrdup(dir);
    for (int i = 0; i < N_LOGS; i++) {
        /* trial -j opens os.path.join(directory, logfile). */
        char *path = cct_path_absolute(dir, i == LOG_TEST ? w->test_log
                                                          : log_names[i]);
        /* Appending keeps what a dead predecessor in this slot wrote. */
        w->log_fd[i] = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                            0644);
        int saved = errno;
        free(path);
        if (w->log_fd[i] < 0)
            return uv_translate_sys_error(saved);
        write_all(w->log_fd[i], w->early[i].data ? w->early[i].data : "",
                  w->early[i].len);
        cct_buf_free(&w->early[i]);
    }
    long long ask = cct__worker_call(w, "Start", "directory", dir);
    if (ask < 0)
        return (int)ask;
    w->start_ask = ask;
    uv_timer_start(&w->timer, on_timer, START_MS, 0);
    return 0;
}

int cct_worker_is_alive(const cct_worker *w)
{
    return !w->finished && !w->exited && !w->stopping && !w->death &&
           !w->quits;
}

int cct_worker_run(cct_worker *w, const char *test_id, size_t index)
{
    assert(!cct__worker_test(w) || cct_worker_can_send_ahead(w));
    long long ask = cct__worker_call(w, "Run", "testCase", test_id);
    /* Sent or not, the test is the worker's: its death reports it. */
    int runs_now =
        cct_worker_runs_sent(&w->runs, test_id, index, ask < 0 ? 0 : ask);
    if (ask < 0)
        cct_worker_kill(w, "cannot send it the test");
    if (runs_now)
        test_begins(w); /* (a killed worker's clock does not start) */
    return ask < 0 ? (int)ask : 0;
}

int cct_worker_can_send_ahead(const cct_worker *w)
{
    return cct_worker_runs_may_send_ahead(&w->runs) &&
           cct_worker_is_alive(w);
}

size_t cct_worker_running(const cct_worker *w)
{
    return w->runs.running.index;
}

size_t cct_worker_ahead(const cct_worker *w, size_t k)
{
    return cct_worker_runs_ahead(&w->runs, k);
}

size_t cct_worker_n_ahead(const cct_worker *w)
{
    return w->runs.n_ahead;
}

void cct_worker_drain(cct_worker *w)
{
    /* The run may end inside a read of results: its log lines first. */
    write_log_batch(w);
    if (!w->finished)
        drain_output(w);
}

void cct_worker_stop(cct_worker *w)
{
    if (w->stopping || w->finished)
        return;
    w->stopping = 1;
    /* EOF on its command pipe is how trial asks a worker to exit. */
    cct_spawn_close_pipe(w->spawn, FD_CMD);
    uv_timer_start(&w->timer, on_timer, w->stop_grace_ms, 0);
}

unsigned cct_worker_number(const cct_worker *w)
{
    return w->number;
}

/* The test timer runs only while the test's clock does. */
static int clock_running(const cct_worker *w)
{
    return w->ready && cct__worker_test(w) && w->timeout_s && !w->interrupting &&
           !w->stopping && !w->exited && !w->results_eof;
}

void cct_worker_pause_clock(cct_worker *w)
{
    /* The bound on a worker whose command pipe is closed stops with the
     * job too (Ctrl-Z), and starts again whole when the job goes on: the
     * worker, stopped as well, could not answer meanwhile. */
    if (uv_is_active((uv_handle_t *)&w->commands_timer)) {
        uv_timer_stop(&w->commands_timer);
        w->commands_bound_paused = 1;
    }
    if (!clock_running(w) || w->clock_paused)
        return;
    w->clock_ran += uv_hrtime() - w->clock_since;
    w->clock_paused = 1;
    uv_timer_stop(&w->timer);
    stop_confirming(w);
}

void cct_worker_resume_clock(cct_worker *w)
{
    if (w->commands_bound_paused) {
        w->commands_bound_paused = 0;
        if (!w->finished)
            cct__worker_bound_lost_commands(w);
    }
    if (!clock_running(w))
        return;
    /* Without a pause first (a SIGSTOP, which cannot be caught), how long
     * the job was stopped is unknown: the time since the test began or
     * last paused is not counted, so it is never cut short. */
    w->clock_paused = 0;
    w->clock_since = uv_hrtime();
    arm_test_timer(w);
}

int cct_worker_is_started(const cct_worker *w)
{
    return w->dir != NULL;
}

int cct_worker_is_ready(const cct_worker *w)
{
    return w->ready && !w->quits;
}

size_t cct_worker_tests_run(const cct_worker *w)
{
    return w->reader.n_tests;
}
