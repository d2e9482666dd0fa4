/* The deadline and the cancel over the C ABI, against the bundled simulated provider
 * (LLMWIRE_MOCK_ORIGIN): a deadline that cuts a server that never sends its head, a cancel from
 * another thread during a body trickled one byte a second (never a success, never counted as
 * one), and an interrupt check that stops a blocked call from the calling thread itself.
 * Times are asserted with a margin that holds on a loaded machine (the documented bound is 50 ms;
 * the real figures are printed). Runs under AddressSanitizer. */
#define _POSIX_C_SOURCE 200112L
#include "llmwire.h"
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MARGIN_MS 400.0

static const char *origin;
static const char *hello = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello from C\"}]}";

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static llmwire_client *client_for(const char *scenario, const char *session, const char *timeouts) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"base_url\":\"%s/s/%s/%s/v1\",\"api_key\":\"sk-c-test\",\"model\":\"m\","
             "\"validation\":\"off\",\"retry\":{\"max_attempts\":1},\"timeouts\":%s}",
             origin, scenario, session, timeouts);
    llmwire_client *client = NULL;
    llmwire_error *err = NULL;
    if (llmwire_client_new(config, &client, &err) != LLMWIRE_STATUS_OK) {
        fprintf(stderr, "client_new failed: %s\n", llmwire_error_summary(err));
        llmwire_error_free(err);
        exit(1);
    }
    return client;
}

/* Makes one chat call; returns how long it took, in ms. */
static double timed_chat(llmwire_client *client, const llmwire_cancel *cancel, llmwire_status *status,
                         llmwire_error **err) {
    char *response = NULL;
    double started = now_ms();
    *status = llmwire_chat(client, hello, cancel, &response, err);
    double elapsed = now_ms() - started;
    CHECK(response == NULL);
    llmwire_string_free(response);
    return elapsed;
}

static char *error_json(const llmwire_error *err) {
    char *json = NULL;
    if (llmwire_error_to_json(err, &json, NULL) != LLMWIRE_STATUS_OK) return NULL;
    return json;
}

/* Checks the error names `fault` and `phase` for its attempt (and, for a deadline, its stop
 * reason), then frees it. */
static void check_fault_and_free(llmwire_error *err, const char *fault, const char *phase) {
    char *json = error_json(err);
    char expected[128];
    snprintf(expected, sizeof expected, "\"fault\":\"%s\",\"phase\":\"%s\"", fault, phase);
    CHECK_STR_CONTAINS(json, expected);
    if (strcmp(fault, "deadline") == 0) CHECK_STR_CONTAINS(json, "\"stop_reason\":\"deadline\"");
    llmwire_string_free(json);
    llmwire_error_free(err);
}

static void test_deadline_cuts_a_server_that_never_sends_its_head(void) {
    llmwire_client *client = client_for("slow_headers:delay_ms=30000", "c-deadline", "{\"deadline_ms\":500}");
    llmwire_error *err = NULL;
    llmwire_status status;
    double elapsed = timed_chat(client, NULL, &status, &err);
    printf("measure deadline C head          limit   500 ms elapsed %8.1f ms overshoot %6.1f ms\n",
           elapsed, elapsed - 500.0);
    CHECK(status == LLMWIRE_STATUS_TIMEOUT);
    CHECK(elapsed >= 495.0 && elapsed < 500.0 + MARGIN_MS);
    check_fault_and_free(err, "deadline", "head");
    llmwire_client_free(client);
}

struct canceller {
    llmwire_cancel *cancel;
    long after_ms;
};

static void *cancel_later(void *arg) {
    struct canceller *canceller = arg;
    sleep_ms(canceller->after_ms);
    llmwire_cancel_trigger(canceller->cancel);
    return NULL;
}

static void test_cancel_stops_a_trickled_body_and_is_not_a_success(void) {
    llmwire_client *client = client_for("trickle_body:interval_ms=1000", "c-cancel-trickle", "{}");
    struct canceller canceller = {llmwire_cancel_new(), 1000};
    CHECK(canceller.cancel != NULL);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, cancel_later, &canceller) == 0);
    llmwire_error *err = NULL;
    llmwire_status status;
    double elapsed = timed_chat(client, canceller.cancel, &status, &err);
    pthread_join(thread, NULL);
    printf("measure cancel   C body trickle  cancel 1000 ms elapsed %8.1f ms after    %6.1f ms\n",
           elapsed, elapsed - 1000.0);
    CHECK(status == LLMWIRE_STATUS_CANCELLED);
    CHECK(elapsed >= 1000.0 && elapsed < 1000.0 + MARGIN_MS);
    check_fault_and_free(err, "cancelled", "body");

    char *metrics = NULL;
    CHECK(llmwire_client_metrics(client, "json", &metrics, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(metrics, "\"successes\":0");
    CHECK_STR_CONTAINS(metrics, "\"cancelled\":1");
    llmwire_string_free(metrics);
    llmwire_cancel_free(canceller.cancel);
    llmwire_client_free(client);
}

struct check_state {
    double stop_at;
    int calls;
};

static int32_t stop_after(void *user_data) {
    struct check_state *state = user_data;
    state->calls++;
    return now_ms() >= state->stop_at;
}

static void test_an_interrupt_check_stops_a_blocked_call_from_its_own_thread(void) {
    llmwire_client *client = client_for("slow_headers:delay_ms=30000", "c-interrupt", "{}");
    llmwire_cancel *cancel = llmwire_cancel_new();
    struct check_state state = {now_ms() + 300.0, 0};
    CHECK(llmwire_cancel_set_interrupt_check(cancel, stop_after, &state) == LLMWIRE_STATUS_OK);
    llmwire_error *err = NULL;
    llmwire_status status;
    double elapsed = timed_chat(client, cancel, &status, &err);
    printf("measure cancel   C interrupt chk cancel  300 ms elapsed %8.1f ms after    %6.1f ms\n",
           elapsed, elapsed - 300.0);
    CHECK(status == LLMWIRE_STATUS_CANCELLED);
    CHECK(elapsed < 300.0 + MARGIN_MS);
    CHECK(state.calls > 1);
    llmwire_error_free(err);

    /* Removing the check; a NULL handle is refused. */
    CHECK(llmwire_cancel_set_interrupt_check(cancel, NULL, NULL) == LLMWIRE_STATUS_OK);
    err = NULL;
    CHECK(llmwire_cancel_set_interrupt_check(NULL, stop_after, &state) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    llmwire_cancel_free(cancel);
    llmwire_client_free(client);
}

int main(void) {
    origin = getenv("LLMWIRE_MOCK_ORIGIN");
    if (origin == NULL) {
        fprintf(stderr, "LLMWIRE_MOCK_ORIGIN is not set (run through scripts/with-mock.sh)\n");
        return 2;
    }
    test_deadline_cuts_a_server_that_never_sends_its_head();
    test_cancel_stops_a_trickled_body_and_is_not_a_success();
    test_an_interrupt_check_stops_a_blocked_call_from_its_own_thread();
    return check_report("test_deadline");
}
