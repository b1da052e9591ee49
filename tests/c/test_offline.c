/* Air-gapped licensing from C: offline activation requests (the buffer convention, the same
 * request until answered), certificate import refusals, deactivation without a license, the
 * client ID setting, the argument checks of every offline function, and the whole round trip
 * through files with the vendor's command line (licensekit-server offline activate /
 * offline deactivate / passive create) against the test server's data directory.
 *
 * Uses LK_TEST_PUBLIC_KEY, LK_TEST_PRODUCT, LK_TEST_LICENSE_CODE, LK_TEST_SERVER_BIN and
 * LK_TEST_DATA_DIR from tests/c/run.sh. */

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *public_key, *product, *license_code, *server_bin, *data_dir;
static const char *code = "206454320110930859";

static lk_client *make_client(const char *store_dir) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, public_key), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, store_dir), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    REQUIRE(client != NULL);
    return client;
}

struct request_ctx {
    lk_client *client;
    const char *code;
};

static lk_status request_adapter(void *ctx, char *buf, size_t buf_len, size_t *needed) {
    struct request_ctx *r = (struct request_ctx *)ctx;
    return lk_offline_activation_request(r->client, r->code, buf, buf_len, needed);
}

static void test_requests(void) {
    char *dir = make_temp_dir("offline");
    lk_client *client = make_client(dir);
    struct request_ctx ctx;
    static char first[16384], again[16384];
    size_t size;

    ctx.client = client;
    ctx.code = code;
    /* The whole buffer convention, and the same request every time until it is answered. */
    size = check_string_out("lk_offline_activation_request", request_adapter, &ctx, 1, first, sizeof first);
    CHECK(size > 200);
    CHECK(strncmp(first, "-----BEGIN LICENSEKIT ACTIVATION REQUEST-----\n", 46) == 0);
    CHECK(strstr(first, "-----END LICENSEKIT ACTIVATION REQUEST-----\n") != NULL);
    CHECK_STATUS(lk_offline_activation_request(client, code, again, sizeof again, NULL), LK_OK);
    CHECK_STR_EQ(again, first);
    {
        /* A restarted process still has the pending request. */
        lk_client *restarted = make_client(dir);
        CHECK_STATUS(lk_offline_activation_request(restarted, code, again, sizeof again, NULL), LK_OK);
        CHECK_STR_EQ(again, first);
        lk_client_free(restarted);
    }
    /* Another code replaces it. */
    CHECK_STATUS(lk_offline_activation_request(client, "999999999999999999", again, sizeof again, NULL), LK_OK);
    CHECK(strcmp(again, first) != 0);

    CHECK_STATUS(lk_offline_activation_request(client, NULL, again, sizeof again, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_offline_activation_request(client, "", again, sizeof again, NULL), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_offline_activation_request(client, "\xff", again, sizeof again, NULL), LK_INVALID_UTF8);
    CHECK_STATUS(lk_offline_activation_request(NULL, code, again, sizeof again, NULL), LK_NULL_POINTER);

    /* Imports that cannot be a license for this client. */
    CHECK_STATUS(lk_import_certificate(client, first), LK_WRONG_KIND); /* a request is no certificate */
    CHECK_STATUS(lk_import_certificate(client, "garbage"), LK_MALFORMED_ENVELOPE);
    CHECK_STATUS(lk_import_certificate(client, ""), LK_MALFORMED_ENVELOPE);
    CHECK_STATUS(lk_import_certificate(client, "\xc3\x28"), LK_INVALID_UTF8);
    CHECK_STATUS(lk_import_certificate(client, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_import_certificate(NULL, first), LK_NULL_POINTER);
    {
        size_t big = 200000;
        char *huge = malloc(big + 1);
        REQUIRE(huge != NULL);
        memset(huge, 'A', big);
        huge[big] = '\0';
        CHECK_STATUS(lk_import_certificate(client, huge), LK_ENVELOPE_TOO_LARGE);
        free(huge);
    }
    CHECK_STATUS(lk_license_status(client), LK_NOT_ACTIVATED);

    /* Nothing to give back. */
    {
        char buf[64];
        size_t needed = 77;
        CHECK_STATUS(lk_offline_deactivation_certificate(client, buf, sizeof buf, &needed), LK_NO_LICENSE);
        CHECK(needed == 77);
        CHECK_STATUS(lk_offline_deactivation_certificate(NULL, buf, sizeof buf, NULL), LK_NULL_POINTER);
        CHECK_STATUS(lk_offline_deactivation_certificate(client, NULL, 10, NULL), LK_NULL_POINTER);
    }
    lk_client_free(client);
    remove_tree(dir);
    free(dir);
}

static void test_client_id(void) {
    lk_config *cfg = NULL;
    char longer[300];
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_set_client_id(cfg, "dongle-4711-ACME"), LK_OK);
    CHECK_STATUS(lk_config_set_client_id(cfg, "too-short"), LK_INVALID_ARGUMENT);
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    CHECK_STATUS(lk_config_set_client_id(cfg, longer), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_client_id(cfg, "with a space"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_client_id(cfg, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_client_id(NULL, "dongle-4711-ACME"), LK_NULL_POINTER);
    lk_config_free(cfg);
}

/* Runs the vendor's command line: `licensekit-server <args> --data-dir DIR`, with stdout to
 * `out` (or discarded). Returns the exit status. */
static int vendor(const char *args, const char *out) {
    char command[4096];
    int rc;
    snprintf(command, sizeof command, "'%s' %s --data-dir '%s' > '%s' 2>/dev/null", server_bin, args, data_dir,
             out ? out : "/dev/null");
    rc = system(command);
    return rc == -1 ? -1 : (rc >> 8) & 0xff;
}

/* Reads a whole text file as a NUL-terminated string (malloc'd). */
static char *slurp(const char *path) {
    size_t len = 0;
    unsigned char *data = read_file(path, &len);
    char *text;
    REQUIRE(data != NULL);
    text = malloc(len + 1);
    REQUIRE(text != NULL);
    memcpy(text, data, len);
    text[len] = '\0';
    free(data);
    return text;
}

static void test_round_trip_by_files(void) {
    char *dir = make_temp_dir("airgap");
    char *request_file = path_join(dir, "request.txt");
    char *certificate_file = path_join(dir, "certificate.txt");
    char *proof_file = path_join(dir, "deactivation.txt");
    lk_client *client = make_client(dir);
    static char request[16384], proof[16384], again[16384];
    char args[1024];
    char *certificate;

    /* The machine writes its request; the vendor turns it into a certificate. */
    CHECK_STATUS(lk_offline_activation_request(client, license_code, request, sizeof request, NULL), LK_OK);
    REQUIRE(write_file(request_file, request, strlen(request)) == 0);
    snprintf(args, sizeof args, "offline activate --request '%s'", request_file);
    REQUIRE(vendor(args, certificate_file) == 0);
    certificate = slurp(certificate_file);
    CHECK(strncmp(certificate, "-----BEGIN LICENSEKIT ACTIVATION CERTIFICATE-----", 49) == 0);

    CHECK_STATUS(lk_import_certificate(client, certificate), LK_OK);
    CHECK_STATUS(lk_license_status(client), LK_OK);
    CHECK_STATUS(lk_feature_enabled(client, "EXPORT"), LK_OK);
    {
        char edition[16];
        CHECK_STATUS(lk_udf_value(client, "EDITION", edition, sizeof edition, NULL), LK_OK);
        CHECK_STR_EQ(edition, "pro");
    }
    CHECK_STATUS(lk_import_certificate(client, certificate), LK_WRONG_REQUEST); /* answered already */

    /* Giving the seat back: the license goes first, the proof stays producible. */
    CHECK_STATUS(lk_offline_deactivation_certificate(client, proof, sizeof proof, NULL), LK_OK);
    CHECK(strncmp(proof, "-----BEGIN LICENSEKIT DEACTIVATION CERTIFICATE-----", 51) == 0);
    CHECK_STATUS(lk_license_status(client), LK_DEACTIVATED);
    CHECK_STATUS(lk_offline_deactivation_certificate(client, again, sizeof again, NULL), LK_OK);
    CHECK_STR_EQ(again, proof);
    REQUIRE(write_file(proof_file, proof, strlen(proof)) == 0);
    snprintf(args, sizeof args, "offline deactivate --certificate '%s'", proof_file);
    CHECK(vendor(args, NULL) == 0);
    CHECK(vendor(args, NULL) != 0); /* accepted once */

    /* The old certificate is never accepted again on this machine. */
    CHECK_STATUS(lk_import_certificate(client, certificate), LK_WRONG_REQUEST);
    CHECK_STATUS(lk_license_status(client), LK_DEACTIVATED);

    /* A passive license for this computer: no server involved on the machine. */
    {
        char id[32], *passive;
        char *passive_file = path_join(dir, "passive.txt");
        CHECK_STATUS(lk_client_computer_id(client, id, sizeof id, NULL), LK_OK);
        snprintf(args, sizeof args, "passive create --product '%s' --client-id '%s'", product, id);
        REQUIRE(vendor(args, passive_file) == 0);
        passive = slurp(passive_file);
        CHECK_STATUS(lk_import_certificate(client, passive), LK_OK);
        CHECK_STATUS(lk_license_status(client), LK_OK);
        free(passive);
        /* The same license for another client ID is refused. */
        snprintf(args, sizeof args, "passive create --product '%s' --client-id 'another-machine-0001'", product);
        REQUIRE(vendor(args, passive_file) == 0);
        passive = slurp(passive_file);
        CHECK_STATUS(lk_import_certificate(client, passive), LK_WRONG_MACHINE);
        free(passive);
        free(passive_file);
    }

    free(certificate);
    lk_client_free(client);
    remove_tree(dir);
    free(request_file);
    free(certificate_file);
    free(proof_file);
    free(dir);
}

int main(void) {
    public_key = getenv("LK_TEST_PUBLIC_KEY");
    product = getenv("LK_TEST_PRODUCT");
    license_code = getenv("LK_TEST_LICENSE_CODE");
    server_bin = getenv("LK_TEST_SERVER_BIN");
    data_dir = getenv("LK_TEST_DATA_DIR");
    REQUIRE(public_key && product && license_code && server_bin && data_dir);
    test_requests();
    test_client_id();
    test_round_trip_by_files();
    return check_done();
}
