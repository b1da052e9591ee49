/* Library-level functions: lk_version, lk_status_name, lk_status_message,
 * lk_last_error_message. */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "licensekit.h"

static void test_version(void) {
    const char *v = lk_version();
    char macro_version[64];
    CHECK(v != NULL);
    CHECK_STR_EQ(v, LK_VERSION);
    CHECK(lk_version() == v); /* a static string */
    snprintf(macro_version, sizeof macro_version, "%d.%d.%d", LK_VERSION_MAJOR, LK_VERSION_MINOR,
             LK_VERSION_PATCH);
    CHECK_STR_EQ(LK_VERSION, macro_version);
}

struct known_status {
    uint32_t value;
    const char *name;
};

#define KNOWN(x) {(uint32_t)(x), #x}

/* Every constant of the header, so a constant whose name or number drifts is caught. */
static const struct known_status known[] = {
    KNOWN(LK_OK),
    KNOWN(LK_NULL_POINTER),
    KNOWN(LK_INVALID_UTF8),
    KNOWN(LK_BUFFER_TOO_SMALL),
    KNOWN(LK_INVALID_ARGUMENT),
    KNOWN(LK_INTERNAL),
    KNOWN(LK_NO_PUBLIC_KEY),
    KNOWN(LK_INVALID_PUBLIC_KEY),
    KNOWN(LK_INVALID_PRODUCT_ID),
    KNOWN(LK_NOT_ACTIVATED),
    KNOWN(LK_EXPIRED),
    KNOWN(LK_LEASE_EXPIRED),
    KNOWN(LK_DISABLED),
    KNOWN(LK_DEACTIVATED),
    KNOWN(LK_WRONG_MACHINE),
    KNOWN(LK_CLOCK_TAMPERED),
    KNOWN(LK_VM_NOT_ALLOWED),
    KNOWN(LK_TRIAL_EXPIRED),
    KNOWN(LK_FEATURE_NOT_ENABLED),
    KNOWN(LK_ACTIVATION_LIMIT),
    KNOWN(LK_INVALID_LICENSE_CODE),
    KNOWN(LK_TRIAL_UNAVAILABLE),
    KNOWN(LK_NO_LICENSE),
    KNOWN(LK_SEATS_EXHAUSTED),
    KNOWN(LK_POOL_EXHAUSTED),
    KNOWN(LK_TOKENS_EXHAUSTED),
    KNOWN(LK_CONCURRENCY_LIMIT),
    KNOWN(LK_SEAT_LOST),
    KNOWN(LK_LONG_TERM_CHECKOUT_REFUSED),
    KNOWN(LK_MALFORMED_ENVELOPE),
    KNOWN(LK_ENVELOPE_TOO_LARGE),
    KNOWN(LK_UNSUPPORTED_VERSION),
    KNOWN(LK_UNKNOWN_KEY),
    KNOWN(LK_BAD_SIGNATURE),
    KNOWN(LK_WRONG_KIND),
    KNOWN(LK_MALFORMED_PAYLOAD),
    KNOWN(LK_STALE_LEASE),
    KNOWN(LK_FUTURE_LEASE),
    KNOWN(LK_MISMATCHED_LEASE),
    KNOWN(LK_WRONG_PRODUCT),
    KNOWN(LK_WRONG_REQUEST),
    KNOWN(LK_STORE_IO),
    KNOWN(LK_STORE_CORRUPT),
    KNOWN(LK_STORE_TRUNCATED),
    KNOWN(LK_STORE_VERSION),
    KNOWN(LK_MACHINE_ID_UNAVAILABLE),
    KNOWN(LK_NO_SERVER),
    KNOWN(LK_NETWORK),
    KNOWN(LK_TIMEOUT),
    KNOWN(LK_SERVER_ERROR),
    KNOWN(LK_BAD_RESPONSE),
    KNOWN(LK_SERVER_REFUSED),
    KNOWN(LK_FEATURE_UNKNOWN),
    KNOWN(LK_NO_SEAT),
    KNOWN(LK_CLONE_DETECTED),
    KNOWN(LK_SEAT_TAKEN),
    KNOWN(LK_STORE_ROLLED_BACK),
    KNOWN(LK_CLOCK_SKEW),
    KNOWN(LK_NETWORK_LICENSE_ONLY),
    KNOWN(LK_NOT_NETWORK_LICENSE),
    KNOWN(LK_INVALID_CREDENTIALS),
    KNOWN(LK_USER_LOCKED),
    KNOWN(LK_USER_NOT_LICENSED),
    KNOWN(LK_JOURNAL_REFUSED),
    KNOWN(LK_NO_LAN_SERVER),
    KNOWN(LK_LAN_UNREACHABLE),
    KNOWN(LK_NETWORK_SEATS_EXHAUSTED),
    KNOWN(LK_DAEMON_NOT_CERTIFIED),
};

