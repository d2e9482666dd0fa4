/* chat: one robust chat completion through llmwire's C API, printed token by token as it streams.
 *
 * The same program as examples/chat.py and examples/chat.mjs: the same options, the same report
 * and the same exit status (tests/examples/agree.py runs the three side by side). llmwire
 * validates the request, retries only what can succeed (honouring the server's hints), and when it
 * gives up says exactly why.
 *
 *   make examples
 *   build/examples/chat --mock "Tell me about retries"          # the bundled simulated provider
 *   build/examples/chat --mock=overloaded_then_ok:n=2 "Survive two 503s"
 *   build/examples/chat --model gpt-4o-mini "Tell me a joke"             # key from $OPENAI_API_KEY
 *   build/examples/chat --provider gemini --model gemini-2.5-flash "Hi"   # key from $GEMINI_API_KEY
 *
 * Options: --mock[=SCENARIO] (uses $LLMWIRE_MOCK_ORIGIN when set, else starts `llmwire mock` from
 * next to the library, or $LLMWIRE_BIN), --base-url URL, --model M (gpt-4o-mini), --provider P,
 * --api-key-env VAR, --system TEXT, --max-attempts N (4), --timeout-ms N (120000: the whole call),
 * --no-stream. LLMWIRE_BASE_URL and LLMWIRE_MODEL may replace --base-url and --model.
 *
 * The answer goes to stdout; the report (retries as they happen, then the attempts and tokens, or
 * the error's class, summary and advice) to stderr. Ctrl-C cancels the call (twice: exits at
 * once). Exit status: 0 success, 1 the call failed, 2 usage or configuration, 130 interrupted.
 *
 * Ownership, as everywhere in the C API: a `char *` from llmwire goes back through
 * llmwire_string_free, an error through llmwire_error_free, and a `const char *` is only borrowed.
 * Strings this program builds itself are malloc'd and go back through free().
 */
#define _GNU_SOURCE /* dladdr (where the library is, to find `llmwire mock`), and POSIX */

#include "llmwire.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Just enough JSON for this program; a real one would use a JSON library. ---------------- */

static void *must(void *allocated) {
    if (allocated == NULL) {
        fputs("chat: out of memory\n", stderr);
        exit(1);
    }
    return allocated;
}

/* printf into a new string; the caller frees it. */
static char *format(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int length = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    char *out = must(malloc((size_t)(length < 0 ? 0 : length) + 1));
    va_start(args, fmt);
    vsnprintf(out, (size_t)(length < 0 ? 0 : length) + 1, fmt, args);
    va_end(args);
    return out;
}

/* `text` as a JSON string literal, quotes included, in a new string; the caller frees it. */
static char *json_quote(const char *text) {
    char *out = must(malloc(strlen(text) * 6 + 3)), *end = out; /* \u001f is the longest escape */
    *end++ = '"';
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            *end++ = '\\';
            *end++ = (char)*c;
        } else if (*c < 0x20) {
            end += sprintf(end, "\\u%04x", *c);
        } else {
            *end++ = (char)*c;
        }
    }
    strcpy(end, "\"");
    return out;
}

/* Adds "key": value (as a JSON string) to a JSON object when value is set: takes `object`, returns
 * the new object. */
static char *with_string(char *object, const char *key, const char *value) {
    if (value == NULL) {
        return object;
    }
    char *quoted = json_quote(value);
    char *out = format("%.*s,\"%s\":%s}", (int)strlen(object) - 1, object, key, quoted);
    free(quoted);
    free(object);
    return out;
}

static int hex4(const char *text, unsigned long *value) {
    char digits[5] = {0};
    strncpy(digits, text, 4);
    if (strspn(digits, "0123456789abcdefABCDEF") != 4) {
        return 0;
    }
    *value = strtoul(digits, NULL, 16);
    return 1;
}

static char *put_utf8(char *out, unsigned long c) {
    if (c < 0x80) {
        *out++ = (char)c;
    } else if (c < 0x800) {
        *out++ = (char)(0xC0 | c >> 6);
        *out++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *out++ = (char)(0xE0 | c >> 12);
        *out++ = (char)(0x80 | (c >> 6 & 0x3F));
        *out++ = (char)(0x80 | (c & 0x3F));
    } else {
        *out++ = (char)(0xF0 | c >> 18);
        *out++ = (char)(0x80 | (c >> 12 & 0x3F));
        *out++ = (char)(0x80 | (c >> 6 & 0x3F));
        *out++ = (char)(0x80 | (c & 0x3F));
    }
    return out;
}

