/* Calls started on library threads (llmwire_chat_start, llmwire_chat_stream_start), against the
 * bundled simulated provider (LLMWIRE_MOCK_ORIGIN): completion through on_done, streamed batches
 * through on_chunks (pause, resume, abort), 256 concurrent calls, cancellation racing completion,
 * handles freed before and after completion, calls started and the client freed from inside a
 * callback, the client freed with calls in flight, the pool's cap and its queue counted against
 * the deadline, and every argument error. Built twice: under AddressSanitizer (leaks too) and
 * under ThreadSanitizer (`make test-c`). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strdup */
#include "llmwire.h"
#include "check.h"
#include "mock_client.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* What one started call reports, guarded by the shared lock. */
typedef struct {
    int done_calls;      /* how many times on_done ran: must end at exactly 1 */
    llmwire_status status;
    char *response;      /* owned copy of the response, or NULL */
    char *error_json;    /* owned rendering of the error, or NULL */
    int chunk_batches;
    size_t chunks;
    int pause_first;     /* on_chunks answers PAUSE to the first batch */
    int abort_first;     /* on_chunks answers ABORT to the first batch */
    int free_in_done;    /* on_done frees the call handle itself */
    llmwire_call *call;  /* the handle, when free_in_done */
} outcome;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int finished = 0; /* on_done calls so far, across every call */

static void on_done(llmwire_call *call, llmwire_status status, char *response_json, llmwire_error *error,
                    void *user_data) {
    outcome *out = user_data;
    char *rendered = NULL;
    int consistent;
    if (error) {
        consistent = response_json == NULL && llmwire_error_to_json(error, &rendered, NULL) == LLMWIRE_STATUS_OK &&
                     llmwire_error_status(error) == status;
        llmwire_error_free(error);
    } else {
        consistent = status == LLMWIRE_STATUS_OK && response_json != NULL;
    }
    /* CHECK's counters are plain ints: touched only under the lock, from any thread. */
    pthread_mutex_lock(&lock);
    CHECK(consistent);
    out->done_calls++;
    out->status = status;
    out->response = response_json ? strdup(response_json) : NULL;
    out->error_json = rendered ? strdup(rendered) : NULL;
    if (out->free_in_done) {
        CHECK(call == out->call || out->call == NULL);
        llmwire_call_free(call);
    }
    finished++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    llmwire_string_free(response_json);
    llmwire_string_free(rendered);
}

static int32_t on_chunks(llmwire_call *call, const char *chunks_json, size_t count, void *user_data) {
    outcome *out = user_data;
    (void)call;
    pthread_mutex_lock(&lock);
    CHECK(count >= 1);
    CHECK(chunks_json[0] == '[' && chunks_json[strlen(chunks_json) - 1] == ']');
    CHECK_STR_CONTAINS(chunks_json, "chat.completion.chunk");
    int first = out->chunk_batches == 0;
    out->chunk_batches++;
    out->chunks += count;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    if (first && out->pause_first) return LLMWIRE_CHUNKS_REPLY_PAUSE;
    if (first && out->abort_first) return LLMWIRE_CHUNKS_REPLY_ABORT;
    return LLMWIRE_CHUNKS_REPLY_CONTINUE;
}

/* Waits until `target` on_done calls happened in all (since the counter was reset). */
static void wait_finished(int target) {
    pthread_mutex_lock(&lock);
    while (finished < target) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
}

/* Zeroes outcomes under the lock, so that ThreadSanitizer orders it before the callbacks' writes
 * (the library's own synchronisation is invisible to it). */
static void clear(outcome *outs, size_t n) {
    pthread_mutex_lock(&lock);
    memset(outs, 0, n * sizeof *outs);
    pthread_mutex_unlock(&lock);
}

static void reset(outcome *outs, size_t n) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n; i++) {
        free(outs[i].response);
        free(outs[i].error_json);
    }
    memset(outs, 0, n * sizeof *outs);
    finished = 0;
    pthread_mutex_unlock(&lock);
}

static const char *hello = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello from a library thread\"}]}";

