/* The C ABI foundation, driven from C: versions, status names, the error object and its
 * accessors, the panic boundary, and llmwire_classify on its success and error paths.
 * Runs under AddressSanitizer (see the Makefile): every string and error is freed. */
#include "llmwire.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SENTINEL ((char *)(uintptr_t)0x1)

static void test_versions(void) {
    CHECK(strcmp(llmwire_version(), LLMWIRE_VERSION) == 0);
    CHECK(llmwire_abi_version() == LLMWIRE_ABI_VERSION);
    CHECK(LLMWIRE_VERSION_MAJOR >= 0 && LLMWIRE_VERSION_MINOR >= 0 && LLMWIRE_VERSION_PATCH >= 0);
}

static void test_status_names(void) {
    CHECK(strcmp(llmwire_status_str(LLMWIRE_STATUS_OK), "LLMWIRE_STATUS_OK") == 0);
    CHECK(strcmp(llmwire_status_str(LLMWIRE_STATUS_RATE_LIMITED), "LLMWIRE_STATUS_RATE_LIMITED") == 0);
    CHECK(strcmp(llmwire_status_str(LLMWIRE_STATUS_MALFORMED_RESPONSE), "LLMWIRE_STATUS_MALFORMED_RESPONSE") == 0);
    CHECK(strcmp(llmwire_status_str(LLMWIRE_STATUS_PANIC), "LLMWIRE_STATUS_PANIC") == 0);
    CHECK(strcmp(llmwire_status_str(-7), "LLMWIRE_STATUS_UNKNOWN") == 0);
    CHECK(strcmp(llmwire_status_str(16), "LLMWIRE_STATUS_UNKNOWN") == 0);
    CHECK(strcmp(llmwire_status_str(INT32_MAX), "LLMWIRE_STATUS_UNKNOWN") == 0);
    /* The numbers are part of the ABI and never change. */
    CHECK(LLMWIRE_STATUS_RATE_LIMITED == 1);
    CHECK(LLMWIRE_STATUS_QUOTA_EXHAUSTED == 2);
    CHECK(LLMWIRE_STATUS_MALFORMED_RESPONSE == 15);
    CHECK(LLMWIRE_STATUS_INVALID_ARGUMENT == 100);
    CHECK(LLMWIRE_STATUS_PANIC == 106);
}

static void test_classify_success(void) {
    const char *input =
        "{\"provider\":\"auto\",\"status\":429,\"headers\":{\"retry-after\":\"2\"},"
        "\"body\":\"{\\\"error\\\":{\\\"message\\\":\\\"Rate limit reached\\\",\\\"type\\\":\\\"requests\\\"}}\"}";
    char *out = NULL;
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_classify(input, &out, &err);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK(err == NULL);
    CHECK_STR_CONTAINS(out, "\"class\":\"rate_limited\"");
    CHECK_STR_CONTAINS(out, "\"http_status\":429");
    llmwire_string_free(out);

    /* A transport fault, and success without an err out-parameter. */
    out = NULL;
    status = llmwire_classify("{\"transport\":\"connection_refused\"}", &out, NULL);
    CHECK(status == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(out, "\"class\":\"network\"");
    llmwire_string_free(out);
}

/* Calls llmwire_classify with bad input and checks the error object; out stays untouched. */
static void expect_invalid_argument(const char *input, int pass_out, const char *expected_words) {
    char *out = SENTINEL;
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_classify(input, pass_out ? &out : NULL, &err);
    CHECK(status == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    CHECK(err != NULL);
    CHECK(llmwire_error_status(err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(strcmp(llmwire_error_class(err), "invalid_argument") == 0);
    CHECK(llmwire_error_http_status(err) == 0);
    CHECK(llmwire_error_retry_after_ms(err) == -1);
    CHECK_STR_CONTAINS(llmwire_error_message(err), expected_words);
    CHECK_STR_CONTAINS(llmwire_error_summary(err), "invalid_argument");

    char *json = NULL;
    CHECK(llmwire_error_to_json(err, &json, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(json, "\"status\":\"LLMWIRE_STATUS_INVALID_ARGUMENT\"");
    CHECK_STR_CONTAINS(json, "\"attempts\":[]");
    llmwire_string_free(json);
    llmwire_error_free(err);
}

static void test_classify_bad_input(void) {
    expect_invalid_argument(NULL, 1, "input_json is NULL");
    expect_invalid_argument("{\"status\":500}", 0, "out_json is NULL");
    expect_invalid_argument("{\"status\": 5", 1, "line 1");
    expect_invalid_argument("[1,2]", 1, "classification input");
    expect_invalid_argument("{\"status\":500,\"colour\":1}", 1, "colour");
    expect_invalid_argument("{\"status\":500,\"provider\":\"nosuch\"}", 1, "nosuch");
    expect_invalid_argument("{}", 1, "needs");
    expect_invalid_argument("{\"body\":\"\xff\xfe\"}", 1, "not valid UTF-8");

    /* Without an err out-parameter the status alone reports the failure. */
    char *out = SENTINEL;
    CHECK(llmwire_classify(NULL, &out, NULL) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
}

static void test_error_accessors_tolerate_null(void) {
    CHECK(llmwire_error_status(NULL) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(strcmp(llmwire_error_class(NULL), "invalid_argument") == 0);
    CHECK(llmwire_error_http_status(NULL) == 0);
    CHECK(llmwire_error_retry_after_ms(NULL) == -1);
    CHECK(strcmp(llmwire_error_message(NULL), "") == 0);
    CHECK(strcmp(llmwire_error_summary(NULL), "") == 0);

    char *json = SENTINEL;
    llmwire_error *err = NULL;
    CHECK(llmwire_error_to_json(NULL, &json, &err) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK(json == SENTINEL);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "error is NULL");

    llmwire_error *second = NULL;
    CHECK(llmwire_error_to_json(err, NULL, &second) == LLMWIRE_STATUS_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(llmwire_error_message(second), "out_json is NULL");
    llmwire_error_free(second);
    llmwire_error_free(err);

    llmwire_error_free(NULL);
    llmwire_string_free(NULL);
}

static void test_panic_boundary(void) {
    llmwire_error *err = NULL;
    CHECK(llmwire_debug_panic(&err) == LLMWIRE_STATUS_PANIC);
    CHECK(err != NULL);
    CHECK(llmwire_error_status(err) == LLMWIRE_STATUS_PANIC);
    CHECK(strcmp(llmwire_error_class(err), "panic") == 0);
    CHECK_STR_CONTAINS(llmwire_error_message(err), "llmwire_debug_panic was called");
    llmwire_error_free(err);

    CHECK(llmwire_debug_panic(NULL) == LLMWIRE_STATUS_PANIC);
    /* Still alive, and the library still works after a caught panic. */
    char *out = NULL;
    CHECK(llmwire_classify("{\"status\":503}", &out, NULL) == LLMWIRE_STATUS_OK);
    llmwire_string_free(out);
}

int main(void) {
    test_versions();
    test_status_names();
    test_classify_success();
    test_classify_bad_input();
    test_error_accessors_tolerate_null();
    test_panic_boundary();
    return check_report("test_abi");
}
