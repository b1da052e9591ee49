/* Configuration and client: lk_config_new, lk_config_add_public_key, lk_config_set_store_dir,
 * lk_config_free, lk_client_new, lk_client_computer_id, lk_client_free, and the store. */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "licensekit.h"

/* Ed25519 public keys of the seeds 0x00..00, 0x01..01, ... 0x10..10 (RFC 8032; cross-checked
 * with an independent implementation). Any 16 of them may be trusted at once. */
static const char *const keys[17] = {
    "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29",
    "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c",
    "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394",
    "ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1",
    "ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c",
    "6e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1",
    "8a875fff1eb38451577acd5afee405456568dd7c89e090863a0557bc7af49f17",
    "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c",
    "1398f62c6d1a457c51ba6a4b5f3dbd2f69fca93216218dc8997e416bd17d93ca",
    "fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f618",
    "43a72e714401762df66b68c26dfbdf2682aaec9f2474eca4613e424a0fbafd3c",
    "66be7e332c7a453332bd9d0a7f7db055f5c5ef1a06ada66d98b39fb6810c473a",
    "0b513ad9b4924015ca0902ed079044d3ac5dbec2306f06948c10da8eb6e39f2d",
    "91a28a0b74381593a4d9469579208926afc8ad82c8839b7644359b9eba9a4b3a",
    "0beef5a9e679e6a3e134fe27837bff32c7cb5f5d44ea09bcb0e542bad6a4c0cc",
    "d9bf2148748a85c89da5aad8ee0b0fc2d105fd39d41a4c796536354f0ae2900c",
    "5c9c6df261c9cb840475776aaefcd944b405328fab28f9b3a95ef40490d3de84",
};

#define BOGUS_CONFIG ((lk_config *)(uintptr_t)0x5A5A5A5A)
#define BOGUS_CLIENT ((lk_client *)(uintptr_t)0x5A5A5A5A)
#define NEEDED_UNSET ((size_t)0xDEADBEEF)

static lk_config *new_config(const char *product_id, const char *store_dir) {
    lk_config *cfg = NULL;
    CHECK_STATUS(lk_config_new(product_id, &cfg), LK_OK);
    CHECK(cfg != NULL);
    CHECK_STATUS(lk_config_add_public_key(cfg, keys[0]), LK_OK);
    if (store_dir != NULL) {
        CHECK_STATUS(lk_config_set_store_dir(cfg, store_dir), LK_OK);
    }
    return cfg;
}

static lk_client *new_client(const char *product_id, const char *store_dir) {
    lk_config *cfg = new_config(product_id, store_dir);
    lk_client *client = NULL;
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    CHECK(client != NULL);
    lk_config_free(cfg);
    return client;
}

static void client_id(const lk_client *client, char id[21]) {
    size_t needed = NEEDED_UNSET;
    id[0] = '\0';
    CHECK_STATUS(lk_client_computer_id(client, id, 21, &needed), LK_OK);
    CHECK(needed == 21);
    CHECK_MSG(is_computer_id(id), "client computer ID \"%s\"", id);
}

static void id_in_dir(const char *product_id, const char *store_dir, char id[21]) {
    lk_client *client = new_client(product_id, store_dir);
    client_id(client, id);
    lk_client_free(client);
}

/* lk_client_new that must fail with `expected`, leaving *out as it was. */
static void check_client_new_fails(const lk_config *cfg, uint32_t expected) {
    lk_client *client = BOGUS_CLIENT;
    CHECK_STATUS(lk_client_new(cfg, &client), expected);
    CHECK_MSG(client == BOGUS_CLIENT, "lk_client_new wrote *out on failure");
    CHECK_LAST_ERROR_IS(expected, NULL);
}

/* A store directory that cannot be used still gives a client: it licenses nothing and says
 * why, so the application can tell the user. */
static void check_store_unusable(const lk_config *cfg) {
    lk_client *client = NULL;
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    if (client != NULL) {
        CHECK_STATUS(lk_license_status(client), LK_STORE_IO);
        CHECK_STATUS(lk_feature_enabled(client, "EXPORT"), LK_STORE_IO);
        lk_client_free(client);
    }
}

static void check_config_new_fails(const char *product_id, uint32_t expected) {
    lk_config *cfg = BOGUS_CONFIG;
    CHECK_STATUS(lk_config_new(product_id, &cfg), expected);
    CHECK_MSG(cfg == BOGUS_CONFIG, "lk_config_new wrote *out on failure");
    CHECK_LAST_ERROR_IS(expected, "product_id");
}