static void test_status_names(void) {
    size_t i, j, count = sizeof known / sizeof known[0];
    /* Frozen numbers (they are in shipped headers). */
    CHECK(LK_OK == 0);
    CHECK(LK_NULL_POINTER == 1);
    CHECK(LK_INTERNAL == 5);
    CHECK(LK_NOT_ACTIVATED == 100);
    CHECK(LK_BAD_SIGNATURE == 204);
    CHECK(LK_STORE_CORRUPT == 301);
    CHECK(LK_MACHINE_ID_UNAVAILABLE == 500);
    CHECK(sizeof(lk_status) == 4);

    for (i = 0; i < count; i++) {
        const char *name = lk_status_name(known[i].value);
        const char *message = lk_status_message(known[i].value);
        check_context(known[i].name);
        REQUIRE(name != NULL && message != NULL);
        CHECK_STR_EQ(name, known[i].name);
        CHECK(strncmp(name, "LK_", 3) == 0);
        CHECK(lk_status_name(known[i].value) == name); /* static */
        CHECK(message[0] != '\0');
        CHECK(strcmp(message, "unknown status") != 0);
        CHECK(strcmp(message, name) != 0);
        for (j = 0; j < i; j++) {
            CHECK_MSG(known[j].value != known[i].value, "%s and %s share a number",
                      known[j].name, known[i].name);
            CHECK_MSG(strcmp(lk_status_message(known[j].value), message) != 0,
                      "%s and %s share the message \"%s\"", known[j].name, known[i].name,
                      message);
        }
    }
    check_context(NULL);
}

static void test_unknown_statuses(void) {
    /* Gaps between the groups, just past each group, values that would alias a known
     * one if truncated to 8 or 16 bits, and the extremes. */
    static const uint32_t unknown[] = {
        9u,    10u,   99u,   130u,       199u,        212u,        299u,
        305u,  399u,  499u,  501u,       599u,        607u,        699u,
        704u,  799u,  1000u, 256u + 100u,
        257u,  65536u, 65537u, 65536u + 301u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu,
    };
    size_t i;
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK_MSG(strcmp(lk_status_name(unknown[i]), "LK_UNKNOWN_STATUS") == 0,
                  "lk_status_name(%u) is \"%s\"", (unsigned)unknown[i],
                  lk_status_name(unknown[i]));
        CHECK_MSG(strcmp(lk_status_message(unknown[i]), "unknown status") == 0,
                  "lk_status_message(%u) is \"%s\"", (unsigned)unknown[i],
                  lk_status_message(unknown[i]));
    }
}

/* Runs on a fresh thread: nothing has failed there yet. */
static void *fresh_thread(void *arg) {
    char buf[8];
    size_t needed = 12345;
    (void)arg;
    memset(buf, 'x', sizeof buf);
    CHECK_STATUS(lk_last_error_message(NULL, 0, &needed), LK_BUFFER_TOO_SMALL);
    CHECK(needed == 1);
    needed = 12345;
    CHECK_STATUS(lk_last_error_message(buf, 1, &needed), LK_OK);
    CHECK(needed == 1);
    CHECK(buf[0] == '\0' && buf[1] == 'x');
    /* A failure here is this thread's own. */
    CHECK_STATUS(lk_config_new(NULL, NULL), LK_NULL_POINTER);
    CHECK_LAST_ERROR_IS(LK_NULL_POINTER, "out");
    return NULL;
}

static lk_status last_error_adapter(void *ctx, char *buf, size_t buf_len, size_t *needed) {
    (void)ctx;
    return lk_last_error_message(buf, buf_len, needed);
}

static void test_last_error(void) {
    lk_config *cfg = NULL;
    pthread_t thread;
    char out[256];
    size_t n;
    const char *expected = "a required pointer argument was NULL: product_id";

    /* Nothing failed yet on this thread. */
    {
        char buf[4] = "abc";
        size_t needed = 0;
        CHECK_STATUS(lk_last_error_message(buf, sizeof buf, &needed), LK_OK);
        CHECK(buf[0] == '\0');
        CHECK(needed == 1);
    }

    /* The example of the header, exactly. */
    CHECK_STATUS(lk_config_new(NULL, &cfg), LK_NULL_POINTER);
    CHECK(cfg == NULL);
    CHECK_LAST_ERROR(expected);

    /* The buffer convention on lk_last_error_message itself; querying never changes it. */
    n = check_string_out("lk_last_error_message", last_error_adapter, NULL, 0, out, sizeof out);
    CHECK(n == strlen(expected) + 1);
    CHECK_STR_EQ(out, expected);
    CHECK_LAST_ERROR(expected);

    /* A later success does not erase the last failure ("the last failed call"). */
    CHECK_STR_EQ(lk_version(), LK_VERSION);
    CHECK_STATUS(lk_config_new("lk-c-lib", &cfg), LK_OK);
    CHECK(cfg != NULL);
    CHECK_LAST_ERROR(expected);

    /* A new failure replaces it, with its own detail. */
    CHECK_STATUS(lk_config_add_public_key(cfg, "not hex"), LK_INVALID_PUBLIC_KEY);
    CHECK_LAST_ERROR_IS(LK_INVALID_PUBLIC_KEY, "public_key_hex");
    CHECK_STATUS(lk_config_add_public_key(NULL, "00"), LK_NULL_POINTER);
    CHECK_LAST_ERROR("a required pointer argument was NULL: cfg");
    lk_config_free(cfg);

    /* Thread-local: another thread starts empty, and its failure does not leak here. */
    CHECK(pthread_create(&thread, NULL, fresh_thread, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK_LAST_ERROR("a required pointer argument was NULL: cfg");

    /* NULL `needed` with a good buffer, and NULL with a length. */
    CHECK_STATUS(lk_last_error_message(out, sizeof out, NULL), LK_OK);
    CHECK_STR_EQ(out, "a required pointer argument was NULL: cfg");
    CHECK_STATUS(lk_last_error_message(NULL, 10, NULL), LK_NULL_POINTER);
    CHECK_LAST_ERROR("a required pointer argument was NULL: cfg");
}

int main(void) {
    test_version();
    test_status_names();
    test_unknown_statuses();
    test_last_error();
    return check_done();
}