/* The value of the first "key" in `json` (which may be NULL) as a new string the caller frees: a
 * JSON string decoded, a number or boolean as written. NULL when the key is absent or null. */
static char *json_field(const char *json, const char *key) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":", key);
    const char *at = json == NULL ? NULL : strstr(json, needle);
    if (at == NULL) {
        return NULL;
    }
    at += strlen(needle);
    if (strncmp(at, "null", 4) == 0) {
        return NULL;
    }
    if (*at != '"') {
        size_t length = strcspn(at, ",}]");
        char *out = must(malloc(length + 1));
        memcpy(out, at, length);
        out[length] = '\0';
        return out;
    }
    char *out = must(malloc(strlen(at) + 1)), *end = out; /* decoding never lengthens the text */
    for (at++; *at != '\0' && *at != '"'; at++) {
        if (*at != '\\' || at[1] == '\0') {
            *end++ = *at;
            continue;
        }
        unsigned long c, low;
        switch (*++at) {
        case 'b': *end++ = '\b'; break;
        case 'f': *end++ = '\f'; break;
        case 'n': *end++ = '\n'; break;
        case 'r': *end++ = '\r'; break;
        case 't': *end++ = '\t'; break;
        case 'u':
            if (!hex4(at + 1, &c)) {
                break;
            }
            at += 4;
            if (c >= 0xD800 && c < 0xDC00 && at[1] == '\\' && at[2] == 'u' && hex4(at + 3, &low) && low >= 0xDC00 &&
                low < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                at += 6;
            } else if (c >= 0xD800 && c < 0xE000) {
                c = 0xFFFD; /* a lone surrogate */
            }
            end = put_utf8(end, c);
            break;
        default: *end++ = *at; /* \" \\ \/ */
        }
    }
    *end = '\0';
    return out;
}

/* ---- Command line ----------------------------------------------------------------------------- */

/* The scenario `--mock` alone plays: an echo, streamed a little slowly so it can be seen arriving. */
#define DEFAULT_SCENARIO "echo:chunk_delay_ms=40"

static const char USAGE[] =
    "usage: chat [--mock[=SCENARIO]] [--base-url URL] [--model M] [--provider P] [--api-key-env VAR]\n"
    "            [--system TEXT] [--max-attempts N] [--timeout-ms N] [--no-stream] [PROMPT...]\n";

struct options {
    const char *base_url, *model, *provider, *api_key_env, *system, *mock;
    long max_attempts, timeout_ms;
    int stream;
    char *prompt; /* the words after the options, joined; owned (free it) */
};

static int usage(void) {
    fputs(USAGE, stderr);
    return 2;
}

/* Fills `o`; returns -1 to go on, or the exit status to stop with. */
static int parse_options(int argc, char **argv, struct options *o) {
    *o = (struct options){.base_url = getenv("LLMWIRE_BASE_URL"), .model = getenv("LLMWIRE_MODEL"),
                          .max_attempts = 4, .timeout_ms = 120000, .stream = 1};
    size_t prompt_size = 32; /* room for the default prompt */
    for (int i = 1; i < argc; i++) {
        prompt_size += strlen(argv[i]) + 1;
    }
    o->prompt = must(calloc(prompt_size, 1));
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **text = strcmp(arg, "--base-url") == 0      ? &o->base_url
                            : strcmp(arg, "--model") == 0       ? &o->model
                            : strcmp(arg, "--provider") == 0    ? &o->provider
                            : strcmp(arg, "--api-key-env") == 0 ? &o->api_key_env
                            : strcmp(arg, "--system") == 0      ? &o->system
                                                                : NULL;
        long *number = strcmp(arg, "--max-attempts") == 0 ? &o->max_attempts
                       : strcmp(arg, "--timeout-ms") == 0  ? &o->timeout_ms
                                                           : NULL;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(USAGE, stdout);
            return 0;
        } else if (strcmp(arg, "--mock") == 0) {
            o->mock = DEFAULT_SCENARIO;
        } else if (strncmp(arg, "--mock=", 7) == 0) {
            o->mock = arg[7] != '\0' ? arg + 7 : DEFAULT_SCENARIO;
        } else if (strcmp(arg, "--no-stream") == 0) {
            o->stream = 0;
        } else if ((text != NULL || number != NULL) && i + 1 == argc) {
            fprintf(stderr, "chat: %s needs a value\n", arg);
            return usage();
        } else if (text != NULL) {
            *text = argv[++i];
        } else if (number != NULL) {
            char *end;
            *number = strtol(argv[++i], &end, 10);
            if (*end != '\0' || end == argv[i] || *number <= 0 || strspn(argv[i], "0123456789") != strlen(argv[i])) {
                fprintf(stderr, "chat: %s wants a positive number, not \"%s\"\n", arg, argv[i]);
                return usage();
            }
        } else if (strncmp(arg, "--", 2) == 0) {
            fprintf(stderr, "chat: unknown option %s\n", arg);
            return usage();
        } else { /* a word of the prompt */
            strcat(strcat(o->prompt, o->prompt[0] != '\0' ? " " : ""), arg);
        }
    }
    if (o->prompt[0] == '\0') {
        strcpy(o->prompt, "Say hello in five words.");
    }
    if (o->model == NULL) {
        o->model = o->mock != NULL ? "mock-model" : "gpt-4o-mini";
    }
    return -1;
}

