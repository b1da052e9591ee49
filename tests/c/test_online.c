/* Online licensing from C against a real licensekit-server on loopback: activation, local
 * checks, UDFs, dates, refresh, a restarted process licensed without the network, the status
 * callback (which calls back into the library), deactivation, an unreachable server, and the
 * argument checks of every online function.
 *
 * tests/c/run.sh starts the server, creates a product (feature EXPORT, UDF EDITION=pro) and a
 * license code through the Web API, and passes them in LK_TEST_SERVER_URL,
 * LK_TEST_PUBLIC_KEY, LK_TEST_PRODUCT and LK_TEST_LICENSE_CODE. */

#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

static const char *server_url, *public_key, *product, *license_code;

struct observer {
    pthread_mutex_t lock;
    lk_client *client;
    unsigned calls;
    lk_status last;
    lk_status seen_inside; /* what lk_license_status said from inside the callback */
};

static void on_status(lk_status status, void *user_data) {
    struct observer *o = (struct observer *)user_data;
    /* Calling back into the library from the callback must not deadlock. */
    lk_status inside = lk_license_status(o->client);
    pthread_mutex_lock(&o->lock);
    o->calls++;
    o->last = status;
    o->seen_inside = inside;
    pthread_mutex_unlock(&o->lock);
}

static lk_config *make_config(const char *store_dir, const char *url) {
    lk_config *cfg = NULL;
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, public_key), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, store_dir), LK_OK);
    CHECK_STATUS(lk_config_set_server_url(cfg, url), LK_OK);
    CHECK_STATUS(lk_config_set_timeout_ms(cfg, 5000), LK_OK);
    CHECK_STATUS(lk_config_set_app_version(cfg, "2.1", "417", "ENT"), LK_OK);
    return cfg;
}

static lk_client *make_client(const char *store_dir, const char *url) {
    lk_config *cfg = make_config(store_dir, url);
    lk_client *client = NULL;
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    REQUIRE(client != NULL);
    return client;
}

struct udf_ctx {
    lk_client *client;
    const char *name;
};

static lk_status udf_adapter(void *ctx, char *buf, size_t buf_len, size_t *needed) {
    struct udf_ctx *u = (struct udf_ctx *)ctx;
    return lk_udf_value(u->client, u->name, buf, buf_len, needed);
}

static lk_status info_adapter(void *ctx, char *buf, size_t buf_len, size_t *needed) {
    return lk_license_info_json((lk_client *)ctx, buf, buf_len, needed);
}

static lk_status diagnostics_adapter(void *ctx, char *buf, size_t buf_len, size_t *needed) {
    return lk_diagnostics_json((lk_client *)ctx, buf, buf_len, needed);
}

/* Log lines received through lk_set_log_callback. */
struct log_sink {
    pthread_mutex_t lock;
    int lines;
    int max_level;
    char last[512];
};

static void on_log(uint32_t level, const char *line, void *user_data) {
    struct log_sink *sink = user_data;
    pthread_mutex_lock(&sink->lock);
    sink->lines++;
    if ((int)level > sink->max_level) {
        sink->max_level = (int)level;
    }
    snprintf(sink->last, sizeof sink->last, "%s", line);
    pthread_mutex_unlock(&sink->lock);
}

