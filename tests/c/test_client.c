/* The client over the C ABI, against the bundled simulated provider (LLMWIRE_MOCK_ORIGIN):
 * create/free, chat, streaming with a callback (and aborting it), cancellation during backoff
 * from another thread, metrics, the event callback, many threads on one client, and every
 * argument error. Runs under AddressSanitizer: everything handed out is freed. */
#define _POSIX_C_SOURCE 200112L /* setenv, unsetenv */
#include "llmwire.h"
#include "check.h"
#include "mock_client.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENTINEL ((void *)(uintptr_t)0x1)

static const char *hello = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello from C\"}]}";

static void test_client_new_errors(void) {
    llmwire_client *client = SENTINEL;
    llmwire_error *err = NULL;
    CHECK(llmwire_client_new("{\"retyr\":{}}", &client, &err) == LLMWIRE_STATUS_INVALID_CONFIG);
    CHECK(client == SENTINEL);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "retyr");
    llmwire_error_free(err);

    err = NULL;
    CHECK(llmwire_client_new("{\"headers\":{\"x\":\"a\\r\\nb: c\"}}", &client, &err) == LLMWIRE_STATUS_INVALID_CONFIG);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "CR, LF");
    llmwire_error_free(err);

    err = NULL;
    CHECK(llmwire_client_new("{}", NULL, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "out_client is NULL");
    llmwire_error_free(err);

    /* NULL config means every default: OpenAI's endpoint, which needs a key. */
    client = SENTINEL;
    err = NULL;
    unsetenv("OPENAI_API_KEY");
    CHECK(llmwire_client_new(NULL, &client, &err) == LLMWIRE_STATUS_INVALID_CONFIG);
    CHECK(client == SENTINEL);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "OPENAI_API_KEY");
    llmwire_error_free(err);
    setenv("OPENAI_API_KEY", "sk-from-the-environment", 1);
    client = NULL;
    CHECK(llmwire_client_new(NULL, &client, NULL) == LLMWIRE_STATUS_OK);
    CHECK(client != NULL);
    llmwire_client_free(client);
    llmwire_client_free(NULL);
}