static void test_config_new(void) {
    lk_config *cfg = NULL;
    char long_id[66];

    CHECK_STATUS(lk_config_new("6872450105", &cfg), LK_OK);
    CHECK(cfg != NULL);
    lk_config_free(cfg);

    memset(long_id, '9', 64);
    long_id[64] = '\0';
    cfg = NULL;
    CHECK_STATUS(lk_config_new(long_id, &cfg), LK_OK);
    lk_config_free(cfg);
    long_id[64] = '9';
    long_id[65] = '\0';
    check_config_new_fails(long_id, LK_INVALID_PRODUCT_ID);
    check_config_new_fails("", LK_INVALID_PRODUCT_ID);
    check_config_new_fails("my app", LK_INVALID_PRODUCT_ID);
    check_config_new_fails("../x", LK_INVALID_PRODUCT_ID);
    check_config_new_fails("\xe2\x82\xac", LK_INVALID_PRODUCT_ID); /* "€" */
    check_config_new_fails("abc\xff", LK_INVALID_UTF8);
    check_config_new_fails("\xe2\x82", LK_INVALID_UTF8);
    check_config_new_fails(NULL, LK_NULL_POINTER);

    /* A NULL out-pointer. */
    CHECK_STATUS(lk_config_new("6872450105", NULL), LK_NULL_POINTER);
    CHECK_LAST_ERROR_IS(LK_NULL_POINTER, "out");
    CHECK_STATUS(lk_config_new(NULL, NULL), LK_NULL_POINTER);

    lk_config_free(NULL);
}

