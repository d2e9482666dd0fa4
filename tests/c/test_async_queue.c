/* Calls reported to a completion queue (llmwire_queue_*, llmwire_chat_submit,
 * llmwire_chat_stream_submit) against the bundled simulated provider (LLMWIRE_MOCK_ORIGIN), the
 * way an event loop uses them: poll() on llmwire_queue_fd, then llmwire_queue_take. Results and
 * errors as events, streams in batches with their per-call cap and llmwire_call_pause, 256
 * concurrent calls on one queue, cancellation racing completion, the client and the queue freed
 * with calls in flight, the edge-triggered pipe, and every argument error. Built under
 * AddressSanitizer (leaks too) and ThreadSanitizer (`make test-c`). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "llmwire.h"
#include "check.h"
#include "mock_client.h"

#include <poll.h>
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

#define MANY 256

/* What the events of one tag said so far. */
typedef struct {
    int ends;              /* end events: must end at exactly 1 */
    int ok;                /* the end was {"ok":...} */
    int cancelled;         /* the end was an error with status CANCELLED */
    int status_overloaded; /* the end was an error with status OVERLOADED */
    int not_retryable;     /* the error's stop reason was not_retryable */
    int stop_cancelled;    /* the error's stop reason was cancelled */
    int echoed_tail;       /* the completion holds "w39 w40" */
    size_t chunks;         /* chunks over every chunk event */
    size_t most_chunks;    /* the largest chunk event */
    int chunks_after_end;  /* a chunk event came after the end */
} tally;

static tally tallies[MANY];

static void reset(void) {
    memset(tallies, 0, sizeof tallies);
}

static size_t count_in(const char *from, const char *to, const char *needle) {
    size_t n = 0;
    size_t length = strlen(needle);
    for (const char *p = strstr(from, needle); p && p < to; p = strstr(p + length, needle)) n++;
    return n;
}

static int contains_in(const char *from, const char *to, const char *needle) {
    return count_in(from, to, needle) > 0;
}

/* Takes every waiting event once and adds them to the tallies; returns the number of events. */
static int take_once(const llmwire_queue *queue) {
    char *json = NULL;
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_queue_take(queue, &json, &err);
    CHECK(status == LLMWIRE_STATUS_OK);
    if (status != LLMWIRE_STATUS_OK) {
        llmwire_error_free(err);
        return 0;
    }
    CHECK(json[0] == '[' && json[strlen(json) - 1] == ']');
    int events = 0;
    const char *marker = "{\"tag\":";
    for (const char *p = strstr(json, marker); p; events++) {
        char *rest = NULL;
        unsigned long long tag = strtoull(p + strlen(marker), &rest, 10);
        const char *next = strstr(rest, marker);
        const char *end = next ? next : json + strlen(json);
        CHECK(tag < MANY);
        if (tag >= MANY) break;
        tally *t = &tallies[tag];
        if (strncmp(rest, ",\"chunks\":[", 11) == 0) {
            size_t n = count_in(rest, end, "\"object\":\"chat.completion.chunk\"");
            CHECK(n >= 1);
            t->chunks += n;
            if (n > t->most_chunks) t->most_chunks = n;
            t->chunks_after_end += t->ends > 0;
        } else if (strncmp(rest, ",\"ok\":{", 7) == 0) {
            t->ends++;
            t->ok++;
            t->echoed_tail += contains_in(rest, end, "w39 w40");
            CHECK(contains_in(rest, end, "\"llmwire\""));
        } else {
            CHECK(strncmp(rest, ",\"error\":{", 10) == 0);
            t->ends++;
            t->cancelled += contains_in(rest, end, "\"status\":\"LLMWIRE_STATUS_CANCELLED\"");
            t->status_overloaded += contains_in(rest, end, "\"status\":\"LLMWIRE_STATUS_OVERLOADED\"");
            t->not_retryable += contains_in(rest, end, "\"stop_reason\":\"not_retryable\"");
            t->stop_cancelled += contains_in(rest, end, "\"stop_reason\":\"cancelled\"");
        }
        p = next;
    }
    llmwire_string_free(json);
    return events;
}

/* Whether the queue's descriptor turns readable within `timeout_ms`. */
static int readable(const llmwire_queue *queue, int timeout_ms) {
    struct pollfd watch = {.fd = llmwire_queue_fd(queue), .events = POLLIN, .revents = 0};
    return poll(&watch, 1, timeout_ms) == 1 && (watch.revents & POLLIN);
}

static int ended(int n) {
    int total = 0;
    for (int i = 0; i < n; i++) total += tallies[i].ends;
    return total;
}