static void test_chat_success_and_argument_errors(void) {
    llmwire_client *client = client_for("echo", "c-chat", NULL);
    CHECK(client != NULL);
    char *response = NULL;
    llmwire_error *err = NULL;
    CHECK(llmwire_chat(client, hello, NULL, &response, &err) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(response, "\"content\":\"hello from C\"");
    CHECK_STR_CONTAINS(response, "\"llmwire\":{\"attempts\":[");
    llmwire_string_free(response);

    char *untouched = SENTINEL;
    CHECK(llmwire_chat(NULL, hello, NULL, &untouched, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "client is NULL");
    llmwire_error_free(err);
    err = NULL;
    CHECK(llmwire_chat(client, "{not json", NULL, &untouched, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "request_json is not valid JSON");
    llmwire_error_free(err);
    err = NULL;
    CHECK(llmwire_chat(client, "[1]", NULL, &untouched, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "JSON object");
    llmwire_error_free(err);
    CHECK(llmwire_chat(client, NULL, NULL, &untouched, NULL) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(llmwire_chat(client, hello, NULL, NULL, NULL) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(untouched == SENTINEL);
    llmwire_client_free(client);
}

static void test_chat_failure_carries_the_error_object(void) {
    llmwire_client *client = client_for("gemini_unknown_field_400", "c-400", ",\"provider\":\"gemini\"");
    char *response = SENTINEL;
    llmwire_error *err = NULL;
    CHECK(llmwire_chat(client, hello, NULL, &response, &err) == LLMWIRE_STATUS_INVALID_REQUEST);
    CHECK(response == SENTINEL);
    CHECK(llmwire_error_status(err) == LLMWIRE_STATUS_INVALID_REQUEST);
    CHECK(strcmp(llmwire_error_class(err), "invalid_request") == 0);
    CHECK(llmwire_error_http_status(err) == 400);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "additionalProperties");
    CHECK_STR_CONTAINS(llmwire_error_summary(err), "not retried: invalid_request");
    char *json = NULL;
    CHECK(llmwire_error_to_json(err, &json, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(json, "\"stop_reason\":\"not_retryable\"");
    CHECK_STR_CONTAINS(json, "\"attempts\":[{\"n\":1");
    llmwire_string_free(json);
    llmwire_error_free(err);
    llmwire_client_free(client);

    client = client_for("retry_after_too_long", "c-long", NULL);
    err = NULL;
    CHECK(llmwire_chat(client, hello, NULL, &response, &err) != LLMWIRE_STATUS_OK);
    CHECK(llmwire_error_retry_after_ms(err) == 86400000);
    llmwire_error_free(err);
    llmwire_client_free(client);
}

struct chunk_counter {
    int chunks;
    int abort_after;
};

static int32_t count_chunks(const char *chunk_json, void *user_data) {
    struct chunk_counter *counter = user_data;
    if (strstr(chunk_json, "chat.completion.chunk") != NULL) {
        counter->chunks++;
    }
    return counter->abort_after > 0 && counter->chunks >= counter->abort_after;
}

static void test_stream(void) {
    llmwire_client *client = client_for("echo", "c-stream", NULL);
    const char *request = "{\"messages\":[{\"role\":\"user\",\"content\":\"one two three four\"}]}";
    struct chunk_counter counter = {0, 0};
    char *response = NULL;
    llmwire_error *err = NULL;
    CHECK(llmwire_chat_stream(client, request, NULL, count_chunks, &counter, &response, &err) == LLMWIRE_STATUS_OK);
    CHECK(counter.chunks > 1);
    CHECK_STR_CONTAINS(response, "\"content\":\"one two three four\"");
    llmwire_string_free(response);

    struct chunk_counter aborting = {0, 1};
    response = SENTINEL;
    CHECK(llmwire_chat_stream(client, request, NULL, count_chunks, &aborting, &response, &err) == LLMWIRE_STATUS_CANCELLED);
    CHECK(aborting.chunks == 1);
    CHECK(response == SENTINEL);
    char *json = NULL;
    CHECK(llmwire_error_to_json(err, &json, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(json, "\"stop_reason\":\"aborted_by_callback\"");
    llmwire_string_free(json);
    llmwire_error_free(err);

    err = NULL;
    CHECK(llmwire_chat_stream(client, request, NULL, NULL, NULL, &response, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "on_chunk is NULL");
    llmwire_error_free(err);
    llmwire_client_free(client);
}

/* Cancellation from another thread while the call waits in a long backoff. */
struct cancel_context {
    pthread_mutex_t lock;
    pthread_cond_t backing_off;
    int retrying;
};

static void on_event(const char *event_json, void *user_data) {
    struct cancel_context *context = user_data;
    if (strstr(event_json, "\"decision\":\"retry\"") != NULL) {
        pthread_mutex_lock(&context->lock);
        context->retrying = 1;
        pthread_cond_signal(&context->backing_off);
        pthread_mutex_unlock(&context->lock);
    }
}

struct call {
    llmwire_client *client;
    llmwire_cancel *cancel;
    struct cancel_context *context;
    llmwire_status status;
    llmwire_error *err;
};

static void *run_call(void *arg) {
    struct call *call = arg;
    char *response = NULL;
    call->status = llmwire_chat(call->client, hello, call->cancel, &response, &call->err);
    llmwire_string_free(response);
    /* Wake the waiter even if the call ended without ever backing off (a failed test, not a hang). */
    pthread_mutex_lock(&call->context->lock);
    call->context->retrying = 1;
    pthread_cond_signal(&call->context->backing_off);
    pthread_mutex_unlock(&call->context->lock);
    return NULL;
}

static void test_cancel_during_backoff(void) {
    llmwire_client *client = client_with_retry("always_500", "c-cancel", NULL,
                                               "{\"initial_backoff_ms\":60000,\"max_backoff_ms\":60000}");
    struct cancel_context context = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    CHECK(llmwire_client_set_event_callback(client, on_event, &context, NULL) == LLMWIRE_STATUS_OK);
    struct call call = {client, llmwire_cancel_new(), &context, LLMWIRE_STATUS_OK, NULL};
    CHECK(call.cancel != NULL);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, run_call, &call) == 0);
    pthread_mutex_lock(&context.lock);
    while (!context.retrying) {
        pthread_cond_wait(&context.backing_off, &context.lock);
    }
    pthread_mutex_unlock(&context.lock);
    llmwire_cancel_trigger(call.cancel);
    pthread_join(thread, NULL);
    CHECK(call.status == LLMWIRE_STATUS_CANCELLED);
    CHECK_STR_CONTAINS(llmwire_error_message(call.err), "cancelled by the caller");
    llmwire_error_free(call.err);
    llmwire_cancel_trigger(NULL);
    llmwire_cancel_free(call.cancel);
    llmwire_cancel_free(NULL);
    CHECK(llmwire_client_set_event_callback(client, NULL, NULL, NULL) == LLMWIRE_STATUS_OK);
    CHECK(llmwire_client_set_event_callback(NULL, NULL, NULL, NULL) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    llmwire_client_free(client);
}

static void test_metrics(void) {
    llmwire_client *client = client_for("overloaded_then_ok:n=2", "c-metrics", NULL);
    char *response = NULL;
    CHECK(llmwire_chat(client, hello, NULL, &response, NULL) == LLMWIRE_STATUS_OK);
    llmwire_string_free(response);
    char *metrics = NULL;
    CHECK(llmwire_client_metrics(client, NULL, &metrics, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(metrics, "\"attempts\":3");
    CHECK_STR_CONTAINS(metrics, "\"overloaded\":2");
    llmwire_string_free(metrics);
    CHECK(llmwire_client_metrics(client, "prometheus", &metrics, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(metrics, "llmwire_retries_total{class=\"overloaded\"} 2");
    CHECK(strstr(metrics, "sk-c-test") == NULL);
    llmwire_string_free(metrics);
    llmwire_error *err = NULL;
    metrics = SENTINEL;
    CHECK(llmwire_client_metrics(client, "xml", &metrics, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(metrics == SENTINEL);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "xml");
    llmwire_error_free(err);
    CHECK(llmwire_client_metrics(NULL, NULL, &metrics, NULL) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    llmwire_client_free(client);
}

/* Many threads on one client: each gets its own answer. */
#define THREADS 8
#define CALLS_PER_THREAD 10

struct worker {
    llmwire_client *client;
    int id;
    int correct;
};

static void *work(void *arg) {
    struct worker *worker = arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        char request[256], expected[128];
        snprintf(expected, sizeof expected, "worker %d call %d", worker->id, i);
        snprintf(request, sizeof request, "{\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}", expected);
        char *response = NULL;
        if (llmwire_chat(worker->client, request, NULL, &response, NULL) == LLMWIRE_STATUS_OK &&
            strstr(response, expected) != NULL) {
            worker->correct++;
        }
        llmwire_string_free(response);
    }
    return NULL;
}

static void test_threads_share_one_client(void) {
    llmwire_client *client = client_for("echo", "c-threads", NULL);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (struct worker){client, i, 0};
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    int correct = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        correct += workers[i].correct;
    }
    CHECK(correct == THREADS * CALLS_PER_THREAD);
    llmwire_client_free(client);
}

int main(void) {
    if (!mock_origin_from_env()) {
        return 2;
    }
    test_client_new_errors();
    test_chat_success_and_argument_errors();
    test_chat_failure_carries_the_error_object();
    test_stream();
    test_cancel_during_backoff();
    test_metrics();
    test_threads_share_one_client();
    return check_report("test_client");
}