/* ---- The bundled simulated provider ----------------------------------------------------------- */

struct mock {
    char origin[64]; /* http://127.0.0.1:PORT */
    pid_t pid;       /* 0 when $LLMWIRE_MOCK_ORIGIN was used */
    int stdin_fd;    /* closing it stops `llmwire mock --until-stdin-eof` */
};

/* `llmwire` from $LLMWIRE_BIN, else from the directory the library was loaded from; new string. */
static char *mock_binary(void) {
    const char *from_env = getenv("LLMWIRE_BIN");
    if (from_env != NULL && from_env[0] != '\0') {
        return format("%s", from_env);
    }
    /* ISO C has no cast from a function pointer to `void *`; POSIX guarantees the bytes agree. */
    const char *(*function)(void) = llmwire_version;
    void *address;
    _Static_assert(sizeof address == sizeof function, "POSIX: function and object pointers agree");
    memcpy(&address, &function, sizeof address);
    Dl_info info;
    if (dladdr(address, &info) != 0 && info.dli_fname != NULL && strchr(info.dli_fname, '/')) {
        const char *slash = strrchr(info.dli_fname, '/');
        return format("%.*s/llmwire", (int)(slash - info.dli_fname), info.dli_fname);
    }
    return format("llmwire"); /* from $PATH */
}