static void test_chat_start_completes_on_a_library_thread(void) {
    outcome outs[2];
    clear(outs, sizeof outs / sizeof *outs);
    llmwire_client *client = client_for("echo", "async-basic", NULL);
    llmwire_call *calls[2] = {NULL, NULL};
    CHECK(llmwire_chat_start(client, hello, on_done, &outs[0], &calls[0], NULL) == LLMWIRE_STATUS_OK);
    CHECK(calls[0] != NULL);
    /* Freed before completion: the call runs on and still reports. */
    CHECK(llmwire_chat_start(client, hello, on_done, &outs[1], &calls[1], NULL) == LLMWIRE_STATUS_OK);
    llmwire_call_free(calls[1]);
    wait_finished(2);
    for (int i = 0; i < 2; i++) {
        CHECK(outs[i].done_calls == 1);
        CHECK(outs[i].status == LLMWIRE_STATUS_OK);
        CHECK_STR_CONTAINS(outs[i].response, "hello from a library thread");
        CHECK_STR_CONTAINS(outs[i].response, "\"llmwire\"");
    }
    llmwire_call_free(calls[0]); /* freed after completion */
    llmwire_client_free(client);
    reset(outs, 2);
}

static void test_failures_come_through_on_done_with_the_error_object(void) {
    outcome out;
    clear(&out, 1);
    llmwire_client *client = client_for("invalid_api_key", "async-auth", NULL);
    llmwire_call *call = NULL;
    CHECK(llmwire_chat_start(client, hello, on_done, &out, &call, NULL) == LLMWIRE_STATUS_OK);
    wait_finished(1);
    CHECK(out.status == LLMWIRE_STATUS_AUTHENTICATION);
    CHECK_STR_CONTAINS(out.error_json, "\"stop_reason\":\"not_retryable\"");
    llmwire_call_free(call);
    llmwire_client_free(client);
    reset(&out, 1);
}

/* A 40-word message: the echo stream sends one chunk per word (and a few more). */
static const char *long_hello =
    "{\"messages\":[{\"role\":\"user\",\"content\":\"w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 "
    "w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 "
    "w39 w40\"}]}";

static void test_stream_start_delivers_batches_then_the_completion(void) {
    outcome out;
    clear(&out, 1);
    pthread_mutex_lock(&lock);
    out.free_in_done = 1;
    pthread_mutex_unlock(&lock);
    llmwire_client *client = client_for("echo", "async-stream", NULL);
    llmwire_call *call = NULL;
    pthread_mutex_lock(&lock); /* so that on_done sees out.call set */
    CHECK(llmwire_chat_stream_start(client, long_hello, 0, on_chunks, on_done, &out, &call, NULL) ==
          LLMWIRE_STATUS_OK);
    out.call = call;
    pthread_mutex_unlock(&lock);
    wait_finished(1);
    CHECK(out.status == LLMWIRE_STATUS_OK);
    CHECK(out.chunks >= 40);
    CHECK(out.chunk_batches >= 1 && (size_t)out.chunk_batches <= out.chunks);
    CHECK_STR_CONTAINS(out.response, "w39 w40");
    llmwire_client_free(client);
    reset(&out, 1);
}

static void test_a_paused_stream_delivers_nothing_until_resumed(void) {
    outcome out;
    clear(&out, 1);
    pthread_mutex_lock(&lock);
    out.pause_first = 1;
    pthread_mutex_unlock(&lock);
    llmwire_client *client = client_for("echo:chunk_delay_ms=1", "async-pause", NULL);
    llmwire_call *call = NULL;
    CHECK(llmwire_chat_stream_start(client, long_hello, 2, on_chunks, on_done, &out, &call, NULL) ==
          LLMWIRE_STATUS_OK);
    pthread_mutex_lock(&lock);
    while (out.chunk_batches < 1) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    /* Paused: whatever time passes, no batch and no completion arrive. */
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&lock);
    CHECK(out.chunk_batches == 1);
    CHECK(out.done_calls == 0);
    pthread_mutex_unlock(&lock);
    llmwire_call_resume(call);
    wait_finished(1);
    CHECK(out.status == LLMWIRE_STATUS_OK);
    CHECK(out.chunks >= 40);
    CHECK(out.chunk_batches >= 2);
    CHECK_STR_CONTAINS(out.response, "w39 w40");
    llmwire_call_free(call);
    llmwire_client_free(client);
    reset(&out, 1);
}

