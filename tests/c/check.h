/* The C tests' assertion helper and a few shared utilities.
 *
 * A failed CHECK* prints `file:line: FAILED ...` and the program goes on, so one bug does not
 * hide the next; a failed REQUIRE (a precondition the rest depends on) prints the same and
 * exits at once. `check_done()` prints the summary line CI reads, `N passed, M failed`, and
 * returns the exit status for `main` (non-zero when anything failed). Safe to use from
 * several threads. */

#ifndef LK_TESTS_CHECK_H
#define LK_TESTS_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "licensekit.h"

#ifdef __cplusplus
extern "C" {
#endif

void check_pass(void);
/* Records a failure; `fatal` also prints the summary and exits with status 1. */
void check_fail(int fatal, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
int check_done(void);

/* Set by the test to say what is being checked; printed with a failure. */
void check_context(const char *what);

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            check_pass();                                                    \
        } else {                                                             \
            check_fail(0, __FILE__, __LINE__, "CHECK(%s)", #cond);              \
        }                                                                    \
    } while (0)

/* A precondition: the program cannot go on without it. */
#define REQUIRE(cond)                                                        \
    do {                                                                     \
        if (cond) {                                                          \
            check_pass();                                                    \
        } else {                                                             \
            check_fail(1, __FILE__, __LINE__, "REQUIRE(%s)", #cond);         \
        }                                                                    \
    } while (0)

#define CHECK_MSG(cond, ...)                                                 \
    do {                                                                     \
        if (cond) {                                                          \
            check_pass();                                                    \
        } else {                                                             \
            check_fail(0, __FILE__, __LINE__, __VA_ARGS__);                     \
        }                                                                    \
    } while (0)

/* Compares two statuses and prints both names on failure. */
#define CHECK_STATUS(expr, expected)                                         \
    do {                                                                     \
        uint32_t check_got_ = (uint32_t)(expr);                              \
        uint32_t check_want_ = (uint32_t)(expected);                         \
        if (check_got_ == check_want_) {                                     \
            check_pass();                                                    \
        } else {                                                             \
            check_fail(0, __FILE__, __LINE__, "%s returned %s (%u), expected %s (%u)", #expr, \
                       lk_status_name(check_got_), (unsigned)check_got_,     \
                       lk_status_name(check_want_), (unsigned)check_want_);  \
        }                                                                    \
    } while (0)

#define CHECK_STR_EQ(got, want)                                              \
    do {                                                                     \
        const char *check_g_ = (got);                                        \
        const char *check_w_ = (want);                                       \
        if (check_g_ != NULL && check_w_ != NULL && strcmp(check_g_, check_w_) == 0) { \
            check_pass();                                                    \
        } else {                                                             \
            check_fail(0, __FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #got, \
                       check_g_ ? check_g_ : "(null)", check_w_ ? check_w_ : "(null)"); \
        }                                                                    \
    } while (0)

/* Checks that lk_last_error_message on this thread is exactly `want`. */
#define CHECK_LAST_ERROR(want) check_last_error(__FILE__, __LINE__, (want))
/* Checks that the last error is `lk_status_message(status)` followed by ": detail". */
#define CHECK_LAST_ERROR_IS(status, detail) \
    check_last_error_is(__FILE__, __LINE__, (uint32_t)(status), (detail))

void check_last_error(const char *file, int line, const char *want);
void check_last_error_is(const char *file, int line, uint32_t status, const char *detail);

/* The thread's last error message, copied into `buf` (truncated to `len`). */
void last_error(char *buf, size_t len);

/* ---- Utilities ---------------------------------------------------------------------- */

/* A fresh private directory under $TMPDIR (or /tmp); exits on failure. Returns malloc'd. */
char *make_temp_dir(const char *tag);
/* Removes a directory tree (files and directories only). Returns 0 on success. */
int remove_tree(const char *path);
/* malloc'd "a/b". */
char *path_join(const char *a, const char *b);
/* Reads a whole file into a malloc'd buffer; *len receives its length. NULL if unreadable. */
unsigned char *read_file(const char *path, size_t *len);
/* Writes `len` bytes to `path` (created/truncated). Returns 0 on success. */
int write_file(const char *path, const void *data, size_t len);
int file_exists(const char *path);

/* True when `id` is exactly 20 characters of [A-Za-z0-9+/]. */
int is_computer_id(const char *id);

/* The buffer convention every string-out function follows (`buf`, `buf_len`, `needed`).
 * An adapter calls the function under test with the given buffer arguments. */
typedef lk_status (*string_out_fn)(void *ctx, char *buf, size_t buf_len, size_t *needed);

/* Checks the whole convention on `fn`: size query with NULL/0 (with and without `needed`),
 * zero-length and too-small buffers (status, `*needed`, buffer untouched), the exact size
 * (succeeds, nothing written past it), a larger buffer, NULL with a non-zero length.
 * `records_error` says whether a failure sets the thread's last error (every function but
 * lk_last_error_message). Copies the value into `out` (of `out_len` bytes, which must be
 * enough) and returns its size including the NUL. */
size_t check_string_out(const char *what, string_out_fn fn, void *ctx, int records_error,
                        char *out, size_t out_len);

/* ---- A small strict JSON reader for the system details ------------------------------ */

enum json_type { JSON_NONE, JSON_STRING, JSON_NUMBER, JSON_BOOL, JSON_NULL, JSON_OBJECT, JSON_ARRAY };

/* Validates that `text` is exactly one JSON object (RFC 8259, strict) and returns 1 if so. */
int json_is_object(const char *text);
/* The type of top-level member `key` of the object `text`, JSON_NONE when absent; the number
 * of times it occurs goes to *count. When it is a string without escapes, or a number, its raw
 * text is copied into `value` (of `value_len` bytes). */
enum json_type json_member(const char *text, const char *key, int *count, char *value,
                           size_t value_len);

#ifdef __cplusplus
}
#endif

#endif /* LK_TESTS_CHECK_H */
