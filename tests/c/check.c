/* The C tests' assertion helper and shared utilities (see check.h). */

#define _POSIX_C_SOURCE 200809L

#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long check_passed;
static unsigned long check_failed;
static const char *check_what = "";

void check_pass(void) {
    pthread_mutex_lock(&check_lock);
    check_passed++;
    pthread_mutex_unlock(&check_lock);
}

void check_context(const char *what) {
    pthread_mutex_lock(&check_lock);
    check_what = what ? what : "";
    pthread_mutex_unlock(&check_lock);
}

void check_fail(int fatal, const char *file, int line, const char *fmt, ...) {
    va_list args;
    pthread_mutex_lock(&check_lock);
    check_failed++;
    fflush(stdout);
    fprintf(stderr, "%s:%d: FAILED", file, line);
    if (check_what[0] != '\0') {
        fprintf(stderr, " [%s]", check_what);
    }
    fprintf(stderr, ": ");
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\n");
    fflush(stderr);
    if (fatal) {
        printf("%lu passed, %lu failed\n", check_passed, check_failed);
        fflush(stdout);
        /* The lock stays held: other threads stop at their next check. */
        _exit(1);
    }
    pthread_mutex_unlock(&check_lock);
}

int check_done(void) {
    int status;
    pthread_mutex_lock(&check_lock);
    printf("%lu passed, %lu failed\n", check_passed, check_failed);
    status = check_failed == 0 ? 0 : 1;
    pthread_mutex_unlock(&check_lock);
    fflush(stdout);
    return status;
}

void last_error(char *buf, size_t len) {
    size_t needed = 0;
    lk_status st = lk_last_error_message(buf, len, &needed);
    if (st != LK_OK) {
        check_fail(0, __FILE__, __LINE__, "lk_last_error_message into %zu bytes: %s (needed %zu)",
                   len, lk_status_name(st), needed);
        if (len > 0) {
            buf[0] = '\0';
        }
    }
}

void check_last_error(const char *file, int line, const char *want) {
    char got[1024];
    last_error(got, sizeof got);
    if (strcmp(got, want) == 0) {
        check_pass();
    } else {
        check_fail(0, file, line, "last error is \"%s\", expected \"%s\"", got, want);
    }
}

void check_last_error_is(const char *file, int line, uint32_t status, const char *detail) {
    char want[1024];
    const char *message = lk_status_message(status);
    if (detail != NULL) {
        snprintf(want, sizeof want, "%s: %s", message, detail);
        check_last_error(file, line, want);
    } else {
        /* Only the status part is specified: the message must start with it. */
        char got[1024];
        last_error(got, sizeof got);
        if (strncmp(got, message, strlen(message)) == 0) {
            check_pass();
        } else {
            check_fail(0, file, line, "last error is \"%s\", expected it to start with \"%s\"",
                       got, message);
        }
    }
}

/* ---- Utilities ---------------------------------------------------------------------- */

char *path_join(const char *a, const char *b) {
    size_t n = strlen(a) + 1 + strlen(b) + 1;
    char *p = malloc(n);
    if (p == NULL) {
        check_fail(1, __FILE__, __LINE__, "out of memory");
    }
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

char *make_temp_dir(const char *tag) {
    const char *base = getenv("TMPDIR");
    char *templ;
    size_t n;
    if (base == NULL || base[0] == '\0') {
        base = "/tmp";
    }
    n = strlen(base) + strlen(tag) + 32;
    templ = malloc(n);
    if (templ == NULL) {
        check_fail(1, __FILE__, __LINE__, "out of memory");
    }
    snprintf(templ, n, "%s/lk-c-%s-XXXXXX", base, tag);
    if (mkdtemp(templ) == NULL) {
        check_fail(1, __FILE__, __LINE__, "mkdtemp(%s): %s", templ, strerror(errno));
    }
    return templ;
}

int remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *dir = opendir(path);
        struct dirent *entry;
        int result = 0;
        if (dir == NULL) {
            return -1;
        }
        while ((entry = readdir(dir)) != NULL) {
            char *child;
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
                continue;
            }
            child = path_join(path, entry->d_name);
            if (remove_tree(child) != 0) {
                result = -1;
            }
            free(child);
        }
        closedir(dir);
        return rmdir(path) == 0 ? result : -1;
    }
    return unlink(path);
}

unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t cap = 0, used = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        size_t got;
        if (used == cap) {
            unsigned char *bigger;
            cap = cap ? cap * 2 : 4096;
            bigger = realloc(data, cap);
            if (bigger == NULL) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = bigger;
        }
        got = fread(data + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = used;
    return data;
}

int write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    int ok;
    if (f == NULL) {
        return -1;
    }
    ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

int is_computer_id(const char *id) {
    size_t i;
    if (strlen(id) != 20) {
        return 0;
    }
    for (i = 0; i < 20; i++) {
        char c = id[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/';
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

/* ---- The string-out convention ------------------------------------------------------ */

#define SENTINEL ((unsigned char)0x5A)
#define GUARD 16
#define NEEDED_UNSET ((size_t)0xDEADBEEF)

static int all_sentinel(const char *buf, size_t from, size_t to) {
    size_t i;
    for (i = from; i < to; i++) {
        if ((unsigned char)buf[i] != SENTINEL) {
            return 0;
        }
    }
    return 1;
}

size_t check_string_out(const char *what, string_out_fn fn, void *ctx, int records_error,
                        char *out, size_t out_len) {
    size_t n = NEEDED_UNSET, needed;
    char *buf;
    lk_status st;

    check_context(what);

    /* The size query. */
    st = fn(ctx, NULL, 0, &n);
    CHECK_STATUS(st, LK_BUFFER_TOO_SMALL);
    CHECK_MSG(n != NEEDED_UNSET && n >= 1 && n < ((size_t)1 << 20),
              "%s: size query gave needed = %zu", what, n);
    if (records_error) {
        CHECK_LAST_ERROR_IS(LK_BUFFER_TOO_SMALL, "buf_len");
    }
    /* The size query without `needed`. */
    CHECK_STATUS(fn(ctx, NULL, 0, NULL), LK_BUFFER_TOO_SMALL);

    if (n == NEEDED_UNSET || n >= ((size_t)1 << 20)) {
        check_context(NULL);
        return 0; /* nothing sensible to go on with */
    }
    buf = malloc(n + GUARD);
    REQUIRE(buf != NULL);

    /* A real buffer of length 0: nothing may be written. */
    memset(buf, SENTINEL, n + GUARD);
    needed = NEEDED_UNSET;
    CHECK_STATUS(fn(ctx, buf, 0, &needed), LK_BUFFER_TOO_SMALL);
    CHECK_MSG(needed == n, "%s: needed %zu with a 0-byte buffer, %zu from the size query", what,
              needed, n);
    CHECK_MSG(all_sentinel(buf, 0, n + GUARD), "%s: a 0-byte buffer was written to", what);

    /* One byte short (the NUL would not fit), and a single byte. */
    if (n > 1) {
        needed = NEEDED_UNSET;
        CHECK_STATUS(fn(ctx, buf, n - 1, &needed), LK_BUFFER_TOO_SMALL);
        CHECK_MSG(needed == n, "%s: needed %zu with %zu bytes, expected %zu", what, needed,
                  n - 1, n);
        CHECK_MSG(all_sentinel(buf, 0, n + GUARD),
                  "%s: a too-small buffer (%zu of %zu bytes) was written to", what, n - 1, n);
        if (records_error) {
            CHECK_LAST_ERROR_IS(LK_BUFFER_TOO_SMALL, "buf_len");
        }
        needed = NEEDED_UNSET;
        CHECK_STATUS(fn(ctx, buf, 1, &needed), LK_BUFFER_TOO_SMALL);
        CHECK(needed == n);
        CHECK_MSG(all_sentinel(buf, 0, n + GUARD), "%s: a 1-byte buffer was written to", what);
        /* Too small and no `needed`: still refused, still untouched. */
        CHECK_STATUS(fn(ctx, buf, n - 1, NULL), LK_BUFFER_TOO_SMALL);
        CHECK(all_sentinel(buf, 0, n + GUARD));
    }

    /* NULL with a non-zero length is a NULL pointer, not a size query: refused before any
     * write, *needed included (it is written only on success and LK_BUFFER_TOO_SMALL). */
    CHECK_STATUS(fn(ctx, NULL, n, NULL), LK_NULL_POINTER);
    if (records_error) {
        CHECK_LAST_ERROR_IS(LK_NULL_POINTER, "buf");
    }
    needed = NEEDED_UNSET;
    CHECK_STATUS(fn(ctx, NULL, n, &needed), LK_NULL_POINTER);
    CHECK_MSG(needed == NEEDED_UNSET,
              "%s: *needed was written (%zu) on LK_NULL_POINTER (buf NULL, buf_len %zu)", what,
              needed, n);

    /* Exactly the size needed: succeeds, NUL-terminated, nothing written past it. */
    memset(buf, SENTINEL, n + GUARD);
    needed = NEEDED_UNSET;
    st = fn(ctx, buf, n, &needed);
    CHECK_STATUS(st, LK_OK);
    if (st != LK_OK) {
        buf[0] = '\0';
    }
    CHECK_MSG(needed == n, "%s: needed %zu on success, expected %zu", what, needed, n);
    CHECK_MSG(memchr(buf, '\0', n) == buf + n - 1,
              "%s: the value is not exactly %zu bytes plus a NUL", what, n - 1);
    CHECK_MSG(all_sentinel(buf, n, n + GUARD), "%s: bytes written past buf_len", what);

    /* A larger buffer and no `needed`: the same value. */
    REQUIRE(out_len >= n);
    memset(out, SENTINEL, out_len);
    st = fn(ctx, out, out_len, NULL);
    CHECK_STATUS(st, LK_OK);
    if (st != LK_OK) {
        out[0] = '\0';
    }
    CHECK_MSG(strcmp(out, buf) == 0, "%s: \"%s\" with a larger buffer, \"%s\" with the exact size",
              what, out, buf);

    free(buf);
    check_context(NULL);
    return n;
}

/* ---- A small strict JSON reader ----------------------------------------------------- */

static const char *json_ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

static int is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the well-formed UTF-8 sequence at p, 0 if ill-formed. */
static size_t utf8_len(const unsigned char *p) {
    if (p[0] < 0x80) {
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    }
    if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        unsigned char lo = p[0] == 0xE0 ? 0xA0 : 0x80, hi = p[0] == 0xED ? 0x9F : 0xBF;
        return (p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80) ? 3 : 0;
    }
    if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        unsigned char lo = p[0] == 0xF0 ? 0x90 : 0x80, hi = p[0] == 0xF4 ? 0x8F : 0xBF;
        return (p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) ? 4
                                                                                             : 0;
    }
    return 0;
}

/* Parses a string starting at '"'; returns the position after it, NULL if malformed.
 * *escaped is set when it holds escapes. */
static const char *json_string(const char *p, int *escaped) {
    if (*p != '"') {
        return NULL;
    }
    p++;
    *escaped = 0;
    for (;;) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            return p + 1;
        }
        if (c < 0x20) {
            return NULL; /* control characters (and the end of the text) */
        }
        if (c == '\\') {
            *escaped = 1;
            p++;
            if (*p == 'u') {
                if (!is_hex(p[1]) || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4])) {
                    return NULL;
                }
                p += 5;
            } else if (*p != '\0' && strchr("\"\\/bfnrt", *p) != NULL) {
                p++;
            } else {
                return NULL;
            }
        } else {
            size_t n = utf8_len((const unsigned char *)p);
            if (n == 0) {
                return NULL;
            }
            p += n;
        }
    }
}

