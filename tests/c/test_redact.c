/* Secrets over the C ABI: a hostile loopback server (a thread in this program) echoes the API key
 * in every field of its error body, and the error object handed to C — its JSON, message and
 * summary — never shows it. Runs under AddressSanitizer like the other C tests. */
#define _POSIX_C_SOURCE 200809L
#include "llmwire.h"
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KEY "sk-c.hostile*key+(0123456789)"

static int listener = -1;
static char response[8192];

/* Answers every connection with `response`, after reading the request head and body. */
static void *serve(void *unused) {
    (void)unused;
    for (;;) {
        int connection = accept(listener, NULL, NULL);
        if (connection < 0) return NULL;
        char request[16384];
        size_t have = 0;
        ssize_t got;
        /* The head, then as much body as content-length says (small here: one read suffices). */
        while (have < sizeof request - 1 && (got = read(connection, request + have, sizeof request - 1 - have)) > 0) {
            have += (size_t)got;
            request[have] = '\0';
            char *end = strstr(request, "\r\n\r\n");
            const char *length = strstr(request, "content-length: ");
            if (end != NULL && length != NULL && have >= (size_t)(end + 4 - request) + (size_t)atol(length + 16)) break;
        }
        if (write(connection, response, strlen(response)) < 0) perror("write");
        close(connection);
    }
}

static int start_server(void) {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, size) != 0 || listen(listener, 16) != 0 ||
        getsockname(listener, (struct sockaddr *)&address, &size) != 0) {
        perror("server");
        exit(1);
    }
    pthread_t thread;
    pthread_create(&thread, NULL, serve, NULL);
    pthread_detach(thread);
    return ntohs(address.sin_port);
}

static void test_an_echoed_key_is_redacted_in_every_field(int port) {
    char body[6144];
    char padding[4091];
    memset(padding, 'x', sizeof padding - 1);
    padding[sizeof padding - 1] = '\0';
    /* The key sits across the 4 KiB message cap, and in every other field. */
    snprintf(body, sizeof body,
             "{\"error\":{\"message\":\"%s " KEY "\",\"type\":\"type-" KEY "\",\"code\":\"code-" KEY
             "\",\"param\":\"param-" KEY "\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\","
             "\"violations\":[{\"quotaId\":\"quota-" KEY "\"}]}]}}",
             padding);
    snprintf(response, sizeof response,
             "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nx-request-id: req-" KEY
             "\r\ncontent-length: %zu\r\nconnection: close\r\n\r\n%s",
             strlen(body), body);

    char config[512];
    snprintf(config, sizeof config,
             "{\"provider\":\"gemini\",\"base_url\":\"http://127.0.0.1:%d/v1\",\"api_key\":\"" KEY
             "\",\"model\":\"m\",\"validation\":\"off\"}",
             port);
    llmwire_client *client = NULL;
    CHECK(llmwire_client_new(config, &client, NULL) == LLMWIRE_STATUS_OK);
    char *answer = NULL;
    llmwire_error *err = NULL;
    llmwire_status status =
        llmwire_chat(client, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &answer, &err);
    CHECK(status != LLMWIRE_STATUS_OK);
    CHECK(answer == NULL);
    char *json = NULL;
    CHECK(llmwire_error_to_json(err, &json, NULL) == LLMWIRE_STATUS_OK);
    CHECK_STR_CONTAINS(json, "code-[REDACTED]");
    CHECK_STR_CONTAINS(json, "quota-[REDACTED]");
    /* Not the key, nor its first 12 characters (what a cut would leave). */
    CHECK(json != NULL && strstr(json, "sk-c.hostile") == NULL);
    CHECK(strstr(llmwire_error_message(err), "sk-c.hostile") == NULL);
    CHECK(strstr(llmwire_error_summary(err), "sk-c.hostile") == NULL);
    llmwire_string_free(json);
    llmwire_error_free(err);
    llmwire_client_free(client);
}

int main(void) {
    int port = start_server();
    test_an_echoed_key_is_redacted_in_every_field(port);
    return check_report("test_redact");
}
