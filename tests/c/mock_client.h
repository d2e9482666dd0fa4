/* Clients for the bundled simulated provider, shared by the C test programs that make calls:
 * `origin` is LLMWIRE_MOCK_ORIGIN (set it in main), and each client selects one scenario and one
 * session of the mock, with fast deterministic retries unless told otherwise. */
#ifndef LLMWIRE_TEST_MOCK_CLIENT_H
#define LLMWIRE_TEST_MOCK_CLIENT_H

#include "llmwire.h"

#include <stdio.h>
#include <stdlib.h>

static const char *origin;

/* Reads LLMWIRE_MOCK_ORIGIN into `origin`. When it is not set, says how to run the program and
 * returns 0 (main then exits with 2). */
static int mock_origin_from_env(void) {
    origin = getenv("LLMWIRE_MOCK_ORIGIN");
    if (origin == NULL) {
        fprintf(stderr, "LLMWIRE_MOCK_ORIGIN is not set (run through scripts/with-mock.sh)\n");
    }
    return origin != NULL;
}

#define FAST_RETRY "{\"initial_backoff_ms\":2,\"max_backoff_ms\":10,\"jitter\":\"none\"}"

/* A client for one scenario of the mock (fast retries unless `retry` says otherwise); `extra`
 * adds config keys. The session keeps tests apart. */
static llmwire_client *client_with_retry(const char *scenario, const char *session, const char *extra,
                                         const char *retry) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"base_url\":\"%s/s/%s/%s/v1\",\"api_key\":\"sk-c-test\",\"model\":\"m\","
             "\"validation\":\"off\",\"retry\":%s%s}",
             origin, scenario, session, retry, extra ? extra : "");
    llmwire_client *client = NULL;
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_client_new(config, &client, &err);
    if (status != LLMWIRE_STATUS_OK) {
        fprintf(stderr, "client_new failed: %s\n", llmwire_error_summary(err));
        llmwire_error_free(err);
        exit(1);
    }
    return client;
}

static llmwire_client *client_for(const char *scenario, const char *session, const char *extra) {
    return client_with_retry(scenario, session, extra, FAST_RETRY);
}

#endif
