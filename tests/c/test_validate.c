/* llmwire_validate from C: success, invalid requests, repair, argument errors, and ownership (run
 * under AddressSanitizer with leak detection: every string and error handed out is freed). */
#include <stdlib.h>
#include <string.h>

#include "llmwire.h"
#include "check.h"

static const char *VALID_REQUEST =
    "{\"model\": \"gemini-2.5-flash\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";

/* A request Gemini rejects twice: a top-level "store" and a type array in a tool schema. */
static const char *GEMINI_REJECTS =
    "{\"model\": \"gemini-2.5-flash\", \"store\": false,\n"
    " \"messages\": [{\"role\": \"user\", \"content\": \"Weather?\"}],\n"
    " \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\",\n"
    "   \"parameters\": {\"type\": \"object\", \"additionalProperties\": false,\n"
    "     \"properties\": {\"city\": {\"type\": [\"string\", \"null\"]}}}}}]}";

static void test_valid_request_is_ok(void) {
    char *report = NULL;
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_validate(VALID_REQUEST, "{\"provider\": \"gemini\"}", &report, &err);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK(err == NULL);
    CHECK_STR_CONTAINS(report, "\"ok\":true");
    CHECK_STR_CONTAINS(report, "\"provider\":\"gemini\"");
    CHECK_STR_CONTAINS(report, "\"model\":\"gemini-2.5-flash\"");
    CHECK_STR_CONTAINS(report, "\"estimated_prompt_tokens\":");
    CHECK(report != NULL && strstr(report, "\"repairs\"") == NULL);
    llmwire_string_free(report);
}

static void test_null_options_mean_generic_defaults(void) {
    char *report = NULL;
    llmwire_status status = llmwire_validate(VALID_REQUEST, NULL, &report, NULL);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(report, "\"provider\":\"generic\"");
    llmwire_string_free(report);
}

static void test_invalid_request_is_a_successful_validation(void) {
    char *report = NULL;
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_validate(GEMINI_REJECTS, "{\"provider\": \"gemini\"}", &report, &err);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK(err == NULL);
    CHECK_STR_CONTAINS(report, "\"ok\":false");
    CHECK_STR_CONTAINS(report, "\"code\":\"unsupported_param\"");
    CHECK_STR_CONTAINS(report, "\"path\":\"/store\"");
    CHECK_STR_CONTAINS(report, "\"code\":\"schema_type_array\"");
    CHECK_STR_CONTAINS(report, "\"path\":\"/tools/0/function/parameters/properties/city/type\"");
    CHECK_STR_CONTAINS(report, "\"code\":\"schema_keyword_unsupported\"");
    llmwire_string_free(report);

    /* The same request is fine for OpenAI. */
    report = NULL;
    status = llmwire_validate(GEMINI_REJECTS, "{\"provider\": \"openai\", \"model\": \"gpt-4o\"}", &report, NULL);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(report, "\"ok\":true");
    llmwire_string_free(report);
}

static void test_repair_returns_the_repaired_request(void) {
    char *report = NULL;
    llmwire_status status =
        llmwire_validate(GEMINI_REJECTS, "{\"provider\": \"gemini\", \"repair\": true}", &report, NULL);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(report, "\"ok\":true");
    CHECK_STR_CONTAINS(report, "\"repairs\":[");
    CHECK_STR_CONTAINS(report, "\"request\":{");
    CHECK_STR_CONTAINS(report, "\"nullable\":true");
    CHECK(report != NULL && strstr(report, "\"store\"") == NULL);
    CHECK(report != NULL && strstr(report, "additionalProperties\":false") == NULL);
    llmwire_string_free(report);
}

static void expect_invalid_argument(const char *request, const char *options, const char *needle) {
    char *report = (char *)"untouched";
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_validate(request, options, &report, &err);
    CHECK(status == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(strcmp(report, "untouched") == 0); /* out-parameters are written only on success */
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK(llmwire_error_status(err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
        CHECK(strcmp(llmwire_error_class(err), "invalid_argument") == 0);
        CHECK_STR_CONTAINS(llmwire_error_message(err), needle);
        char *json = NULL;
        CHECK(llmwire_error_to_json(err, &json, NULL) == LLMWIRE_STATUS_OK);
        CHECK_STR_CONTAINS(json, "\"status\":\"LLMWIRE_STATUS_INVALID_ARGUMENT\"");
        llmwire_string_free(json);
    }
    llmwire_error_free(err);
}

static void test_malformed_json_names_line_and_column(void) {
    expect_invalid_argument("{\"model\": \"m\",\n \"messages\": [}", NULL, "line 2 column");
    expect_invalid_argument(VALID_REQUEST, "{\"provider\": ", "line 1 column");
    expect_invalid_argument("", NULL, "line 1 column 0");
}

static void test_unknown_option_keys_and_providers_are_named(void) {
    expect_invalid_argument(VALID_REQUEST, "{\"provider\": \"gemini\", \"repiar\": true}", "repiar");
    expect_invalid_argument(VALID_REQUEST, "{\"provider\": \"gemeni\"}", "gemeni");
    expect_invalid_argument(VALID_REQUEST, "{\"window_tokens\": -5}", "window_tokens");
}

static void test_null_arguments(void) {
    char *report = NULL;
    llmwire_error *err = NULL;
    CHECK(llmwire_validate(NULL, NULL, &report, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(report == NULL);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK_STR_CONTAINS(llmwire_error_message(err), "request_json is NULL");
    }
    llmwire_error_free(err);

    err = NULL;
    CHECK(llmwire_validate(VALID_REQUEST, NULL, NULL, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK_STR_CONTAINS(llmwire_error_message(err), "report_json is NULL");
    }
    llmwire_error_free(err);

    /* err itself may be NULL: the status alone reports the failure. */
    CHECK(llmwire_validate(NULL, NULL, &report, NULL) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(report == NULL);
}

static void test_invalid_utf8_is_rejected(void) {
    const char bad_request[] = {'{', '"', 'm', '"', ':', '"', (char)0xC3, (char)0x28, '"', '}', 0};
    expect_invalid_argument(bad_request, NULL, "request_json is not valid UTF-8");
    const char bad_options[] = {'{', '"', (char)0xFF, '"', ':', '1', '}', 0};
    expect_invalid_argument(VALID_REQUEST, bad_options, "options_json is not valid UTF-8");
}

static void test_reports_are_independent_allocations(void) {
    char *first = NULL;
    char *second = NULL;
    CHECK(llmwire_validate(VALID_REQUEST, NULL, &first, NULL) == LLMWIRE_STATUS_OK);
    CHECK(llmwire_validate(VALID_REQUEST, NULL, &second, NULL) == LLMWIRE_STATUS_OK);
    CHECK(first != NULL && second != NULL && first != second);
    CHECK(first != NULL && second != NULL && strcmp(first, second) == 0);
    llmwire_string_free(first);
    llmwire_string_free(second);
    llmwire_string_free(NULL);
    llmwire_error_free(NULL);
}

int main(void) {
    test_valid_request_is_ok();
    test_null_options_mean_generic_defaults();
    test_invalid_request_is_a_successful_validation();
    test_repair_returns_the_repaired_request();
    test_malformed_json_names_line_and_column();
    test_unknown_option_keys_and_providers_are_named();
    test_null_arguments();
    test_invalid_utf8_is_rejected();
    test_reports_are_independent_allocations();
    return check_report("test_validate");
}
