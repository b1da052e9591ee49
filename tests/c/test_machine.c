/* The computer: lk_computer_id and lk_system_details_json. */

#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "licensekit.h"

#define TRUSTED_KEY "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
#define NEEDED_UNSET ((size_t)0xDEADBEEF)

static lk_status computer_id_adapter(void *ctx, char *buf, size_t buf_len, size_t *needed) {
    return lk_computer_id((const char *)ctx, buf, buf_len, needed);
}

static lk_status details_adapter(void *ctx, char *buf, size_t buf_len, size_t *needed) {
    (void)ctx;
    return lk_system_details_json(buf, buf_len, needed);
}

/* lk_computer_id with a sentinel-filled buffer; on failure checks that neither the buffer
 * nor *needed was touched and that the last error names product_id. */
static void check_bad_product(const char *product_id, uint32_t expected) {
    char buf[32];
    size_t needed = NEEDED_UNSET;
    memset(buf, 'Z', sizeof buf);
    CHECK_STATUS(lk_computer_id(product_id, buf, sizeof buf, &needed), expected);
    CHECK_MSG(needed == NEEDED_UNSET, "needed written (%zu) on a failed lk_computer_id", needed);
    CHECK(buf[0] == 'Z' && buf[sizeof buf - 1] == 'Z');
    CHECK_LAST_ERROR_IS(expected, "product_id");
}

static void computer_id(const char *product_id, char id[21]) {
    size_t needed = NEEDED_UNSET;
    id[0] = '\0';
    CHECK_STATUS(lk_computer_id(product_id, id, 21, &needed), LK_OK);
    CHECK(needed == 21);
    CHECK_MSG(is_computer_id(id), "computer ID \"%s\" for %s", id, product_id);
}

static void client_computer_id(const char *product_id, const char *store_dir, char id[21]) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    id[0] = '\0';
    CHECK_STATUS(lk_config_new(product_id, &cfg), LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, TRUSTED_KEY), LK_OK);
    if (store_dir != NULL) {
        CHECK_STATUS(lk_config_set_store_dir(cfg, store_dir), LK_OK);
    }
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    CHECK_STATUS(lk_client_computer_id(client, id, 21, NULL), LK_OK);
    CHECK(is_computer_id(id));
    lk_client_free(client);
}

static void test_computer_id(const char *xdg) {
    char a[21], b[21], c[21], out[64];
    char *default_store = path_join(xdg, "licensekit");
    char long_id[66];
    size_t n;

    computer_id("6872450105", a);
    /* Where an installation ID anchors the ID, it is kept in the per-user store directory,
     * which is private like every store directory (mode 0700, as lk_client_new creates it). */
    {
        struct stat st;
        if (stat(default_store, &st) == 0) {
            CHECK_MSG((st.st_mode & 0777) == 0700,
                      "lk_computer_id created the per-user store directory %s with mode %o",
                      default_store, (unsigned)(st.st_mode & 0777));
        }
    }
    computer_id("6872450105", b);
    CHECK_STR_EQ(a, b);
    computer_id("6872450106", c);
    CHECK_MSG(strcmp(a, c) != 0, "two products share the computer ID %s", a);
    computer_id("my-app_2", c);
    CHECK(strcmp(a, c) != 0);

    /* The buffer convention; 21 bytes always suffice. */
    n = check_string_out("lk_computer_id", computer_id_adapter, (void *)"6872450105", 1, out,
                         sizeof out);
    CHECK(n == 21);
    CHECK_STR_EQ(out, a);

    /* The anchor: without a store directory of its own, the ID is the one a client sees
     * with the per-user default directory, $XDG_DATA_HOME/licensekit. */
    client_computer_id("6872450105", default_store, b);
    CHECK_STR_EQ(b, a);
    client_computer_id("6872450105", NULL, b);
    CHECK_STR_EQ(b, a);

    /* Product IDs: 1 to 64 characters of [0-9A-Za-z_-]. */
    memset(long_id, 'a', 64);
    long_id[64] = '\0';
    computer_id(long_id, c);
    computer_id("-", c);
    computer_id("Z", c);
    long_id[64] = 'a';
    long_id[65] = '\0';
    check_bad_product(long_id, LK_INVALID_PRODUCT_ID);
    check_bad_product("", LK_INVALID_PRODUCT_ID);
    check_bad_product("a b", LK_INVALID_PRODUCT_ID);
    check_bad_product("x/y", LK_INVALID_PRODUCT_ID);
    check_bad_product("../etc", LK_INVALID_PRODUCT_ID);
    check_bad_product("a.b", LK_INVALID_PRODUCT_ID);
    check_bad_product("6872450105\n", LK_INVALID_PRODUCT_ID);
    check_bad_product("\xc3\xa9", LK_INVALID_PRODUCT_ID); /* "é": UTF-8, but not allowed */
    check_bad_product("\xff\xfe", LK_INVALID_UTF8);
    check_bad_product("abc\x80", LK_INVALID_UTF8);
    check_bad_product("\xc3", LK_INVALID_UTF8);         /* truncated sequence */
    check_bad_product("\xed\xa0\x80", LK_INVALID_UTF8); /* a UTF-16 surrogate */
    check_bad_product("\xc0\xaf", LK_INVALID_UTF8);     /* overlong "/" */
    check_bad_product(NULL, LK_NULL_POINTER);
    CHECK_LAST_ERROR("a required pointer argument was NULL: product_id");

    /* An invalid product ID is reported before anything about the buffer. */
    {
        size_t needed = NEEDED_UNSET;
        CHECK_STATUS(lk_computer_id("", NULL, 0, &needed), LK_INVALID_PRODUCT_ID);
        CHECK(needed == NEEDED_UNSET);
    }
    free(default_store);
}

