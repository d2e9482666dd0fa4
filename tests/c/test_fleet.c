/* Targets over the C ABI, against the bundled simulated provider (LLMWIRE_MOCK_ORIGIN): a
 * `targets` configuration is plain JSON, so a failing primary moves the call to the backup, every
 * attempt names its target, the metrics list the targets, and a call that finds every target
 * cooling past its deadline fails with stop reason "all_targets_unavailable" and every target's
 * state. Runs under AddressSanitizer: everything handed out is freed. */
#include "llmwire.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *hello = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello from C\"}]}";

static llmwire_client *new_client(const char *config) {
    llmwire_client *client = NULL;
    llmwire_error *err = NULL;
    if (llmwire_client_new(config, &client, &err) != LLMWIRE_STATUS_OK) {
        fprintf(stderr, "client_new failed: %s\n", llmwire_error_summary(err));
        llmwire_error_free(err);
        exit(1);
    }
    return client;
}

static void test_failover_names_targets(const char *origin) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"validation\":\"off\",\"targets\":["
             "{\"name\":\"primary\",\"base_url\":\"%s/s/always_500/c-fleet-1/v1\",\"api_key\":\"sk-c\"},"
             "{\"name\":\"backup\",\"base_url\":\"%s/s/echo/c-fleet-2/v1\",\"api_key\":\"sk-c\"}]}",
             origin, origin);
    llmwire_client *client = new_client(config);
    char *response = NULL;
    llmwire_error *err = NULL;
    CHECK(llmwire_chat(client, hello, NULL, &response, &err) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(response, "\"target\":\"primary\"");
    CHECK_STR_CONTAINS(response, "\"delay_source\":\"failover\"");
    CHECK_STR_CONTAINS(response, "\"target\":\"backup\"");
    llmwire_string_free(response);

    char *metrics = NULL;
    CHECK(llmwire_client_metrics(client, "json", &metrics, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(metrics, "\"targets\"");
    CHECK_STR_CONTAINS(metrics, "\"failovers_from\":1");
    llmwire_string_free(metrics);
    llmwire_client_free(client);
}

static void test_all_targets_unavailable(const char *origin) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"validation\":\"off\",\"timeouts\":{\"deadline_ms\":1000},\"targets\":["
             "{\"name\":\"a\",\"base_url\":\"%s/s/retry_after_ms_then_ok:ms=60000/c-fleet-3/v1\",\"api_key\":\"sk-c\"},"
             "{\"name\":\"b\",\"base_url\":\"%s/s/retry_after_ms_then_ok:ms=60000/c-fleet-4/v1\",\"api_key\":\"sk-c\"}]}",
             origin, origin);
    llmwire_client *client = new_client(config);
    char *response = NULL;
    llmwire_error *err = NULL;
    CHECK(llmwire_chat(client, hello, NULL, &response, &err) == LLMWIRE_STATUS_RATE_LIMITED);
    CHECK(response == NULL);
    char *json = NULL;
    CHECK(llmwire_error_to_json(err, &json, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(json, "\"stop_reason\":\"all_targets_unavailable\"");
    CHECK_STR_CONTAINS(json, "\"targets\":[{\"name\":\"a\",\"state\":\"cooling\"");
    CHECK_STR_CONTAINS(json, "{\"name\":\"b\",\"state\":\"cooling\"");
    llmwire_string_free(json);
    llmwire_error_free(err);
    llmwire_client_free(client);
}

static void test_bad_targets_are_named(void) {
    llmwire_client *client = NULL;
    llmwire_error *err = NULL;
    CHECK(llmwire_client_new("{\"targets\":[{\"name\":\"x\",\"limits\":{\"rpn\":1}}]}", &client, &err) ==
          LLMWIRE_STATUS_INVALID_CONFIG);
    CHECK(client == NULL);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "rpn");
    llmwire_error_free(err);
}

int main(void) {
    const char *origin = getenv("LLMWIRE_MOCK_ORIGIN");
    if (origin == NULL) {
        fprintf(stderr, "LLMWIRE_MOCK_ORIGIN is not set (run through scripts/with-mock.sh)\n");
        return 2;
    }
    test_failover_names_targets(origin);
    test_all_targets_unavailable(origin);
    test_bad_targets_are_named();
    return check_report("test_fleet");
}
