/* llmwire demo: what a robust client does that the usual ones don't, against the bundled
 * simulated provider (`make demo` starts it and sets LLMWIRE_MOCK_ORIGIN).
 *
 * Each scene makes one real HTTP call through the C API and prints what happened, attempt by
 * attempt, as reported by the library's event callback. */
/* clock_gettime; fork, exec and wait for the shared-limit scene's processes (POSIX). */
#define _POSIX_C_SOURCE 200809L

#include "llmwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *origin;

/* Every client's counters, added up as each client is freed (Prometheus series -> value), and the
 * number of calls the demo made: the metrics scene shows that the two agree. */
static struct {
    char series[96];
    double value;
} totals[64];
static size_t total_count;
static int calls_made;

/* Adds a client's counters (the `_total` series) to the demo's totals, then frees the client. */
static void tally_and_free(llmwire_client *c) {
    char *metrics = NULL;
    if (llmwire_client_metrics(c, "prometheus", &metrics, NULL) == LLMWIRE_STATUS_OK) {
        for (char *line = strtok(metrics, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            char *space = strrchr(line, ' ');
            size_t name_length = strcspn(line, "{ ");
            if (line[0] == '#' || space == NULL || name_length < 6 || strncmp(line + name_length - 6, "_total", 6) != 0) {
                continue;
            }
            *space = '\0';
            size_t i = 0;
            while (i < total_count && strcmp(totals[i].series, line) != 0) {
                i++;
            }
            if (i == total_count && total_count < sizeof totals / sizeof totals[0]) {
                snprintf(totals[total_count++].series, sizeof totals[0].series, "%s", line);
            }
            if (i < total_count) {
                totals[i].value += strtod(space + 1, NULL);
            }
        }
        llmwire_string_free(metrics);
    }
    llmwire_client_free(c);
}

/* Copies the value of "key" from a flat JSON object into out (strings unquoted), or "-". Enough
 * for the library's event objects; a real program would use a JSON parser. */
static const char *field(const char *json, const char *key, char *out, size_t size) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":", key);
    const char *at = strstr(json, needle);
    if (at == NULL || size == 0) {
        snprintf(out, size, "-");
        return out;
    }
    at += strlen(needle);
    int quoted = *at == '"';
    at += quoted;
    size_t n = 0;
    while (at[n] != '\0' && n + 1 < size && (quoted ? at[n] != '"' : (at[n] != ',' && at[n] != '}'))) {
        n++;
    }
    memcpy(out, at, n);
    out[n] = '\0';
    return out;
}

/* Prints one line per attempt as the library reports it. */
static void on_event(const char *event, void *user_data) {
    (void)user_data;
    char n[16], class_name[48], status[16], decision[16], delay[24], source[32], stop[32];
    field(event, "attempt", n, sizeof n);
    field(event, "class", class_name, sizeof class_name);
    field(event, "http_status", status, sizeof status);
    field(event, "decision", decision, sizeof decision);
    if (strcmp(decision, "done") == 0) {
        printf("    attempt %s: HTTP %s, a usable completion\n", n, status);
    } else if (strcmp(decision, "retry") == 0) {
        printf("    attempt %s: %s (HTTP %s) -> retry in %s ms (%s)\n", n, class_name, status,
               field(event, "delay_ms", delay, sizeof delay), field(event, "delay_source", source, sizeof source));
    } else {
        printf("    attempt %s: %s (HTTP %s) -> stop: %s\n", n, class_name, status,
               field(event, "stop_reason", stop, sizeof stop));
    }
    fflush(stdout);
}

static llmwire_client *client(const char *provider, const char *path, const char *extra) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"provider\":\"%s\",\"base_url\":\"%s%s\",\"api_key\":\"demo-key\",\"model\":\"%s\"%s}", provider,
             origin, path, strcmp(provider, "gemini") == 0 ? "gemini-2.5-flash" : "gpt-4o-mini", extra);
    llmwire_client *created = NULL;
    llmwire_error *err = NULL;
    if (llmwire_client_new(config, &created, &err) != LLMWIRE_STATUS_OK) {
        fprintf(stderr, "demo: %s\n", llmwire_error_summary(err));
        llmwire_error_free(err);
        exit(1);
    }
    llmwire_client_set_event_callback(created, on_event, NULL, NULL);
    return created;
}