static const char *json_digits(const char *p) {
    if (*p < '0' || *p > '9') {
        return NULL;
    }
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    return p;
}

static const char *json_number(const char *p) {
    if (*p == '-') {
        p++;
    }
    if (*p == '0') {
        p++;
    } else if ((p = json_digits(p)) == NULL) {
        return NULL;
    }
    if (*p == '.' && (p = json_digits(p + 1)) == NULL) {
        return NULL;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        if ((p = json_digits(p)) == NULL) {
            return NULL;
        }
    }
    return p;
}

static const char *json_value(const char *p, int depth, enum json_type *type);

static const char *json_container(const char *p, int depth, char close, int members) {
    p = json_ws(p + 1);
    if (*p == close) {
        return p + 1;
    }
    for (;;) {
        enum json_type t;
        if (members) {
            int escaped;
            if ((p = json_string(p, &escaped)) == NULL) {
                return NULL;
            }
            p = json_ws(p);
            if (*p != ':') {
                return NULL;
            }
            p = json_ws(p + 1);
        }
        if ((p = json_value(p, depth + 1, &t)) == NULL) {
            return NULL;
        }
        p = json_ws(p);
        if (*p == close) {
            return p + 1;
        }
        if (*p != ',') {
            return NULL;
        }
        p = json_ws(p + 1);
    }
}