/* $LLMWIRE_MOCK_ORIGIN, or `llmwire mock --port 0` started now; 0 on success. */
static int mock_start(struct mock *m) {
    *m = (struct mock){.pid = 0, .stdin_fd = -1};
    const char *origin = getenv("LLMWIRE_MOCK_ORIGIN");
    if (origin != NULL && origin[0] != '\0') {
        snprintf(m->origin, sizeof m->origin, "%s", origin);
        return 0;
    }
    char *binary = mock_binary();
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) {
        free(binary);
        return -1;
    }
    m->pid = fork();
    if (m->pid == 0) {
        dup2(to_child[0], STDIN_FILENO);
        dup2(from_child[1], STDOUT_FILENO);
        close(to_child[1]);
        close(from_child[0]);
        execl(binary, binary, "mock", "--port", "0", "--until-stdin-eof", (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    m->stdin_fd = to_child[1];
    char line[256] = {0};
    size_t length = 0;
    while (length + 1 < sizeof line && read(from_child[0], line + length, 1) == 1 && line[length] != '\n') {
        length++;
    }
    close(from_child[0]);
    const char *port = strstr(line, "(port ");
    if (m->pid < 0 || port == NULL) {
        fprintf(stderr, "chat: could not start %s mock\n", binary);
        free(binary);
        return -1;
    }
    free(binary);
    snprintf(m->origin, sizeof m->origin, "http://127.0.0.1:%ld", strtol(port + 6, NULL, 10));
    return 0;
}

static void mock_stop(struct mock *m) {
    if (m->pid > 0) {
        close(m->stdin_fd);
        waitpid(m->pid, NULL, 0);
        m->pid = 0;
    }
}

/* ---- The call --------------------------------------------------------------------------------- */

/* Reports retries as they happen (on stderr), and counts attempts. Runs on the calling thread. */
static void on_event(const char *event, void *user_data) {
    int *attempts = user_data;
    ++*attempts;
    char *decision = json_field(event, "decision");
    if (decision != NULL && strcmp(decision, "retry") == 0) {
        char *class_name = json_field(event, "class"), *http_status = json_field(event, "http_status"),
             *delay_ms = json_field(event, "delay_ms"), *delay_source = json_field(event, "delay_source");
        fflush(stdout); /* the answer's text first, when both go to one terminal or file */
        fprintf(stderr, "[llmwire] attempt %d failed (%s, HTTP %s); retrying in %s ms (%s)\n", *attempts,
                class_name ? class_name : "?", http_status ? http_status : "-", delay_ms ? delay_ms : "?",
                delay_source ? delay_source : "?");
        free(class_name);
        free(http_status);
        free(delay_ms);
        free(delay_source);
    }
    free(decision);
}

/* Prints each token as it arrives. `printed` notes that the line has begun. */
static int32_t print_token(const char *chunk, void *printed) {
    char *text = json_field(strstr(chunk, "\"delta\""), "content");
    if (text != NULL && text[0] != '\0') {
        fputs(text, stdout);
        fflush(stdout);
        *(int *)printed = 1;
    }
    free(text);
    return 0; /* non-zero would stop the stream */
}

/* Ctrl-C cancels the call. llmwire_cancel_trigger is not async-signal-safe, so instead of a signal
 * handler, SIGINT is blocked in every thread and this one waits for it. */
static void *cancel_on_sigint(void *cancel) {
    sigset_t sigint;
    sigemptyset(&sigint);
    sigaddset(&sigint, SIGINT);
    int signal_number;
    if (sigwait(&sigint, &signal_number) == 0) {
        llmwire_cancel_trigger(cancel);
        pthread_sigmask(SIG_UNBLOCK, &sigint, NULL); /* a second Ctrl-C ends the process */
        for (;;) {
            pause();
        }
    }
    return NULL;
}

/* What the person at the terminal can do about a failure, by class (the same table in all three). */
static const char *advice(const char *class_name) {
    static const char *const table[][2] = {
        {"authentication", "check the API key (the provider's variable, or --api-key-env)"},
        {"rate_limited", "still rate limited after every attempt: try again later"},
        {"quota_exhausted", "the quota or billing limit is used up; retrying will not help"},
        {"context_length_exceeded", "the prompt is too long for this model"},
        {"request_too_large", "the request is over the provider's size limit: shorten it"},
        {"validation_failed", "the request was not sent: fix what the summary names"},
        {"network", "no answer from the provider: is the base URL reachable?"},
        {"timeout", "no answer from the provider: is the base URL reachable?"},
        {"overloaded", "the provider is struggling: try again in a while"},
        {"server_error", "the provider is struggling: try again in a while"},
        {"not_found", "check the model name and that this key may use it"},
        {"permission_denied", "check the model name and that this key may use it"},
        {"content_filtered", "the provider refused the content"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i][0], class_name) == 0) {
            return table[i][1];
        }
    }
    return NULL; /* the summary says it all */
}

/* The error's class, summary and advice, on stderr. */
static void report_error(const llmwire_error *err) {
    fflush(stdout);
    const char *cls = llmwire_error_class(err);
    const char *summary = llmwire_error_summary(err);
    /* A local error's summary starts with its class already: say it once. */
    size_t cls_len = strlen(cls);
    if (strncmp(summary, cls, cls_len) == 0 && strncmp(summary + cls_len, ": ", 2) == 0) {
        summary += cls_len + 2;
    }
    fprintf(stderr, "[llmwire] error [%s]: %s\n", cls, summary);
    const char *what_to_do = advice(llmwire_error_class(err));
    if (what_to_do != NULL) {
        fprintf(stderr, "[llmwire] %s", what_to_do);
        if (llmwire_error_retry_after_ms(err) >= 0) {
            fprintf(stderr, " (the server asked for %.1f s)", (double)llmwire_error_retry_after_ms(err) / 1000);
        }
        fputc('\n', stderr);
    }
}

/* A stream asks for the token counts at its end. */
#define STREAM_USAGE(stream) ((stream) ? ",\"stream_options\":{\"include_usage\":true}" : "")