/* The per-user default directory falls back to $HOME/.local/share when $XDG_DATA_HOME is
 * unset or relative. Changes the environment: runs before any thread is started. */
static void test_default_dir_fallback(const char *base) {
    char *home = path_join(base, "home");
    char *share = path_join(home, ".local/share/licensekit");
    char a[21], b[21];

    CHECK(setenv("HOME", home, 1) == 0);
    CHECK(setenv("XDG_DATA_HOME", "relative/dir", 1) == 0);
    computer_id("lk-c-fallback", a);
    client_computer_id("lk-c-fallback", share, b);
    CHECK_STR_EQ(a, b);
    CHECK(setenv("XDG_DATA_HOME", "", 1) == 0);
    computer_id("lk-c-fallback", b);
    CHECK_STR_EQ(a, b);
    CHECK(unsetenv("XDG_DATA_HOME") == 0);
    computer_id("lk-c-fallback", b);
    CHECK_STR_EQ(a, b);
    free(share);
    free(home);
}

static long json_number_member(const char *json, const char *key) {
    char value[64];
    int count;
    char *end;
    long n;
    CHECK_MSG(json_member(json, key, &count, value, sizeof value) == JSON_NUMBER,
              "\"%s\" is not a number in %s", key, json);
    CHECK(count == 1);
    n = strtol(value, &end, 10);
    CHECK_MSG(*end == '\0', "\"%s\" is %s, not an integer", key, value);
    return n;
}

static void json_string_member(const char *json, const char *key, char *value, size_t len) {
    int count;
    CHECK_MSG(json_member(json, key, &count, value, len) == JSON_STRING,
              "\"%s\" is not a string in %s", key, json);
    CHECK_MSG(count == 1, "\"%s\" appears %d times", key, count);
}

static void test_system_details(void) {
    static const char *string_keys[] = {"operatingsystem", "osname",       "osversion", "processor",
                                        "computername",    "oslanguage", "vmplatform"};
    char json[8192], again[8192], value[512], host[HOST_NAME_MAX + 1];
    size_t i, n;
    long bitage, cores, memory, processors, phys_mib;

    n = check_string_out("lk_system_details_json", details_adapter, NULL, 1, json, sizeof json);
    CHECK(n == strlen(json) + 1);
    CHECK_MSG(json_is_object(json), "not a JSON object: %s", json);

    for (i = 0; i < sizeof string_keys / sizeof string_keys[0]; i++) {
        json_string_member(json, string_keys[i], value, sizeof value);
    }

    bitage = json_number_member(json, "bitage");
    CHECK_MSG(bitage == (long)(sizeof(void *) * CHAR_BIT), "bitage %ld on a %d-bit build", bitage,
              (int)(sizeof(void *) * CHAR_BIT));
    json_string_member(json, "operatingsystem", value, sizeof value);
    CHECK_MSG(strstr(value, bitage == 64 ? ", 64-bit" : ", 32-bit") != NULL,
              "operatingsystem \"%s\" does not end with the bitness", value);

    processors = sysconf(_SC_NPROCESSORS_CONF);
    cores = json_number_member(json, "cores");
    CHECK_MSG(cores >= 1 && (processors < 1 || cores <= processors),
              "cores %ld with %ld processors configured", cores, processors);

    phys_mib = (long)((double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) /
                      (1024.0 * 1024.0));
    memory = json_number_member(json, "memory");
    CHECK_MSG(memory > 0 && memory <= phys_mib + 1, "memory %ld MiB, physical %ld MiB", memory,
              phys_mib);

    json_string_member(json, "processor", value, sizeof value);
    CHECK_MSG(strchr(value, ':') != NULL && value[0] != ':', "processor \"%s\" is not Vendor:Brand",
              value);

    /* The host name, as the OS reports it. */
    CHECK(gethostname(host, sizeof host) == 0);
    host[sizeof host - 1] = '\0';
    json_string_member(json, "computername", value, sizeof value);
    CHECK_STR_EQ(value, host);

    /* The OS language comes from the POSIX locale, as a BCP 47 tag (set in main). */
    json_string_member(json, "oslanguage", value, sizeof value);
    CHECK_STR_EQ(value, "en-GB");

    json_string_member(json, "vmplatform", value, sizeof value);
    CHECK(value[0] != '\0');
    if (file_exists("/.dockerenv")) {
        CHECK_STR_EQ(value, "Docker");
    }

    /* Stable from one call to the next. */
    CHECK_STATUS(lk_system_details_json(again, sizeof again, NULL), LK_OK);
    CHECK_STR_EQ(again, json);
}

int main(void) {
    char *base = make_temp_dir("machine");
    char *xdg = path_join(base, "xdg");

    /* Hermetic: the per-user store directory (which anchors the computer ID in containers)
     * and the locale are this test's own. */
    CHECK(setenv("XDG_DATA_HOME", xdg, 1) == 0);
    CHECK(unsetenv("LC_ALL") == 0);
    CHECK(unsetenv("LC_MESSAGES") == 0);
    CHECK(setenv("LANG", "en_GB.UTF-8", 1) == 0);

    test_computer_id(xdg);
    test_system_details();
    test_default_dir_fallback(base);

    CHECK(remove_tree(base) == 0);
    free(xdg);
    free(base);
    return check_done();
}