static void test_on_chunks_abort_stops_the_call(void) {
    outcome out;
    clear(&out, 1);
    pthread_mutex_lock(&lock);
    out.abort_first = 1;
    pthread_mutex_unlock(&lock);
    llmwire_client *client = client_for("echo:chunk_delay_ms=5", "async-abort", NULL);
    llmwire_call *call = NULL;
    CHECK(llmwire_chat_stream_start(client, long_hello, 0, on_chunks, on_done, &out, &call, NULL) ==
          LLMWIRE_STATUS_OK);
    wait_finished(1);
    CHECK(out.status == LLMWIRE_STATUS_CANCELLED);
    CHECK_STR_CONTAINS(out.error_json, "aborted_by_callback");
    CHECK(out.chunk_batches == 1);
    llmwire_call_free(call);
    llmwire_client_free(client);
    reset(&out, 1);
}

#define MANY 256

static void test_256_concurrent_calls_overlap(void) {
    static outcome outs[MANY];
    static llmwire_call *calls[MANY];
    clear(outs, sizeof outs / sizeof *outs);
    llmwire_client *client = client_for("slow_headers:delay_ms=500", "async-many", NULL);
    double start = now_s();
    for (int i = 0; i < MANY; i++) {
        CHECK(llmwire_chat_start(client, hello, on_done, &outs[i], &calls[i], NULL) == LLMWIRE_STATUS_OK);
    }
    wait_finished(MANY);
    double elapsed = now_s() - start;
    int ok = 0;
    for (int i = 0; i < MANY; i++) {
        ok += outs[i].done_calls == 1 && outs[i].status == LLMWIRE_STATUS_OK;
        llmwire_call_free(calls[i]);
    }
    CHECK(ok == MANY);
    /* Serialised this would take 128 s; overlapped about 0.5 s. A loaded 2-core box gets slack. */
    printf("  256 calls to a 0.5 s endpoint: %.2f s\n", elapsed);
    CHECK(elapsed < 8.0);
    llmwire_client_free(client);
    reset(outs, MANY);
}

/* Cancels race completion: each call is cancelled at a different moment (before it ran, while it
 * runs, after it completed), its handle freed at a different moment; every call must report
 * exactly once, OK or CANCELLED. */
static void test_cancel_racing_completion_reports_exactly_once(void) {
    static outcome outs[MANY];
    static llmwire_call *calls[MANY];
    clear(outs, sizeof outs / sizeof *outs);
    llmwire_client *client = client_for("echo", "async-race", NULL);
    for (int i = 0; i < MANY; i++) {
        int stream = i % 2;
        llmwire_status status =
            stream ? llmwire_chat_stream_start(client, long_hello, 1 + (size_t)(i % 4), on_chunks, on_done,
                                               &outs[i], &calls[i], NULL)
                   : llmwire_chat_start(client, hello, on_done, &outs[i], &calls[i], NULL);
        CHECK(status == LLMWIRE_STATUS_OK);
        if (i % 3 == 0) llmwire_call_cancel(calls[i]);
        if (i % 5 == 0) {
            llmwire_call_cancel(calls[i]);
            llmwire_call_free(calls[i]);
            calls[i] = NULL;
        }
        if (i % 7 == 0 && i > 0 && calls[i - 1]) llmwire_call_cancel(calls[i - 1]);
    }
    for (int i = 0; i < MANY; i += 2) {
        if (calls[i]) llmwire_call_cancel(calls[i]);
    }
    wait_finished(MANY);
    int ok = 0, cancelled = 0;
    for (int i = 0; i < MANY; i++) {
        CHECK(outs[i].done_calls == 1);
        ok += outs[i].status == LLMWIRE_STATUS_OK;
        cancelled += outs[i].status == LLMWIRE_STATUS_CANCELLED;
        if (outs[i].status == LLMWIRE_STATUS_CANCELLED) CHECK_STR_CONTAINS(outs[i].error_json, "cancel");
        llmwire_call_cancel(calls[i]); /* after completion: a no-op */
        llmwire_call_free(calls[i]);
    }
    CHECK(ok + cancelled == MANY);
    CHECK(cancelled > 0);
    printf("  cancel race: %d completed, %d cancelled\n", ok, cancelled);
    llmwire_client_free(client);
    reset(outs, MANY);
}