/* The event loop: waits for the descriptor and takes, until `n` tags have ended (or 30 s). */
static void run_until_ended(const llmwire_queue *queue, int n) {
    double start = now_s();
    while (ended(n) < n && now_s() - start < 30.0) {
        if (readable(queue, 1000)) take_once(queue);
    }
    CHECK(ended(n) == n);
}

static llmwire_queue *new_queue(void) {
    llmwire_queue *queue = NULL;
    CHECK(llmwire_queue_new(&queue, NULL) == LLMWIRE_STATUS_OK);
    CHECK(queue != NULL && llmwire_queue_fd(queue) >= 0);
    return queue;
}

static const char *hello = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello from a queue\"}]}";

/* A 40-word message: the echo stream sends one chunk per word (and a few more). */
static const char *long_hello =
    "{\"messages\":[{\"role\":\"user\",\"content\":\"w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 "
    "w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 "
    "w39 w40\"}]}";

static void test_results_and_errors_come_as_tagged_events(void) {
    reset();
    llmwire_queue *queue = new_queue();
    llmwire_client *echo = client_for("echo", "queue-basic", NULL);
    llmwire_client *denied = client_for("invalid_api_key", "queue-auth", NULL);
    llmwire_call *call = NULL;
    CHECK(llmwire_chat_submit(echo, hello, queue, 0, &call, NULL) == LLMWIRE_STATUS_OK);
    CHECK(call != NULL);
    CHECK(llmwire_chat_submit(echo, hello, queue, 1, NULL, NULL) == LLMWIRE_STATUS_OK); /* no handle */
    CHECK(llmwire_chat_submit(denied, hello, queue, 2, NULL, NULL) == LLMWIRE_STATUS_OK);
    llmwire_call_free(call); /* before completion: the call runs on and reports */
    run_until_ended(queue, 3);
    CHECK(tallies[0].ok == 1 && tallies[1].ok == 1);
    CHECK(tallies[2].ends == 1 && tallies[2].ok == 0 && tallies[2].not_retryable == 1);
    /* Everything was taken: the descriptor is quiet and a take gives an empty array. */
    CHECK(!readable(queue, 0));
    CHECK(take_once(queue) == 0);
    llmwire_client_free(echo);
    llmwire_client_free(denied);
    llmwire_queue_free(queue);
}

static void test_a_stream_comes_in_batches_capped_per_call_then_its_completion(void) {
    reset();
    llmwire_queue *queue = new_queue();
    llmwire_client *client = client_for("echo:chunk_delay_ms=1", "queue-stream", NULL);
    CHECK(llmwire_chat_stream_submit(client, long_hello, 0, queue, 0, NULL, NULL) == LLMWIRE_STATUS_OK);
    /* A cap of 3: however late the takes, no take sees more than 3 chunks of that call. */
    CHECK(llmwire_chat_stream_submit(client, long_hello, 3, queue, 1, NULL, NULL) == LLMWIRE_STATUS_OK);
    double start = now_s();
    while (ended(2) < 2 && now_s() - start < 30.0) {
        if (!readable(queue, 1000)) continue;
        struct timespec late = {0, 5 * 1000 * 1000}; /* a slow consumer: chunks pile up meanwhile */
        nanosleep(&late, NULL);
        take_once(queue);
    }
    for (int i = 0; i < 2; i++) {
        CHECK(tallies[i].ok == 1 && tallies[i].ends == 1);
        CHECK(tallies[i].chunks >= 40);
        CHECK(tallies[i].echoed_tail == 1);
        CHECK(tallies[i].chunks_after_end == 0);
    }
    CHECK(tallies[1].most_chunks <= 3);
    printf("  stream batches: largest %zu chunks uncapped, %zu with a cap of 3\n", tallies[0].most_chunks,
           tallies[1].most_chunks);
    llmwire_client_free(client);
    llmwire_queue_free(queue);
}

static void test_a_paused_stream_queues_nothing_until_resumed(void) {
    reset();
    llmwire_queue *queue = new_queue();
    llmwire_client *client = client_for("echo", "queue-pause", NULL);
    llmwire_call *call = NULL;
    CHECK(llmwire_chat_stream_submit(client, long_hello, 4, queue, 0, &call, NULL) == LLMWIRE_STATUS_OK);
    llmwire_call_pause(call);
    /* Paused (at most the chunks queued before the pause took hold, within the cap): whatever
     * time passes, the call neither ends nor queues more. */
    double start = now_s();
    while (now_s() - start < 0.3) {
        if (readable(queue, 50)) take_once(queue);
    }
    CHECK(tallies[0].ends == 0);
    CHECK(tallies[0].chunks <= 4);
    llmwire_call_resume(call);
    run_until_ended(queue, 1);
    CHECK(tallies[0].ok == 1 && tallies[0].chunks >= 40);
    llmwire_call_free(call);
    llmwire_client_free(client);
    llmwire_queue_free(queue);
}