int main(int argc, char **argv) {
    if (llmwire_abi_version() != LLMWIRE_ABI_VERSION) {
        fprintf(stderr, "chat: libllmwire %s speaks another C ABI than this program's header\n", llmwire_version());
        return 1;
    }
    struct options o;
    int stop = parse_options(argc, argv, &o);
    if (stop >= 0) {
        free(o.prompt);
        return stop;
    }

    struct mock mock = {.pid = 0, .stdin_fd = -1};
    if (o.mock != NULL && mock_start(&mock) != 0) {
        free(o.prompt);
        return 2;
    }

    /* SIGINT is blocked before any thread starts, so that every thread inherits the mask. */
    sigset_t sigint;
    sigemptyset(&sigint);
    sigaddset(&sigint, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigint, NULL);

    char *config = format("{\"retry\":{\"max_attempts\":%ld},\"timeouts\":{\"deadline_ms\":%ld}}", o.max_attempts,
                          o.timeout_ms);
    config = with_string(config, "model", o.model);
    config = with_string(config, "provider", o.provider);
    config = with_string(config, "api_key_env", o.api_key_env); /* the key is read from it, once, now */
    if (o.mock != NULL) {
        char *base_url = format("%s/s/%s/chat-%ld/v1", mock.origin, o.mock, (long)getpid());
        config = with_string(config, "base_url", base_url);
        config = with_string(config, "api_key", "sk-mock");
        free(base_url);
    } else {
        config = with_string(config, "base_url", o.base_url);
    }
    llmwire_client *client = NULL;
    llmwire_error *err = NULL;
    llmwire_status status = llmwire_client_new(config, &client, &err);
    free(config);
    if (status != LLMWIRE_STATUS_OK) {
        report_error(err);
        llmwire_error_free(err);
        free(o.prompt);
        mock_stop(&mock);
        return 2;
    }
    int attempts = 0; /* outlives the client, which holds a pointer to it */
    llmwire_client_set_event_callback(client, on_event, &attempts, NULL);

    char *user = json_quote(o.prompt), *system = o.system != NULL ? json_quote(o.system) : NULL;
    char *request =
        system != NULL
            ? format("{\"messages\":[{\"role\":\"system\",\"content\":%s},{\"role\":\"user\",\"content\":%s}]%s}",
                     system, user, STREAM_USAGE(o.stream))
            : format("{\"messages\":[{\"role\":\"user\",\"content\":%s}]%s}", user, STREAM_USAGE(o.stream));
    free(user);
    free(system);
    free(o.prompt);

    llmwire_cancel *cancel = must(llmwire_cancel_new());
    pthread_t watcher;
    int watching = pthread_create(&watcher, NULL, cancel_on_sigint, cancel) == 0;

    char *response = NULL;
    int printed = 0;
    if (o.stream) {
        status = llmwire_chat_stream(client, request, cancel, print_token, &printed, &response, &err);
    } else {
        status = llmwire_chat(client, request, cancel, &response, &err);
    }
    free(request);
    if (watching) { /* the watcher must be gone before the handle it triggers is freed */
        pthread_cancel(watcher); /* sigwait and pause are cancellation points */
        pthread_join(watcher, NULL);
    }
    llmwire_cancel_free(cancel);

    int exit_status = 0;
    if (status == LLMWIRE_STATUS_OK) {
        if (!o.stream) {
            char *content = json_field(strstr(response, "\"message\""), "content");
            fputs(content != NULL ? content : "", stdout);
            free(content);
        }
        putchar('\n');
        fflush(stdout); /* before stderr's report, when both go to one terminal or file */
        char *prompt_tokens = json_field(response, "prompt_tokens");
        char *completion_tokens = json_field(response, "completion_tokens");
        fprintf(stderr, "[llmwire] done in %d attempt(s)", attempts);
        if (prompt_tokens != NULL && completion_tokens != NULL) {
            fprintf(stderr, "; %s prompt + %s completion tokens", prompt_tokens, completion_tokens);
        }
        fputc('\n', stderr);
        free(prompt_tokens);
        free(completion_tokens);
        llmwire_string_free(response);
    } else if (status == LLMWIRE_STATUS_CANCELLED) {
        if (printed) {
            putchar('\n');
        }
        fflush(stdout);
        fputs("[llmwire] interrupted\n", stderr);
        exit_status = 130;
        llmwire_error_free(err);
    } else {
        if (printed) {
            putchar('\n'); /* a failure starts on a line of its own */
        }
        report_error(err);
        exit_status = 1;
        llmwire_error_free(err);
    }
    llmwire_client_free(client);
    mock_stop(&mock);
    return exit_status;
}