static const char *json_value(const char *p, int depth, enum json_type *type) {
    int escaped;
    if (depth > 32) {
        return NULL;
    }
    switch (*p) {
    case '"':
        *type = JSON_STRING;
        return json_string(p, &escaped);
    case '{':
        *type = JSON_OBJECT;
        return json_container(p, depth, '}', 1);
    case '[':
        *type = JSON_ARRAY;
        return json_container(p, depth, ']', 0);
    case 't':
        *type = JSON_BOOL;
        return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        *type = JSON_BOOL;
        return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        *type = JSON_NULL;
        return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        *type = JSON_NUMBER;
        return json_number(p);
    }
}

int json_is_object(const char *text) {
    enum json_type t;
    const char *p = json_ws(text);
    if (*p != '{') {
        return 0;
    }
    p = json_value(p, 0, &t);
    return p != NULL && *json_ws(p) == '\0';
}

enum json_type json_member(const char *text, const char *key, int *count, char *value,
                           size_t value_len) {
    enum json_type found = JSON_NONE;
    const char *p;
    size_t key_len = strlen(key);
    *count = 0;
    if (value_len > 0) {
        value[0] = '\0';
    }
    if (!json_is_object(text)) {
        return JSON_NONE;
    }
    p = json_ws(json_ws(text) + 1);
    while (*p == '"') {
        int escaped;
        const char *key_start = p + 1, *key_end, *value_start;
        enum json_type t;
        p = json_string(p, &escaped);
        key_end = p - 1;
        p = json_ws(json_ws(p) + 1); /* the ':' */
        value_start = p;
        p = json_value(p, 1, &t);
        if ((size_t)(key_end - key_start) == key_len && strncmp(key_start, key, key_len) == 0) {
            (*count)++;
            found = t;
            if (value_len > 0) {
                const char *from = value_start, *to = p;
                size_t n;
                if (t == JSON_STRING) {
                    from++;
                    to--;
                }
                int value_escaped = 0;
                n = (size_t)(to - from);
                if (t == JSON_STRING) {
                    json_string(value_start, &value_escaped);
                }
                if ((t == JSON_STRING && !value_escaped) || t == JSON_NUMBER) {
                    n = n < value_len - 1 ? n : value_len - 1;
                    memcpy(value, from, n);
                    value[n] = '\0';
                }
            }
        }
        p = json_ws(p);
        if (*p == ',') {
            p = json_ws(p + 1);
        }
    }
    return found;
}