static void test_256_concurrent_calls_on_one_queue_overlap(void) {
    reset();
    llmwire_queue *queue = new_queue();
    llmwire_client *client = client_for("slow_headers:delay_ms=500", "queue-many", NULL);
    double start = now_s();
    for (int i = 0; i < MANY; i++) {
        CHECK(llmwire_chat_submit(client, hello, queue, (uint64_t)i, NULL, NULL) == LLMWIRE_STATUS_OK);
    }
    run_until_ended(queue, MANY);
    double elapsed = now_s() - start;
    int ok = 0;
    for (int i = 0; i < MANY; i++) ok += tallies[i].ends == 1 && tallies[i].ok == 1;
    CHECK(ok == MANY);
    /* Serialised this would take 128 s; overlapped about 0.5 s. A loaded 2-core box gets slack. */
    printf("  256 calls to a 0.5 s endpoint through one queue: %.2f s\n", elapsed);
    CHECK(elapsed < 8.0);
    llmwire_client_free(client);
    llmwire_queue_free(queue);
}

/* Each call is cancelled at a different moment (at once, later, after it ended) and its handle
 * freed at a different moment; every call must end exactly once, OK or CANCELLED. */
static void test_cancel_racing_completion_ends_each_call_exactly_once(void) {
    static llmwire_call *calls[MANY];
    reset();
    llmwire_queue *queue = new_queue();
    llmwire_client *client = client_for("echo", "queue-race", NULL);
    for (int i = 0; i < MANY; i++) {
        llmwire_status status =
            i % 2 ? llmwire_chat_stream_submit(client, long_hello, 1 + (size_t)(i % 4), queue, (uint64_t)i,
                                               &calls[i], NULL)
                  : llmwire_chat_submit(client, hello, queue, (uint64_t)i, &calls[i], NULL);
        CHECK(status == LLMWIRE_STATUS_OK);
        if (i % 3 == 0) llmwire_call_cancel(calls[i]);
        if (i % 5 == 0) {
            llmwire_call_cancel(calls[i]);
            llmwire_call_free(calls[i]);
            calls[i] = NULL;
        }
        if (i % 7 == 0 && i > 0 && calls[i - 1]) llmwire_call_cancel(calls[i - 1]);
        if (i % 16 == 0 && readable(queue, 0)) take_once(queue); /* takes racing the cancels */
    }
    for (int i = 0; i < MANY; i += 2) {
        if (calls[i]) llmwire_call_cancel(calls[i]);
    }
    run_until_ended(queue, MANY);
    int ok = 0, cancelled = 0;
    for (int i = 0; i < MANY; i++) {
        CHECK(tallies[i].ends == 1);
        CHECK(tallies[i].chunks_after_end == 0);
        ok += tallies[i].ok;
        cancelled += tallies[i].cancelled;
        llmwire_call_cancel(calls[i]); /* after the end: a no-op */
        llmwire_call_free(calls[i]);
    }
    CHECK(ok + cancelled == MANY);
    CHECK(cancelled > 0);
    printf("  cancel race through a queue: %d completed, %d cancelled\n", ok, cancelled);
    llmwire_client_free(client);
    llmwire_queue_free(queue);
}

static llmwire_client *backing_off_client(const char *session) {
    return client_with_retry(
        "overloaded_then_ok:n=1000", session, NULL,
        "{\"initial_backoff_ms\":30000,\"max_backoff_ms\":30000,\"jitter\":\"none\",\"max_attempts\":5}");
}

/* Calls sleeping in a 30 s backoff when the client is freed: each ends with stop reason
 * "cancelled" at once, through the queue, after llmwire_client_free returned. */
static void test_freeing_the_client_ends_calls_in_flight_as_cancelled(void) {
    enum { N = 32 };
    reset();
    llmwire_queue *queue = new_queue();
    llmwire_client *client = backing_off_client("queue-free-client");
    for (int i = 0; i < N; i++) {
        llmwire_status status = i % 2 ? llmwire_chat_stream_submit(client, hello, 0, queue, (uint64_t)i, NULL, NULL)
                                      : llmwire_chat_submit(client, hello, queue, (uint64_t)i, NULL, NULL);
        CHECK(status == LLMWIRE_STATUS_OK);
    }
    struct timespec pause = {0, 100 * 1000 * 1000}; /* let some reach their backoff */
    nanosleep(&pause, NULL);
    double start = now_s();
    llmwire_client_free(client);
    double free_took = now_s() - start;
    run_until_ended(queue, N);
    double all_took = now_s() - start;
    for (int i = 0; i < N; i++) {
        CHECK(tallies[i].ends == 1);
        /* An attempt under way when the cancel came may end first and keep its class. */
        CHECK(tallies[i].cancelled == 1 || tallies[i].status_overloaded == 1);
        CHECK(tallies[i].stop_cancelled == 1);
    }
    printf("  client freed with %d calls in flight: free returned in %.3f s, all ended in %.3f s\n", N, free_took,
           all_took);
    CHECK(free_took < 1.0);
    CHECK(all_took < 5.0); /* far below the 30 s backoff */
    llmwire_queue_free(queue);
}