static void scene(const char *title, const char *what_others_do) {
    printf("\n== %s\n   (%s)\n", title, what_others_do);
}

/* Makes the call and prints the outcome: the answer, or the one-line summary of the failure. */
static void call(llmwire_client *c, const char *request) {
    calls_made++;
    char *response = NULL;
    llmwire_error *err = NULL;
    if (llmwire_chat(c, request, NULL, &response, &err) == LLMWIRE_STATUS_OK) {
        char content[256];
        printf("  => answer: \"%s\"\n", field(strstr(response, "\"message\""), "content", content, sizeof content));
        const char *repairs = strstr(response, "\"repairs\":[{");
        if (repairs != NULL) {
            char code[64], path[128];
            for (const char *at = repairs; (at = strstr(at, "{\"code\"")) != NULL; at++) {
                printf("     repaired %s: %s\n", field(at, "path", path, sizeof path), field(at, "code", code, sizeof code));
            }
        }
        llmwire_string_free(response);
    } else {
        printf("  => %s: %s\n", llmwire_status_str(llmwire_error_status(err)), llmwire_error_summary(err));
        llmwire_error_free(err);
    }
}

/* A long chat: a system prompt, 60 question/answer turns, and the newest question. */
static char *long_conversation(void) {
    size_t size = 256 * 1024, used = 0;
    char *json = malloc(size);
    if (json == NULL) {
        exit(1);
    }
    used += (size_t)snprintf(json + used, size - used,
                             "{\"model\":\"gpt-4\",\"max_tokens\":500,\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"}");
    for (int turn = 0; turn < 60; turn++) {
        used += (size_t)snprintf(json + used, size - used, ",{\"role\":\"user\",\"content\":\"");
        for (int part = 0; part < 40; part++) {
            used += (size_t)snprintf(json + used, size - used, "question %d part %d, ", turn, part);
        }
        used += (size_t)snprintf(json + used, size - used, "\"},{\"role\":\"assistant\",\"content\":\"");
        for (int part = 0; part < 40; part++) {
            used += (size_t)snprintf(json + used, size - used, "answer %d part %d, ", turn, part);
        }
        used += (size_t)snprintf(json + used, size - used, "\"}");
    }
    snprintf(json + used, size - used, ",{\"role\":\"user\",\"content\":\"And the newest question?\"}]}");
    return json;
}

/* Prints each piece of text as it arrives, counting the pieces in *(int *)pieces. */
static int32_t print_token(const char *chunk, void *pieces) {
    char text[128];
    const char *delta = strstr(chunk, "\"delta\"");
    if (delta != NULL && strstr(delta, "\"content\"") != NULL && field(delta, "content", text, sizeof text)[0] != '\0') {
        printf("%s", text);
        fflush(stdout);
        ++*(int *)pieces;
    }
    return 0;
}

/* ---- Fleet scenes (targets, failover, client-side limits): self-contained. ---- */

/* The fleet scenes' event callback: attempts with their target, state changes, failovers. */
static void on_fleet_event(const char *event, void *user_data) {
    (void)user_data;
    char kind[16], target[32], from[32], to[32], what[48], status[16], n[16];
    field(event, "event", kind, sizeof kind);
    if (strcmp(kind, "failover") == 0) {
        printf("    failover %s -> %s after %s\n", field(event, "from", from, sizeof from), field(event, "to", to, sizeof to),
               field(event, "class", what, sizeof what));
    } else if (strcmp(kind, "target") == 0) {
        printf("    target %s: %s\n", field(event, "target", target, sizeof target),
               field(event, "transition", what, sizeof what));
    } else {
        field(event, "decision", what, sizeof what);
        field(event, "attempt", n, sizeof n);
        field(event, "target", target, sizeof target);
        field(event, "http_status", status, sizeof status);
        if (strcmp(what, "done") == 0) {
            printf("    attempt %s on %s: HTTP %s, a usable completion\n", n, target, status);
        } else {
            printf("    attempt %s on %s: %s (HTTP %s)\n", n, target, field(event, "class", what, sizeof what), status);
        }
    }
    fflush(stdout);
}