static void test_public_keys(const char *dir) {
    lk_config *cfg = NULL;
    char upper[65], padded[70], bad[65];
    size_t i;

    CHECK_STATUS(lk_config_new("lk-c-keys", &cfg), LK_OK);

    CHECK_STATUS(lk_config_add_public_key(NULL, keys[0]), LK_NULL_POINTER);
    CHECK_LAST_ERROR("a required pointer argument was NULL: cfg");
    CHECK_STATUS(lk_config_add_public_key(cfg, NULL), LK_NULL_POINTER);
    CHECK_LAST_ERROR("a required pointer argument was NULL: public_key_hex");
    CHECK_STATUS(lk_config_add_public_key(NULL, NULL), LK_NULL_POINTER);

    CHECK_STATUS(lk_config_add_public_key(cfg, ""), LK_INVALID_PUBLIC_KEY);
    CHECK_LAST_ERROR_IS(LK_INVALID_PUBLIC_KEY, "public_key_hex");
    /* 63 and 65 characters. */
    memcpy(bad, keys[0], 63);
    bad[63] = '\0';
    CHECK_STATUS(lk_config_add_public_key(cfg, bad), LK_INVALID_PUBLIC_KEY);
    snprintf(padded, sizeof padded, "%s0", keys[0]);
    CHECK_STATUS(lk_config_add_public_key(cfg, padded), LK_INVALID_PUBLIC_KEY);
    /* A non-hex character. */
    memcpy(bad, keys[0], 65);
    bad[10] = 'g';
    CHECK_STATUS(lk_config_add_public_key(cfg, bad), LK_INVALID_PUBLIC_KEY);
    /* Not a point of the curve (y = 2), the identity and a point of order 4 (y = 0). */
    CHECK_STATUS(lk_config_add_public_key(
                     cfg, "0200000000000000000000000000000000000000000000000000000000000000"),
                 LK_INVALID_PUBLIC_KEY);
    CHECK_STATUS(lk_config_add_public_key(
                     cfg, "0100000000000000000000000000000000000000000000000000000000000000"),
                 LK_INVALID_PUBLIC_KEY);
    CHECK_STATUS(lk_config_add_public_key(
                     cfg, "0000000000000000000000000000000000000000000000000000000000000000"),
                 LK_INVALID_PUBLIC_KEY);
    /* Invalid UTF-8. */
    memcpy(bad, keys[0], 65);
    bad[0] = (char)0xff;
    CHECK_STATUS(lk_config_add_public_key(cfg, bad), LK_INVALID_UTF8);
    CHECK_LAST_ERROR_IS(LK_INVALID_UTF8, "public_key_hex");

    /* None of the refused keys was trusted. */
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    check_client_new_fails(cfg, LK_NO_PUBLIC_KEY);

    /* Upper-case hex is hex. */
    for (i = 0; i < 64; i++) {
        char ch = keys[1][i];
        upper[i] = (ch >= 'a' && ch <= 'f') ? (char)(ch - 'a' + 'A') : ch;
    }
    upper[64] = '\0';
    CHECK_STATUS(lk_config_add_public_key(cfg, upper), LK_OK);
    lk_config_free(cfg);

    /* At most 16 keys (rotation); trusting a trusted key again is not an error. */
    cfg = NULL;
    CHECK_STATUS(lk_config_new("lk-c-keys", &cfg), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    for (i = 0; i < 16; i++) {
        CHECK_STATUS(lk_config_add_public_key(cfg, keys[i]), LK_OK);
    }
    CHECK_STATUS(lk_config_add_public_key(cfg, keys[3]), LK_OK);
    {
        lk_status st = lk_config_add_public_key(cfg, keys[16]);
        CHECK_MSG(st != LK_OK, "a 17th key was accepted");
        CHECK_LAST_ERROR_IS(st, "public_key_hex");
    }
    {
        lk_client *client = NULL;
        CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
        lk_client_free(client);
    }
    lk_config_free(cfg);
}

static void test_store_dir(const char *base) {
    lk_config *cfg = NULL;
    char *nested = path_join(base, "a/b/store");
    char *file = path_join(base, "plain-file");
    struct stat st;
    char a[21], b[21];

    CHECK_STATUS(lk_config_new("lk-c-dir", &cfg), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(NULL, base), LK_NULL_POINTER);
    CHECK_LAST_ERROR("a required pointer argument was NULL: cfg");
    CHECK_STATUS(lk_config_set_store_dir(cfg, NULL), LK_NULL_POINTER);
    CHECK_LAST_ERROR("a required pointer argument was NULL: path");
    CHECK_STATUS(lk_config_set_store_dir(NULL, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_store_dir(cfg, ""), LK_INVALID_ARGUMENT);
    CHECK_LAST_ERROR_IS(LK_INVALID_ARGUMENT, "path");
    CHECK_STATUS(lk_config_set_store_dir(cfg, "/tmp/\xff\xfe"), LK_INVALID_UTF8);
    CHECK_LAST_ERROR_IS(LK_INVALID_UTF8, "path");
    lk_config_free(cfg);

    /* A missing directory is created, mode 0700. */
    id_in_dir("lk-c-dir", nested, a);
    CHECK(stat(nested, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_MSG((st.st_mode & 0777) == 0700, "store directory mode %o", (unsigned)(st.st_mode & 0777));

    /* The last store directory set wins. */
    cfg = new_config("lk-c-dir", "/nonexistent/never/used");
    CHECK_STATUS(lk_config_set_store_dir(cfg, nested), LK_OK);
    {
        lk_client *client = NULL;
        CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
        client_id(client, b);
        CHECK_STR_EQ(b, a);
        lk_client_free(client);
    }
    lk_config_free(cfg);

    /* A trailing slash names the same directory: the same installation, the same ID. */
    {
        char *slashed = path_join(nested, "");
        id_in_dir("lk-c-dir", slashed, b);
        CHECK_STR_EQ(b, a);
        free(slashed);
    }

    /* A path too long for the OS is an I/O failure, not a crash or an internal error. */
    {
        size_t i, len = 8192;
        char *huge = malloc(len + 1);
        REQUIRE(huge != NULL);
        for (i = 0; i < len; i++) {
            huge[i] = (i % 200 == 0) ? '/' : 'd';
        }
        huge[len] = '\0';
        cfg = new_config("lk-c-dir", huge);
        check_store_unusable(cfg);
        lk_config_free(cfg);
        free(huge);
    }

    /* A store "directory" that is a regular file. */
    CHECK(write_file(file, "x", 1) == 0);
    cfg = new_config("lk-c-dir", file);
    check_store_unusable(cfg);
    lk_config_free(cfg);

    free(file);
    free(nested);
}

static lk_status client_id_adapter(void *ctx, char *buf, size_t buf_len, size_t *needed) {
    return lk_client_computer_id((const lk_client *)ctx, buf, buf_len, needed);
}

static void test_client(const char *base) {
    char *dir = path_join(base, "client");
    char *other_dir = path_join(base, "client-other");
    lk_config *cfg = NULL;
    lk_client *client = NULL, *second = NULL;
    char a[21], b[21], out[64];

    /* No trusted key. */
    CHECK_STATUS(lk_config_new("lk-c-client", &cfg), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    check_client_new_fails(cfg, LK_NO_PUBLIC_KEY);
    CHECK_STATUS(lk_client_new(NULL, &client), LK_NULL_POINTER);
    CHECK(client == NULL);
    CHECK_LAST_ERROR("a required pointer argument was NULL: cfg");
    CHECK_STATUS(lk_client_new(cfg, NULL), LK_NULL_POINTER);
    CHECK_LAST_ERROR("a required pointer argument was NULL: out");
    CHECK_STATUS(lk_client_new(NULL, NULL), LK_NULL_POINTER);

    /* The configuration is copied: freed right after, the client works on. */
    CHECK_STATUS(lk_config_add_public_key(cfg, keys[0]), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    CHECK(client != NULL);
    /* ... and may be reused for another client of the same store. */
    CHECK_STATUS(lk_client_new(cfg, &second), LK_OK);
    CHECK(second != NULL && second != client);
    lk_config_free(cfg);

    client_id(client, a);
    client_id(second, b);
    CHECK_STR_EQ(a, b);
    client_id(client, b);
    CHECK_STR_EQ(a, b);
    CHECK(check_string_out("lk_client_computer_id", client_id_adapter, client, 1, out,
                           sizeof out) == 21);
    CHECK_STR_EQ(out, a);
    lk_client_free(second);

    /* Still the same ID for a client created later on the same store directory. */
    id_in_dir("lk-c-client", dir, b);
    CHECK_STR_EQ(a, b);
    /* Another product: another ID, on the same directory and machine. */
    id_in_dir("lk-c-client-2", dir, b);
    CHECK_MSG(strcmp(a, b) != 0, "two products share the computer ID %s", a);
    /* Other store directories agree when the anchor is the machine ID; they need not in a
     * container (see test_installation_anchor). */
    id_in_dir("lk-c-client", other_dir, b);
    CHECK(is_computer_id(b));

    /* A NULL client: nothing written. */
    {
        char buf[32];
        size_t needed = NEEDED_UNSET;
        memset(buf, 'Z', sizeof buf);
        CHECK_STATUS(lk_client_computer_id(NULL, buf, sizeof buf, &needed), LK_NULL_POINTER);
        CHECK(needed == NEEDED_UNSET);
        CHECK(buf[0] == 'Z');
        CHECK_LAST_ERROR("a required pointer argument was NULL: client");
        CHECK_STATUS(lk_client_computer_id(NULL, NULL, 0, NULL), LK_NULL_POINTER);
    }

    lk_client_free(client);
    lk_client_free(NULL);
    free(other_dir);
    free(dir);
}

/* A client over a damaged store opens, licenses nothing and says why: lk_client_new
 * succeeds, lk_license_status and lk_feature_enabled give the damage, and the file is left as
 * it is (an activation would keep it aside as <product>.lkstore.damaged-<time>). */
static void check_damage_reported(const lk_config *cfg, const char *store, const unsigned char *bytes,
                                  size_t len, uint32_t expected) {
    lk_client *client = NULL;
    unsigned char *after;
    size_t after_len;
    char info[4096];
    CHECK(write_file(store, bytes, len) == 0);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    if (client == NULL) {
        return;
    }
    CHECK_STATUS(lk_license_status(client), expected);
    CHECK_STATUS(lk_feature_enabled(client, "EXPORT"), expected);
    CHECK_STATUS(lk_license_info_json(client, info, sizeof info, NULL), LK_OK);
    CHECK_MSG(strstr(info, "\"problem_at_open\"") != NULL && strstr(info, lk_status_name(expected)) != NULL,
              "lk_license_info_json says what happened: %s", info);
    lk_client_free(client);
    after = read_file(store, &after_len);
    CHECK_MSG(after != NULL && after_len == len && memcmp(after, bytes, len) == 0,
              "a damaged store file was modified");
    free(after);
}

static void test_store_damage(const char *base) {
    char *dir = path_join(base, "damage");
    char *store = path_join(dir, "lk-c-store.lkstore");
    unsigned char *original, *damaged;
    size_t len;
    lk_config *cfg;
    char a[21], b[21];

    /* Creating a client writes the store. */
    id_in_dir("lk-c-store", dir, a);
    original = read_file(store, &len);
    if (original == NULL) {
        check_fail(1, __FILE__, __LINE__, "no store file %s after creating a client", store);
    }
    CHECK(len > 20 + 64);
    CHECK(memcmp(original, "LKSTORE\0", 8) == 0);

    cfg = new_config("lk-c-store", dir);
    damaged = malloc(len + 1);
    REQUIRE(damaged != NULL);

    /* A flipped byte in the body; in the checksum; an appended byte; not a store at all. */
    memcpy(damaged, original, len);
    damaged[len / 2] ^= 0x20;
    check_damage_reported(cfg, store, damaged, len, LK_STORE_CORRUPT);
    memcpy(damaged, original, len);
    damaged[len - 33] ^= 0x01;
    check_damage_reported(cfg, store, damaged, len, LK_STORE_CORRUPT);
    memcpy(damaged, original, len);
    damaged[len] = 0;
    check_damage_reported(cfg, store, damaged, len + 1, LK_STORE_CORRUPT);
    check_damage_reported(cfg, store, (const unsigned char *)"hello, world: not a store", 25,
                          LK_STORE_CORRUPT);
    /* Truncated: the header promises more than there is. */
    check_damage_reported(cfg, store, original, len / 2, LK_STORE_TRUNCATED);
    check_damage_reported(cfg, store, original, len - 1, LK_STORE_TRUNCATED);
    check_damage_reported(cfg, store, original, 4, LK_STORE_TRUNCATED);
    /* A newer format version (the u32 after the magic). */
    memcpy(damaged, original, len);
    damaged[8] = 99;
    check_damage_reported(cfg, store, damaged, len, LK_STORE_VERSION);
    /* A flipped bit in the authentication tag: an edit the checksum was recomputed for. */
    memcpy(damaged, original, len);
    damaged[len - 1] ^= 0x01;
    check_damage_reported(cfg, store, damaged, len, LK_STORE_ROLLED_BACK);

    /* Repaired, the store opens again, with the same computer ID. */
    CHECK(write_file(store, original, len) == 0);
    {
        lk_client *client = NULL;
        CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
        CHECK_STATUS(lk_license_status(client), LK_NOT_ACTIVATED);
        client_id(client, b);
        CHECK_STR_EQ(a, b);
        lk_client_free(client);
    }

    lk_config_free(cfg);
    free(damaged);
    free(original);
    free(store);
    free(dir);
}

/* One computer, one ID: lk_computer_id and every client, whatever its store directory,
 * report the same 20 letters and digits; the installation ID, where it anchors the ID, is kept
 * machine-wide (/var/lib/licensekit/installation-id), never in a store directory. */
static void test_one_id_per_computer(const char *base) {
    char *dir1 = path_join(base, "anchor-1");
    char *dir2 = path_join(base, "anchor-2");
    char *kept = path_join(dir1, "installation-id");
    char a[21], b[21], c[32];
    size_t i, needed = 0;

    id_in_dir("lk-c-test", dir1, a);
    id_in_dir("lk-c-test", dir2, b);
    CHECK_STR_EQ(a, b);
    CHECK_STATUS(lk_computer_id("lk-c-test", c, sizeof c, &needed), LK_OK);
    CHECK_STR_EQ(a, c);
    CHECK(needed == 21);
    for (i = 0; i < 20; i++) {
        CHECK_MSG(isalnum((unsigned char)a[i]), "the ID is letters and digits: %s", a);
    }
    CHECK_MSG(!file_exists(kept), "an installation ID was kept in a store directory");
    if (file_exists("/.dockerenv")) {
        CHECK_MSG(file_exists("/var/lib/licensekit/installation-id") ||
                      getuid() != 0,
                  "in a container the installation ID is kept machine-wide");
    }
    free(kept);
    free(dir2);
    free(dir1);
}

int main(void) {
    char *base = make_temp_dir("client");
    char *xdg = path_join(base, "xdg");
    CHECK(setenv("XDG_DATA_HOME", xdg, 1) == 0);

    test_config_new();
    test_public_keys(base);
    test_store_dir(base);
    test_client(base);
    test_store_damage(base);
    test_one_id_per_computer(base);

    CHECK(remove_tree(base) == 0);
    free(xdg);
    free(base);
    return check_done();
}