/* The queue freed with calls in flight: it returns at once, the calls are cancelled, their later
 * events are dropped, their handles stay valid until freed, and nothing leaks (ASan). */
static void test_freeing_the_queue_cancels_its_calls_and_drops_their_events(void) {
    enum { N = 32 };
    static llmwire_call *calls[N];
    llmwire_queue *queue = new_queue();
    llmwire_client *client = backing_off_client("queue-free-queue");
    llmwire_client *echo = client_for("echo:chunk_delay_ms=1", "queue-free-queue-echo", NULL);
    for (int i = 0; i < N; i++) {
        llmwire_status status =
            i % 4 == 0   ? llmwire_chat_stream_submit(echo, long_hello, 2, queue, (uint64_t)i, &calls[i], NULL)
            : i % 4 == 1 ? llmwire_chat_submit(echo, hello, queue, (uint64_t)i, &calls[i], NULL)
                         : llmwire_chat_submit(client, hello, queue, (uint64_t)i, &calls[i], NULL);
        CHECK(status == LLMWIRE_STATUS_OK);
    }
    struct timespec pause = {0, 100 * 1000 * 1000}; /* events wait untaken; streams sit at their cap */
    nanosleep(&pause, NULL);
    double start = now_s();
    llmwire_queue_free(queue);
    double free_took = now_s() - start;
    CHECK(free_took < 1.0);
    for (int i = 0; i < N; i++) llmwire_call_cancel(calls[i]); /* handles still valid */
    /* The client freed after the queue: its calls may still be ending; each drops its event. */
    llmwire_client_free(client);
    llmwire_client_free(echo);
    for (int i = 0; i < N; i++) llmwire_call_free(calls[i]);
    printf("  queue freed with %d calls in flight: returned in %.3f s\n", N, free_took);
}

static void test_argument_errors(void) {
    llmwire_error *err = NULL;
    CHECK(llmwire_queue_new(NULL, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "out_queue");
    llmwire_error_free(err);
    CHECK(llmwire_queue_fd(NULL) == -1);
    llmwire_queue_free(NULL);
    llmwire_call_pause(NULL);

    llmwire_queue *queue = new_queue();
    llmwire_client *client = client_for("echo", "queue-args", NULL);
    char *json = NULL;
    err = NULL;
    CHECK(llmwire_queue_take(NULL, &json, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT && json == NULL);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "queue");
    llmwire_error_free(err);
    err = NULL;
    CHECK(llmwire_queue_take(queue, NULL, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "out_json");
    llmwire_error_free(err);

    llmwire_call *call = NULL;
    struct {
        const llmwire_client *client;
        const char *request;
        const llmwire_queue *queue;
        const char *named;
    } cases[] = {
        {NULL, hello, queue, "client"},
        {client, NULL, queue, "request_json"},
        {client, "{not json", queue, "request_json"},
        {client, hello, NULL, "queue"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int stream = 0; stream < 2; stream++) {
            err = NULL;
            llmwire_status status =
                stream ? llmwire_chat_stream_submit(cases[i].client, cases[i].request, 0, cases[i].queue, 9, &call,
                                                    &err)
                       : llmwire_chat_submit(cases[i].client, cases[i].request, cases[i].queue, 9, &call, &err);
            CHECK(status == LLMWIRE_STATUS_INVALID_ARGUMENT);
            CHECK_STR_CONTAINS(llmwire_error_message(err), cases[i].named);
            CHECK(call == NULL); /* untouched */
            llmwire_error_free(err);
        }
    }
    /* Nothing was submitted, so nothing is reported. */
    CHECK(!readable(queue, 50));
    llmwire_client_free(client);
    llmwire_queue_free(queue);
}

int main(void) {
    if (!mock_origin_from_env()) {
        return 2;
    }
    test_argument_errors();
    test_results_and_errors_come_as_tagged_events();
    test_a_stream_comes_in_batches_capped_per_call_then_its_completion();
    test_a_paused_stream_queues_nothing_until_resumed();
    test_256_concurrent_calls_on_one_queue_overlap();
    test_cancel_racing_completion_ends_each_call_exactly_once();
    test_freeing_the_client_ends_calls_in_flight_as_cancelled();
    test_freeing_the_queue_cancels_its_calls_and_drops_their_events();
    return check_report("test_async_queue");
}