static void test_config_setters(void) {
    lk_config *cfg = NULL;
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_set_server_url(NULL, server_url), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_server_url(cfg, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_server_url(cfg, "ftp://example"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_server_url(cfg, "http://"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_server_url(cfg, "http://\xff"), LK_INVALID_UTF8);
    CHECK_STATUS(lk_config_set_timeout_ms(NULL, 10), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_timeout_ms(cfg, 0), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_timeout_ms(cfg, 600001), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_proxy(NULL, "http://127.0.0.1:3128"), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_proxy(cfg, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_proxy(cfg, ""), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_proxy(cfg, "socks5://127.0.0.1:1080"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_proxy(cfg, "https://127.0.0.1:3128"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_proxy(cfg, "127.0.0.1:99999"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_proxy(cfg, "127.0.0.1:3128"), LK_OK);
    CHECK_STATUS(lk_config_set_ca_file(NULL, "/x"), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_ca_file(cfg, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_ca_file(cfg, ""), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_app_version(NULL, "1", "2", "3"), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_app_version(cfg, "1", NULL, "3"), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_app_version(cfg, "1", "2", "\xc3"), LK_INVALID_UTF8);
    {
        char longer[80];
        memset(longer, 'v', sizeof longer - 1);
        longer[sizeof longer - 1] = '\0';
        CHECK_STATUS(lk_config_set_app_version(cfg, longer, "", ""), LK_INVALID_ARGUMENT);
    }
    /* A CA file that holds no certificate is refused when the client is built. */
    {
        char *dir = make_temp_dir("ca");
        char *pem = path_join(dir, "ca.pem");
        lk_client *client = NULL;
        REQUIRE(write_file(pem, "not a certificate\n", 18) == 0);
        CHECK_STATUS(lk_config_add_public_key(cfg, public_key), LK_OK);
        CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
        CHECK_STATUS(lk_config_set_server_url(cfg, server_url), LK_OK);
        CHECK_STATUS(lk_config_set_ca_file(cfg, pem), LK_OK);
        CHECK_STATUS(lk_client_new(cfg, &client), LK_INVALID_ARGUMENT);
        CHECK(client == NULL);
        remove_tree(dir);
        free(pem);
        free(dir);
    }
    lk_config_free(cfg);
}

static void test_null_clients(void) {
    int64_t t = 42;
    char buf[8];
    size_t needed = 7;
    CHECK_STATUS(lk_activate(NULL, license_code), LK_NULL_POINTER);
    CHECK_STATUS(lk_refresh(NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_deactivate(NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_start_trial(NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_license_status(NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_feature_enabled(NULL, "EXPORT"), LK_NULL_POINTER);
    CHECK_STATUS(lk_udf_value(NULL, "EDITION", buf, sizeof buf, &needed), LK_NULL_POINTER);
    CHECK_STATUS(lk_license_info_json(NULL, buf, sizeof buf, &needed), LK_NULL_POINTER);
    CHECK_STATUS(lk_expiry(NULL, LK_EXPIRY_LEASE, &t), LK_NULL_POINTER);
    CHECK_STATUS(lk_grace_remaining(NULL, &t), LK_NULL_POINTER);
    CHECK_STATUS(lk_set_status_callback(NULL, on_status, NULL), LK_NULL_POINTER);
    CHECK(t == 42 && needed == 7);
}

static void test_online_flow(void) {
    char *dir = make_temp_dir("online");
    lk_client *client = make_client(dir, server_url);
    struct observer o;
    int64_t t = -1, lease_end = 0, grace_end = 0, remaining = -1;
    char value[64], info[4096];
    struct udf_ctx udf;
    size_t size;

    memset(&o, 0, sizeof o);
    pthread_mutex_init(&o.lock, NULL);
    o.client = client;

    /* Before activation. */
    CHECK_STATUS(lk_license_status(client), LK_NOT_ACTIVATED);
    CHECK_STATUS(lk_feature_enabled(client, "EXPORT"), LK_NOT_ACTIVATED);
    CHECK_STATUS(lk_refresh(client), LK_NO_LICENSE);
    CHECK_STATUS(lk_deactivate(client), LK_NO_LICENSE);
    CHECK_STATUS(lk_expiry(client, LK_EXPIRY_LEASE, &t), LK_NOT_ACTIVATED);
    CHECK_STATUS(lk_grace_remaining(client, &t), LK_NOT_ACTIVATED);
    CHECK(t == -1);
    CHECK_STATUS(lk_set_status_callback(client, on_status, &o), LK_OK);

    /* Refusals. */
    CHECK_STATUS(lk_activate(client, "000000000000000000"), LK_INVALID_LICENSE_CODE);
    CHECK_STATUS(lk_activate(client, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_activate(client, "\xff\xfe"), LK_INVALID_UTF8);
    CHECK_STATUS(lk_activate(client, ""), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_license_status(client), LK_NOT_ACTIVATED);

    /* Activation. */
    CHECK_STATUS(lk_activate(client, license_code), LK_OK);
    CHECK_STATUS(lk_license_status(client), LK_OK);
    pthread_mutex_lock(&o.lock);
    CHECK(o.calls >= 1);
    CHECK_STATUS(o.last, LK_OK);
    CHECK_STATUS(o.seen_inside, LK_OK);
    pthread_mutex_unlock(&o.lock);

    CHECK_STATUS(lk_feature_enabled(client, "EXPORT"), LK_OK);
    CHECK_STATUS(lk_feature_enabled(client, "NO_SUCH_FEATURE"), LK_FEATURE_UNKNOWN);
    CHECK_STATUS(lk_feature_enabled(client, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_feature_enabled(client, "\xff"), LK_INVALID_UTF8);

    udf.client = client;
    udf.name = "EDITION";
    size = check_string_out("lk_udf_value", udf_adapter, &udf, 1, value, sizeof value);
    CHECK(size == 4);
    CHECK_STR_EQ(value, "pro");
    CHECK_STATUS(lk_udf_value(client, "NO_SUCH_UDF", value, sizeof value, NULL), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_udf_value(client, NULL, value, sizeof value, NULL), LK_NULL_POINTER);

    /* The support bundle: redacted, one call. */
    {
        static char diagnostics[16384];
        int count = 0;
        check_string_out("lk_diagnostics_json", diagnostics_adapter, client, 1, diagnostics,
                         sizeof diagnostics);
        CHECK(json_is_object(diagnostics));
        CHECK(json_member(diagnostics, "computer", &count, NULL, 0) == JSON_OBJECT);
        CHECK(json_member(diagnostics, "store", &count, NULL, 0) == JSON_OBJECT);
        CHECK(json_member(diagnostics, "clock", &count, NULL, 0) == JSON_OBJECT);
        CHECK_MSG(strstr(diagnostics, license_code) == NULL, "the full license code is in the diagnostics");
        CHECK_MSG(strstr(diagnostics, "installation_key\":\"") == NULL, "an installation key is in the diagnostics");
        CHECK_MSG(strstr(diagnostics, "lk1.") == NULL, "license text is in the diagnostics");
        CHECK_STATUS(lk_diagnostics_json(NULL, diagnostics, sizeof diagnostics, NULL), LK_NULL_POINTER);
    }

    check_string_out("lk_license_info_json", info_adapter, client, 1, info, sizeof info);
    CHECK(json_is_object(info));
    {
        int count = 0;
        char text[64];
        CHECK(json_member(info, "status", &count, text, sizeof text) == JSON_STRING);
        CHECK_STR_EQ(text, "LK_OK");
        CHECK(json_member(info, "license_code", &count, text, sizeof text) == JSON_STRING);
        CHECK_STR_EQ(text, license_code);
        CHECK(json_member(info, "features", &count, NULL, 0) == JSON_ARRAY);
        CHECK(json_member(info, "installation_key", &count, NULL, 0) == JSON_NONE);
    }

    CHECK_STATUS(lk_expiry(client, LK_EXPIRY_LEASE, &lease_end), LK_OK);
    CHECK_STATUS(lk_expiry(client, LK_EXPIRY_GRACE, &grace_end), LK_OK);
    CHECK(lease_end > (int64_t)time(NULL) && grace_end >= lease_end);
    CHECK_STATUS(lk_expiry(client, LK_EXPIRY_LICENSE, &t), LK_OK);
    CHECK(t == 0); /* perpetual: no expiry */
    t = 99;
    CHECK_STATUS(lk_expiry(client, 4, &t), LK_INVALID_ARGUMENT);
    CHECK(t == 99);
    CHECK_STATUS(lk_expiry(client, LK_EXPIRY_MAINTENANCE, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_grace_remaining(client, &remaining), LK_OK);
    CHECK(remaining > 0 && remaining <= grace_end - (int64_t)time(NULL) + 1);
    CHECK_STATUS(lk_grace_remaining(client, NULL), LK_NULL_POINTER);

    CHECK_STATUS(lk_refresh(client), LK_OK);
    CHECK_STATUS(lk_license_status(client), LK_OK);

    /* A restarted process is licensed from its store, without the network. */
    {
        lk_client *offline = make_client(dir, "http://127.0.0.1:9");
        CHECK_STATUS(lk_license_status(offline), LK_OK);
        CHECK_STATUS(lk_feature_enabled(offline, "EXPORT"), LK_OK);
        CHECK_STATUS(lk_refresh(offline), LK_NETWORK);
        CHECK_STATUS(lk_license_status(offline), LK_OK); /* inside the grace period */
        lk_client_free(offline);
    }

    /* Deactivation frees the seat and is reported to the callback. */
    CHECK_STATUS(lk_deactivate(client), LK_OK);
    CHECK_STATUS(lk_license_status(client), LK_DEACTIVATED);
    CHECK_STATUS(lk_feature_enabled(client, "EXPORT"), LK_DEACTIVATED);
    pthread_mutex_lock(&o.lock);
    CHECK_STATUS(o.last, LK_DEACTIVATED);
    pthread_mutex_unlock(&o.lock);
    CHECK_STATUS(lk_refresh(client), LK_NO_LICENSE);
    /* Every local question says so. */
    CHECK_STATUS(lk_udf_value(client, "EDITION", value, sizeof value, NULL), LK_DEACTIVATED);
    CHECK_STATUS(lk_grace_remaining(client, &t), LK_DEACTIVATED);
    CHECK_STATUS(lk_expiry(client, LK_EXPIRY_LEASE, &t), LK_DEACTIVATED);
    CHECK_STATUS(lk_set_status_callback(client, NULL, NULL), LK_OK);

    /* The seat is free again: this computer can activate once more. */
    CHECK_STATUS(lk_activate(client, license_code), LK_OK);
    CHECK_STATUS(lk_deactivate(client), LK_OK);

    lk_client_free(client);
    pthread_mutex_destroy(&o.lock);
    remove_tree(dir);
    free(dir);
}

static void test_unreachable_server(void) {
    char *dir = make_temp_dir("unreachable");
    lk_config *cfg = make_config(dir, "http://127.0.0.1:9");
    lk_client *client = NULL;
    time_t started;
    CHECK_STATUS(lk_config_set_timeout_ms(cfg, 2000), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    {
        struct log_sink sink;
        char detail[512];
        memset(&sink, 0, sizeof sink);
        pthread_mutex_init(&sink.lock, NULL);
        CHECK_STATUS(lk_set_log_callback(on_log, 99, &sink), LK_INVALID_ARGUMENT);
        CHECK_STATUS(lk_set_log_callback(on_log, LK_LOG_WARN, &sink), LK_OK);
        started = time(NULL);
        CHECK_STATUS(lk_activate(client, license_code), LK_NETWORK);
        CHECK(time(NULL) - started <= 3);
        /* The cause, with the values concerned. */
        CHECK_STATUS(lk_last_error_message(detail, sizeof detail, NULL), LK_OK);
        CHECK_MSG(strstr(detail, "connection refused by 127.0.0.1:9") != NULL, "%s", detail);
        CHECK_STATUS(lk_set_log_callback(NULL, LK_LOG_DEBUG, NULL), LK_OK);
        pthread_mutex_lock(&sink.lock);
        CHECK_MSG(sink.lines >= 1 && sink.max_level <= LK_LOG_WARN, "%d lines, level %d", sink.lines,
                  sink.max_level);
        CHECK_MSG(strstr(sink.last, "127.0.0.1:9") != NULL, "%s", sink.last);
        pthread_mutex_unlock(&sink.lock);
        pthread_mutex_destroy(&sink.lock);
    }
    CHECK_STATUS(lk_start_trial(client), LK_NETWORK);
    CHECK_STATUS(lk_license_status(client), LK_NOT_ACTIVATED);
    lk_client_free(client);
    remove_tree(dir);
    free(dir);
}

static void test_without_server_url(void) {
    char *dir = make_temp_dir("noserver");
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, public_key), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    CHECK_STATUS(lk_activate(client, license_code), LK_NO_SERVER);
    CHECK_STATUS(lk_start_trial(client), LK_NO_SERVER);
    lk_client_free(client);
    remove_tree(dir);
    free(dir);
}

/* The LAN daemon's entry points: the arguments checked, no daemon configured, and one that
 * does not answer (the seat flows themselves run against a real daemon in lan/tests). */
static void test_lan_arguments(void) {
    char *dir = make_temp_dir("lan");
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    char detail[512];
    CHECK_STATUS(lk_config_set_lan_server(NULL, "127.0.0.1:9"), LK_NULL_POINTER);
    CHECK_STATUS(lk_activate_lan(NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_borrow_lan(NULL, 1), LK_NULL_POINTER);
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, public_key), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    CHECK_STATUS(lk_config_set_lan_server(cfg, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_config_set_lan_server(cfg, "\xff:1"), LK_INVALID_UTF8);
    CHECK_STATUS(lk_config_set_lan_server(cfg, "lanhost"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_lan_server(cfg, "lanhost:0"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_config_set_lan_server(cfg, "ftp://lanhost:27000"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    if (getenv("LICENSEKIT_LAN_SERVER") == NULL) {
        CHECK_STATUS(lk_activate_lan(client), LK_NO_LAN_SERVER);
    }
    lk_client_free(client);
    client = NULL;
    CHECK_STATUS(lk_config_set_timeout_ms(cfg, 2000), LK_OK);
    CHECK_STATUS(lk_config_set_lan_server(cfg, "127.0.0.1:9"), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    CHECK_STATUS(lk_borrow_lan(client, 0), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_activate_lan(client), LK_LAN_UNREACHABLE);
    CHECK_STATUS(lk_last_error_message(detail, sizeof detail, NULL), LK_OK);
    CHECK_MSG(strstr(detail, "127.0.0.1:9") != NULL, "%s", detail);
    CHECK_STATUS(lk_borrow_lan(client, 3), LK_LAN_UNREACHABLE);
    CHECK_STATUS(lk_license_status(client), LK_NOT_ACTIVATED);
    lk_client_free(client);
    remove_tree(dir);
    free(dir);
}

/* Usage events: the arguments checked, events queued before activation and delivered once
 * the computer is licensed (the server-side counts are in server/tests/events.rs). */
static void test_events(void) {
    char *dir = make_temp_dir("events");
    lk_client *client = make_client(dir, server_url);
    uint64_t sent = 99, queued = 99, dropped = 99;
    char detail[512];
    CHECK_STATUS(lk_track_event(NULL, "start", NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_track_event(client, NULL, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_track_event(client, "\xff", NULL), LK_INVALID_UTF8);
    CHECK_STATUS(lk_track_event(client, "start", "\xff"), LK_INVALID_UTF8);
    CHECK_STATUS(lk_track_event(client, "", NULL), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_track_event(client, "start", "{\"unclosed\": "), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_last_error_message(detail, sizeof detail, NULL), LK_OK);
    CHECK_MSG(strstr(detail, "payload") != NULL, "%s", detail);
    CHECK_STATUS(lk_flush_events(NULL, &sent), LK_NULL_POINTER);
    CHECK_STATUS(lk_flush_events(client, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_event_queue(NULL, &queued, &dropped), LK_NULL_POINTER);
    CHECK_STATUS(lk_event_queue(client, &queued, NULL), LK_NULL_POINTER);

    CHECK_STATUS(lk_track_event(client, "start", NULL), LK_OK);
    CHECK_STATUS(lk_track_event(client, "export", "{\"format\": \"pdf\", \"pages\": 3}"), LK_OK);
    CHECK_STATUS(lk_event_queue(client, &queued, &dropped), LK_OK);
    CHECK(queued == 2 && dropped == 0);
    /* Not licensed: the events wait. */
    CHECK_STATUS(lk_flush_events(client, &sent), LK_NO_LICENSE);
    CHECK(sent == 99);
    CHECK_STATUS(lk_activate(client, license_code), LK_OK);
    CHECK_STATUS(lk_flush_events(client, &sent), LK_OK);
    CHECK(sent == 2);
    CHECK_STATUS(lk_event_queue(client, &queued, &dropped), LK_OK);
    CHECK(queued == 0 && dropped == 0);
    CHECK_STATUS(lk_deactivate(client), LK_OK);
    lk_client_free(client);

    /* Without a server there is nowhere to deliver to. */
    client = NULL;
    {
        lk_config *cfg = NULL;
        REQUIRE(lk_config_new(product, &cfg) == LK_OK);
        CHECK_STATUS(lk_config_add_public_key(cfg, public_key), LK_OK);
        CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
        CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
        lk_config_free(cfg);
    }
    CHECK_STATUS(lk_track_event(client, "start", NULL), LK_NO_SERVER);
    lk_client_free(client);
    remove_tree(dir);
    free(dir);
}

/* A named user's sign-in: the arguments checked, and an unknown user refused by the real
 * server with the one answer for any wrong credentials (the flows are in
 * server/tests/named_users.rs). */
static void test_named_user(void) {
    char *dir = make_temp_dir("user");
    lk_client *client = make_client(dir, server_url);
    char detail[512];
    CHECK_STATUS(lk_activate_user(NULL, "alice", "secret"), LK_NULL_POINTER);
    CHECK_STATUS(lk_activate_user(client, NULL, "secret"), LK_NULL_POINTER);
    CHECK_STATUS(lk_activate_user(client, "alice", NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_activate_user(client, "\xff", "secret"), LK_INVALID_UTF8);
    CHECK_STATUS(lk_activate_user(client, "", "secret"), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_activate_user(client, "alice", ""), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_activate_user(client, "nobody-by-this-name", "not the password"), LK_INVALID_CREDENTIALS);
    CHECK_STATUS(lk_last_error_message(detail, sizeof detail, NULL), LK_OK);
    CHECK_MSG(strstr(detail, "invalid username or password") != NULL, "%s", detail);
    CHECK_MSG(strstr(detail, "not the password") == NULL, "the password is never echoed: %s", detail);
    CHECK_STATUS(lk_license_status(client), LK_NOT_ACTIVATED);
    lk_client_free(client);
    remove_tree(dir);
    free(dir);
}

/* A client built with another vendor's key: the server refuses before it records anything,
 * and the message names the server's key ID and the trusted ones. */
static void test_untrusted_server(void) {
    char *dir = make_temp_dir("untrusted");
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    char detail[512];
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"),
                 LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    CHECK_STATUS(lk_config_set_server_url(cfg, server_url), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    CHECK_STATUS(lk_activate(client, license_code), LK_UNKNOWN_KEY);
    CHECK_STATUS(lk_last_error_message(detail, sizeof detail, NULL), LK_OK);
    CHECK_MSG(strstr(detail, "trusts") != NULL, "the message names the keys: %s", detail);
    CHECK_STATUS(lk_start_trial(client), LK_UNKNOWN_KEY);
    CHECK_STATUS(lk_license_status(client), LK_NOT_ACTIVATED);
    lk_client_free(client);
    remove_tree(dir);
    free(dir);
}

int main(void) {
    server_url = getenv("LK_TEST_SERVER_URL");
    public_key = getenv("LK_TEST_PUBLIC_KEY");
    product = getenv("LK_TEST_PRODUCT");
    license_code = getenv("LK_TEST_LICENSE_CODE");
    REQUIRE(server_url && public_key && product && license_code);
    test_config_setters();
    test_null_clients();
    test_online_flow();
    test_unreachable_server();
    test_without_server_url();
    test_untrusted_server();
    test_lan_arguments();
    test_events();
    test_named_user();
    return check_done();
}
