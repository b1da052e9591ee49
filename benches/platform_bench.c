/* Start-up figures of one process, portable between Linux and Windows, so that
 * scripts/bench-windows compares the two in the same run:
 *
 *   platform_bench id PRODUCT       the first lk_computer_id of a fresh process (µs)
 *   platform_bench activate DIR     activates into store DIR (LK_TEST_* from test-server.sh)
 *   platform_bench cold DIR         lk_client_new with the stored lease + the first
 *                                   lk_feature_enabled (µs), then ns per lk_feature_enabled
 *
 * Prints `name value` lines. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif
#include "licensekit.h"

static double now_us(void) {
#ifdef _WIN32
    LARGE_INTEGER t, f;
    QueryPerformanceCounter(&t);
    QueryPerformanceFrequency(&f);
    return (double)t.QuadPart * 1e6 / (double)f.QuadPart;
#else
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
#endif
}

static const char *env(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s is not set\n", name);
        exit(2);
    }
    return v;
}

static void check(const char *what, lk_status st) {
    if (st != LK_OK) {
        fprintf(stderr, "%s: %s\n", what, lk_status_name(st));
        exit(1);
    }
}

static lk_client *new_client(const char *dir) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    check("lk_config_new", lk_config_new(env("LK_TEST_PRODUCT"), &cfg));
    check("lk_config_add_public_key", lk_config_add_public_key(cfg, env("LK_TEST_PUBLIC_KEY")));
    check("lk_config_set_store_dir", lk_config_set_store_dir(cfg, dir));
    check("lk_config_set_server_url", lk_config_set_server_url(cfg, env("LK_TEST_SERVER_URL")));
    lk_status st = lk_client_new(cfg, &client);
    lk_config_free(cfg);
    check("lk_client_new", st);
    return client;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: platform_bench id PRODUCT | activate DIR | cold DIR\n");
        return 2;
    }
    if (strcmp(argv[1], "id") == 0) {
        char id[64];
        double t0 = now_us();
        check("lk_computer_id", lk_computer_id(argv[2], id, sizeof id, NULL));
        printf("computer_id_us %.1f\n", now_us() - t0);
    } else if (strcmp(argv[1], "activate") == 0) {
        lk_client *client = new_client(argv[2]);
        check("lk_activate", lk_activate(client, env("LK_TEST_LICENSE_CODE")));
        lk_client_free(client);
    } else if (strcmp(argv[1], "cold") == 0) {
        double t0 = now_us();
        lk_client *client = new_client(argv[2]);
        check("lk_feature_enabled", lk_feature_enabled(client, "EXPORT"));
        printf("cold_start_us %.1f\n", now_us() - t0);
        enum { CALLS = 200000 };
        unsigned failures = 0;
        t0 = now_us();
        for (int i = 0; i < CALLS; i++) failures += lk_feature_enabled(client, "EXPORT") != LK_OK;
        printf("feature_enabled_ns %.1f\n", (now_us() - t0) * 1e3 / CALLS);
        lk_client_free(client);
        if (failures) return 1;
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    return 0;
}