/* Calls waiting between attempts (a long backoff) when the client is freed: each completes with
 * CANCELLED at once, on a library thread, after llmwire_client_free has returned. */
static void test_freeing_the_client_cancels_calls_in_flight(void) {
    enum { N = 32 };
    static outcome outs[N];
    static llmwire_call *calls[N];
    clear(outs, sizeof outs / sizeof *outs);
    llmwire_client *client = client_with_retry(
        "overloaded_then_ok:n=1000", "async-free", NULL,
        "{\"initial_backoff_ms\":30000,\"max_backoff_ms\":30000,\"jitter\":\"none\",\"max_attempts\":5}");
    for (int i = 0; i < N; i++) {
        llmwire_status status =
            i % 2 ? llmwire_chat_stream_start(client, hello, 0, on_chunks, on_done, &outs[i], &calls[i], NULL)
                  : llmwire_chat_start(client, hello, on_done, &outs[i], &calls[i], NULL);
        CHECK(status == LLMWIRE_STATUS_OK);
        if (i % 4 == 3) {
            llmwire_call_free(calls[i]);
            calls[i] = NULL;
        }
    }
    /* Let some reach their backoff; the others are cancelled before or during their attempt. */
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    double start = now_s();
    llmwire_client_free(client);
    double free_took = now_s() - start;
    wait_finished(N);
    double all_took = now_s() - start;
    for (int i = 0; i < N; i++) {
        CHECK(outs[i].done_calls == 1);
        /* An attempt under way when the cancel came may end first: its class is then kept, as
         * for llmwire_chat, but the call still stops there, for that reason. */
        CHECK(outs[i].status == LLMWIRE_STATUS_CANCELLED || outs[i].status == LLMWIRE_STATUS_OVERLOADED);
        CHECK_STR_CONTAINS(outs[i].error_json, "\"stop_reason\":\"cancelled\"");
        llmwire_call_free(calls[i]);
    }
    printf("  client freed with %d calls in flight: free returned in %.3f s, all reported in %.3f s\n", N,
           free_took, all_took);
    CHECK(free_took < 1.0);
    CHECK(all_took < 5.0); /* far below the 30 s backoff they were sleeping in */
    reset(outs, N);
}

/* on_done of the first call starts a second call on the same client, then the second's on_done
 * frees the client: both are allowed inside callbacks. */
typedef struct {
    llmwire_client *client;
    outcome second;
    llmwire_call *second_call;
    int stage;
} chain;

