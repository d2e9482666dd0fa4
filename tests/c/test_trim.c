/* llmwire_trim from C: trimming, the report, nothing-fits, argument errors, and ownership (run under
 * AddressSanitizer with leak detection: every string and error handed out is freed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmwire.h"
#include "check.h"

static const char *SHORT_REQUEST =
    "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";

/* A system prompt, an old turn with a tool round, and a new question. */
static char *conversation(size_t old_words) {
    const char *word = " weather";
    size_t size = 1024 + old_words * strlen(word);
    char *buffer = malloc(size);
    if (buffer == NULL) {
        return NULL;
    }
    size_t at = (size_t)snprintf(buffer, size,
                                 "{\"model\": \"gpt-4o\", \"messages\": ["
                                 "{\"role\": \"system\", \"content\": \"Be brief.\"},"
                                 "{\"role\": \"user\", \"content\": \"Old question:");
    for (size_t i = 0; i < old_words; i++) {
        at += (size_t)snprintf(buffer + at, size - at, "%s", word);
    }
    snprintf(buffer + at, size - at,
             "\"},"
             "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": "
             "\"function\", \"function\": {\"name\": \"get_weather\", \"arguments\": \"{}\"}}]},"
             "{\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"sunny\"},"
             "{\"role\": \"assistant\", \"content\": \"It was sunny.\"},"
             "{\"role\": \"user\", \"content\": \"And today?\"}]}");
    return buffer;
}

static void test_a_long_history_is_trimmed_and_reported(void) {
    char *request = conversation(2000);
    CHECK(request != NULL);
    char *result = NULL;
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_trim(request, "{\"budget_tokens\": 200, \"provider\": \"openai\"}", &result, &err);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK(err == NULL);
    CHECK_STR_CONTAINS(result, "\"trimmed\":true");
    CHECK_STR_CONTAINS(result, "\"dropped_indices\":[1,2,3,4]");
    CHECK_STR_CONTAINS(result, "\"dropped_messages\":{\"user\":1,\"assistant\":2,\"tool\":1,\"other\":0}");
    CHECK_STR_CONTAINS(result, "\"budget_tokens\":200");
    CHECK_STR_CONTAINS(result, "\"estimated_tokens_before\":");
    CHECK_STR_CONTAINS(result, "\"request\":{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\"");
    CHECK_STR_CONTAINS(result, "\"content\":\"And today?\"");
    CHECK(result != NULL && strstr(result, "Old question") == NULL);
    llmwire_string_free(result);
    free(request);
}

static void test_a_fitting_request_comes_back_unchanged(void) {
    char *result = NULL;
    llmwire_status status = llmwire_trim(SHORT_REQUEST, "{\"window_tokens\": 1000, \"reserve_output_tokens\": 100}", &result, NULL);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(result, "\"trimmed\":false");
    CHECK_STR_CONTAINS(result, "\"budget_tokens\":900");
    CHECK_STR_CONTAINS(result, "\"content\":\"Hello\"");
    llmwire_string_free(result);

    /* NULL options: the window of the request's model (gpt-4o is in the table). */
    result = NULL;
    status = llmwire_trim(SHORT_REQUEST, NULL, &result, NULL);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(result, "\"trimmed\":false");
    llmwire_string_free(result);
}

static void test_nothing_fits_is_context_length_exceeded(void) {
    char *result = (char *)"untouched";
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_trim(SHORT_REQUEST, "{\"budget_tokens\": 3}", &result, &err);
    CHECK(status == LLMWIRE_STATUS_CONTEXT_LENGTH_EXCEEDED);
    CHECK(strcmp(result, "untouched") == 0);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK(llmwire_error_status(err) == LLMWIRE_STATUS_CONTEXT_LENGTH_EXCEEDED);
        CHECK(strcmp(llmwire_error_class(err), "context_length_exceeded") == 0);
        CHECK_STR_CONTAINS(llmwire_error_message(err), "budget of 3 tokens");
        CHECK_STR_CONTAINS(llmwire_error_message(err), "newest user turn");
    }
    llmwire_error_free(err);
}

static void expect_invalid_argument(const char *request, const char *options, const char *needle) {
    char *result = (char *)"untouched";
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_trim(request, options, &result, &err);
    CHECK(status == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(strcmp(result, "untouched") == 0);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK(strcmp(llmwire_error_class(err), "invalid_argument") == 0);
        CHECK_STR_CONTAINS(llmwire_error_message(err), needle);
    }
    llmwire_error_free(err);
}

static void test_bad_input_is_invalid_argument_with_its_position_or_key(void) {
    expect_invalid_argument("{\"messages\": [\n}", NULL, "line 2 column");
    expect_invalid_argument(SHORT_REQUEST, "{\"budget_tokens\": ", "line 1 column");
    expect_invalid_argument(SHORT_REQUEST, "{\"budgett_tokens\": 5}", "budgett_tokens");
    expect_invalid_argument(SHORT_REQUEST, "{\"budget_tokens\": 5, \"window_tokens\": 9}", "window_tokens");
    expect_invalid_argument(SHORT_REQUEST, "{\"strategy\": \"newest_first\"}", "newest_first");
    expect_invalid_argument("{\"model\": \"m\"}", "{\"budget_tokens\": 5}", "messages");
    expect_invalid_argument("{\"model\": \"my-own\", \"messages\": []}", NULL, "my-own");
}

static void test_null_arguments(void) {
    char *result = NULL;
    llmwire_error *err = NULL;
    CHECK(llmwire_trim(NULL, NULL, &result, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(result == NULL);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK_STR_CONTAINS(llmwire_error_message(err), "request_json is NULL");
    }
    llmwire_error_free(err);

    err = NULL;
    CHECK(llmwire_trim(SHORT_REQUEST, NULL, NULL, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK_STR_CONTAINS(llmwire_error_message(err), "result_json is NULL");
    }
    llmwire_error_free(err);

    /* err itself may be NULL: the status alone reports the failure. */
    CHECK(llmwire_trim(SHORT_REQUEST, "{\"budget_tokens\": 1}", &result, NULL) ==
          LLMWIRE_STATUS_CONTEXT_LENGTH_EXCEEDED);
    CHECK(result == NULL);
}

static void test_invalid_utf8_is_rejected(void) {
    const char bad[] = {'{', '"', 'm', '"', ':', '"', (char)0xC3, (char)0x28, '"', '}', 0};
    expect_invalid_argument(bad, NULL, "request_json is not valid UTF-8");
    expect_invalid_argument(SHORT_REQUEST, bad, "options_json is not valid UTF-8");
}

int main(void) {
    test_a_long_history_is_trimmed_and_reported();
    test_a_fitting_request_comes_back_unchanged();
    test_nothing_fits_is_context_length_exceeded();
    test_bad_input_is_invalid_argument_with_its_position_or_key();
    test_null_arguments();
    test_invalid_utf8_is_rejected();
    return check_report("test_trim");
}