static llmwire_client *fleet_client(const char *targets, const char *extra) {
    char config[1024];
    snprintf(config, sizeof config, "{\"model\":\"gpt-4o-mini\",\"targets\":%s%s}", targets, extra);
    llmwire_client *created = NULL;
    llmwire_error *err = NULL;
    if (llmwire_client_new(config, &created, &err) != LLMWIRE_STATUS_OK) {
        fprintf(stderr, "demo: %s\n", llmwire_error_summary(err));
        llmwire_error_free(err);
        exit(1);
    }
    return created;
}

static void failover_scene(void) {
    scene("Failover: a failing primary, a healthy backup", "others fail the call, or retry the dead endpoint");
    char targets[512];
    snprintf(targets, sizeof targets,
             "[{\"name\":\"primary\",\"base_url\":\"%s/s/always_500/demo-f1/v1\",\"api_key\":\"demo-key\"},"
             "{\"name\":\"backup\",\"base_url\":\"%s/s/echo/demo-f2/v1\",\"api_key\":\"demo-key\"}]",
             origin, origin);
    llmwire_client *fleet = fleet_client(targets, ",\"fleet\":{\"breaker\":{\"failures\":2,\"cooldown_ms\":30000}}");
    llmwire_client_set_event_callback(fleet, on_fleet_event, NULL, NULL);
    for (int n = 1; n <= 3; n++) {
        printf("  call %d:\n", n);
        calls_made++;
        char *response = NULL;
        if (llmwire_chat(fleet, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &response, NULL) ==
            LLMWIRE_STATUS_OK) {
            llmwire_string_free(response);
        }
    }
    char *metrics = NULL;
    if (llmwire_client_metrics(fleet, "json", &metrics, NULL) == LLMWIRE_STATUS_OK) {
        char state[32], breaker[32];
        const char *primary = strstr(metrics, "\"targets\":[");
        if (primary != NULL) {
            printf("  => the primary is %s (%s breaker)\n", field(primary, "state", state, sizeof state),
                   field(primary, "breaker", breaker, sizeof breaker));
        }
        llmwire_string_free(metrics);
    }
    tally_and_free(fleet);
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    timespec_get(&now, TIME_UTC);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void limits_scene(void) {
    scene("Client-side limits: 3 requests a second, 6 calls", "others send them all and collect 429s");
    char targets[512];
    snprintf(targets, sizeof targets,
             "[{\"name\":\"limited\",\"base_url\":\"%s/s/echo/demo-l1/v1\",\"api_key\":\"demo-key\","
             "\"limits\":{\"rpm\":3,\"window_ms\":1000}}]",
             origin);
    llmwire_client *limited = fleet_client(targets, "");
    struct timespec start;
    timespec_get(&start, TIME_UTC);
    for (int n = 1; n <= 6; n++) {
        calls_made++;
        char *response = NULL;
        if (llmwire_chat(limited, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &response, NULL) ==
            LLMWIRE_STATUS_OK) {
            llmwire_string_free(response);
        }
        printf("  call %d answered at %4.1f s\n", n, seconds_since(&start));
    }
    tally_and_free(limited);
}

/* --- Shared limit across processes (Redis) -------------------------------------------------------
 * A self-contained scene: two processes (forked from this one) share one limit of 3 requests a
 * second through a redis-server the scene starts (and stops) itself; skipped when none is
 * installed. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void shared_limit_worker(char name, const char *redis_url, const struct timespec *start) {
    char targets[512], extra[256];
    snprintf(targets, sizeof targets,
             "[{\"name\":\"limited\",\"base_url\":\"%s/s/echo/demo-shared/v1\",\"api_key\":\"demo-key\","
             "\"limits\":{\"rpm\":3,\"window_ms\":1000}}]",
             origin);
    snprintf(extra, sizeof extra, ",\"coordination\":{\"backend\":\"redis\",\"url\":\"%s\",\"namespace\":\"demo-c-%ld\"}",
             redis_url, (long)getppid());
    llmwire_client *shared = fleet_client(targets, extra);
    for (int n = 1; n <= 3; n++) {
        char *response = NULL;
        if (llmwire_chat(shared, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &response, NULL) ==
            LLMWIRE_STATUS_OK) {
            llmwire_string_free(response);
        }
        printf("  process %c: call %d answered at %4.1f s\n", name, n, seconds_since(start));
        fflush(stdout);
    }
    llmwire_client_free(shared);
}

static void shared_limit_scene(void) {
    scene("Shared limit: 2 processes, 3 requests a second between them (Redis)",
          "others limit each process alone, so together they send twice the rate");
    if (system("command -v redis-server >/dev/null 2>&1") != 0) {
        printf("  skipped: redis-server is not installed (apt-get install redis-server)\n");
        return;
    }
    char port[16], ping[96], redis_url[64];
    snprintf(port, sizeof port, "%ld", 30000 + (long)getpid() % 20000);
    snprintf(ping, sizeof ping, "redis-cli -p %s ping >/dev/null 2>&1", port);
    snprintf(redis_url, sizeof redis_url, "redis://127.0.0.1:%s/0", port);
    fflush(stdout);
    pid_t redis = fork();
    if (redis == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL) {
            _exit(127);
        }
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
               "no", "--loglevel", "warning", (char *)NULL);
        _exit(127);
    }
    struct timespec pause = {0, 50 * 1000 * 1000};
    for (int tries = 0; tries < 100 && system(ping) != 0; tries++) {
        nanosleep(&pause, NULL);
    }
    struct timespec start;
    timespec_get(&start, TIME_UTC);
    pid_t workers[2];
    for (int i = 0; i < 2; i++) {
        workers[i] = fork();
        if (workers[i] == 0) {
            shared_limit_worker((char)('A' + i), redis_url, &start);
            _exit(0);
        }
    }
    for (int i = 0; i < 2; i++) {
        waitpid(workers[i], NULL, 0);
    }
    printf("  => 3 calls at once, the other 3 a second later: never more than 3 a second between the two processes\n");
    kill(redis, SIGKILL);
    waitpid(redis, NULL, 0);
}

int main(void) {
    origin = getenv("LLMWIRE_MOCK_ORIGIN");
    if (origin == NULL) {
        fprintf(stderr, "demo: run it with `make demo` (it needs LLMWIRE_MOCK_ORIGIN)\n");
        return 2;
    }
    printf("llmwire %s demo against the simulated provider at %s\n", llmwire_version(), origin);
    const char *hello = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello, robust world\"}]}";
    const char *bad_gemini =
        "{\"model\":\"models/gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
        "\"additionalProperties\":false,\"properties\":{\"city\":{\"type\":[\"string\",\"null\"]}}}}}]}";

    scene("1. An invalid Gemini request is caught before it is sent",
          "others send it and get a 400 they cannot read");
    llmwire_client *strict = client("gemini", "/s/echo/demo-1/v1beta/openai", "");
    call(strict, bad_gemini);
    tally_and_free(strict);
    printf("   ... and with \"validation\": \"repair\" it is fixed and sent:\n");
    llmwire_client *repair = client("gemini", "/s/echo/demo-1/v1beta/openai", ",\"validation\":\"repair\"");
    call(repair, bad_gemini);
    tally_and_free(repair);

    scene("2. Gemini's list-wrapped 400 is read, and not retried",
          "others cannot parse the list, retry, and print \"no more retries left\"");
    llmwire_client *list = client("gemini", "/s/gemini_unknown_field_400/demo-2/v1beta/openai", ",\"validation\":\"off\"");
    call(list, hello);
    tally_and_free(list);

    scene("3. A per-day quota is not retried", "others retry a quota that is gone until tomorrow");
    llmwire_client *quota = client("gemini", "/s/quota_exhausted/demo-3/v1beta/openai", "");
    call(quota, hello);
    tally_and_free(quota);

    scene("4. Gemini's RetryInfo delay (in the body) is honoured",
          "others ignore it, retry too early, and give up");
    llmwire_client *hinted = client("gemini", "/s/retry_info_then_ok:ms=2000/demo-4/v1beta/openai", "");
    call(hinted, hello);
    tally_and_free(hinted);

    scene("5. An overloaded model is ridden out (3 x 503, then OK)", "others give up after their 3rd try");
    llmwire_client *overloaded = client("gemini", "/s/overloaded_then_ok:n=3/demo-5/v1beta/openai", "");
    call(overloaded, hello);
    tally_and_free(overloaded);

    scene("6. A stream, token by token, printed as it arrives", "retried only before the first token reaches you");
    llmwire_client *streaming = client("gemini", "/s/echo:chunk_delay_ms=80/demo-6/v1beta/openai", "");
    llmwire_client_set_event_callback(streaming, NULL, NULL, NULL); /* keep the tokens on one line */
    printf("  => ");
    fflush(stdout);
    char *assembled = NULL;
    int pieces = 0;
    struct timespec started, ended;
    clock_gettime(CLOCK_MONOTONIC, &started);
    calls_made++;
    llmwire_chat_stream(streaming, "{\"messages\":[{\"role\":\"user\",\"content\":\"streamed one token at a time\"}]}",
                        NULL, print_token, &pieces, &assembled, NULL);
    clock_gettime(CLOCK_MONOTONIC, &ended);
    printf("\n     (%d pieces over %.0f ms, each printed on arrival)\n", pieces,
           (double)(ended.tv_sec - started.tv_sec) * 1000 + (double)(ended.tv_nsec - started.tv_nsec) / 1e6);
    llmwire_string_free(assembled);
    tally_and_free(streaming);

    scene("7. A conversation over gpt-4's 8k window is trimmed before it is sent",
          "others send it and get a 400 no retry can cure");
    llmwire_client *trimming = client("openai", "/s/echo/demo-7/v1", ",\"context\":{\"on_overflow\":\"trim\"}");
    char *conversation = long_conversation();
    char *trimmed = NULL;
    calls_made++;
    if (llmwire_chat(trimming, conversation, NULL, &trimmed, NULL) == LLMWIRE_STATUS_OK) {
        char before[32], after[32], turns[32], content[128];
        const char *report = strstr(trimmed, "\"trimmed\":[");
        if (report != NULL) {
            printf("  => dropped the %s oldest turns: about %s -> %s tokens; the system prompt and the newest question kept\n",
                   field(report, "dropped_turns", turns, sizeof turns),
                   field(report, "estimated_tokens_before", before, sizeof before),
                   field(report, "estimated_tokens_after", after, sizeof after));
        }
        printf("  => answer: \"%s\"\n", field(strstr(trimmed, "\"message\""), "content", content, sizeof content));
        llmwire_string_free(trimmed);
    }
    free(conversation);
    tally_and_free(trimming);

    failover_scene();
    limits_scene();

    shared_limit_scene();

    scene("8. Metrics, per class (Prometheus text), over every client of this demo", "for dashboards and alerts");
    for (size_t i = 0; i < total_count; i++) {
        if (totals[i].value != 0) {
            printf("   %s %g\n", totals[i].series, totals[i].value);
        }
    }
    printf("   (this demo made %d calls)\n", calls_made);
    return 0;
}