static void on_second_done(llmwire_call *call, llmwire_status status, char *response_json, llmwire_error *error,
                           void *user_data) {
    chain *c = user_data;
    llmwire_string_free(response_json);
    llmwire_error_free(error);
    /* Shared state is read under the test's lock: ThreadSanitizer cannot see the library's own
     * synchronisation (the Rust code is not instrumented). */
    pthread_mutex_lock(&lock);
    llmwire_client *client = c->client;
    pthread_mutex_unlock(&lock);
    llmwire_client_free(client); /* from inside a callback */
    llmwire_call_free(call);      /* and the handle too */
    pthread_mutex_lock(&lock);
    c->second.status = status;
    c->stage = 2;
    finished++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_first_done(llmwire_call *call, llmwire_status status, char *response_json, llmwire_error *error,
                          void *user_data) {
    chain *c = user_data;
    llmwire_string_free(response_json);
    llmwire_error_free(error);
    llmwire_call_free(call);
    pthread_mutex_lock(&lock);
    CHECK(status == LLMWIRE_STATUS_OK);
    c->stage = 1;
    llmwire_client *client = c->client;
    pthread_mutex_unlock(&lock);
    llmwire_call *second = NULL;
    llmwire_status started = llmwire_chat_start(client, hello, on_second_done, c, &second, NULL);
    pthread_mutex_lock(&lock);
    CHECK(started == LLMWIRE_STATUS_OK);
    pthread_mutex_unlock(&lock);
}

static void test_callbacks_may_start_calls_and_free_the_client(void) {
    static chain c;
    pthread_mutex_lock(&lock);
    memset(&c, 0, sizeof c);
    c.client = client_for("echo", "async-chain", NULL);
    pthread_mutex_unlock(&lock);
    llmwire_call *first = NULL;
    CHECK(llmwire_chat_start(c.client, hello, on_first_done, &c, &first, NULL) == LLMWIRE_STATUS_OK);
    wait_finished(1);
    pthread_mutex_lock(&lock);
    CHECK(c.stage == 2);
    CHECK(c.second.status == LLMWIRE_STATUS_OK);
    pthread_mutex_unlock(&lock);
    outcome none;
    reset(&none, 0);
}

/* With a cap of one thread, a call queued behind a slow one waits, and that wait counts against
 * its deadline: it fails with TIMEOUT, stop reason "deadline", without sending anything. */
static void test_queue_wait_counts_against_the_deadline(void) {
    outcome outs[2];
    clear(outs, sizeof outs / sizeof *outs);
    size_t cap = llmwire_pool_max_threads();
    CHECK(cap == 512);
    CHECK(llmwire_pool_set_max_threads(1, NULL) == LLMWIRE_STATUS_OK);
    CHECK(llmwire_pool_max_threads() == 1);
    llmwire_client *client = client_for("slow_headers:delay_ms=700", "async-queue",
                                        ",\"timeouts\":{\"deadline_ms\":300}");
    llmwire_call *calls[2];
    CHECK(llmwire_chat_start(client, hello, on_done, &outs[0], &calls[0], NULL) == LLMWIRE_STATUS_OK);
    CHECK(llmwire_chat_start(client, hello, on_done, &outs[1], &calls[1], NULL) == LLMWIRE_STATUS_OK);
    wait_finished(2);
    CHECK(outs[1].status == LLMWIRE_STATUS_TIMEOUT);
    CHECK_STR_CONTAINS(outs[1].error_json, "\"stop_reason\":\"deadline\"");
    CHECK_STR_CONTAINS(outs[1].error_json, "waited");
    for (int i = 0; i < 2; i++) llmwire_call_free(calls[i]);
    CHECK(llmwire_pool_set_max_threads(cap, NULL) == LLMWIRE_STATUS_OK);
    llmwire_client_free(client);
    reset(outs, 2);
}

static void test_argument_errors(void) {
    llmwire_client *client = client_for("echo", "async-args", NULL);
    llmwire_call *call = (llmwire_call *)(uintptr_t)0x1;
    llmwire_error *err = NULL;
    outcome out;
    clear(&out, 1);

    CHECK(llmwire_chat_start(client, hello, NULL, &out, &call, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "on_done is NULL");
    llmwire_error_free(err);
    err = NULL;
    CHECK(llmwire_chat_start(client, hello, on_done, &out, NULL, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "out_call is NULL");
    llmwire_error_free(err);
    err = NULL;
    CHECK(llmwire_chat_start(client, "{not json", on_done, &out, &call, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "request_json");
    llmwire_error_free(err);
    err = NULL;
    CHECK(llmwire_chat_start(NULL, hello, on_done, &out, &call, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "client is NULL");
    llmwire_error_free(err);
    err = NULL;
    CHECK(llmwire_chat_stream_start(client, hello, 0, NULL, on_done, &out, &call, &err) ==
          LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "on_chunks is NULL");
    llmwire_error_free(err);
    err = NULL;
    CHECK(llmwire_pool_set_max_threads(0, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "max_threads");
    llmwire_error_free(err);
    CHECK(call == (llmwire_call *)(uintptr_t)0x1); /* untouched on failure */
    CHECK(out.done_calls == 0);

    llmwire_call_cancel(NULL);
    llmwire_call_resume(NULL);
    llmwire_call_free(NULL);
    llmwire_client_free(client);
}

int main(void) {
    if (!mock_origin_from_env()) {
        return 2;
    }
    test_argument_errors();
    test_chat_start_completes_on_a_library_thread();
    test_failures_come_through_on_done_with_the_error_object();
    test_stream_start_delivers_batches_then_the_completion();
    test_a_paused_stream_delivers_nothing_until_resumed();
    test_on_chunks_abort_stops_the_call();
    test_callbacks_may_start_calls_and_free_the_client();
    test_queue_wait_counts_against_the_deadline();
    test_256_concurrent_calls_overlap();
    test_cancel_racing_completion_reports_exactly_once();
    test_freeing_the_client_cancels_calls_in_flight();
    return check_report("test_async");
}
