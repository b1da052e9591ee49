/* The C side of the bindings' feature_enabled measurement (tests/bindings/run.sh): opens the
 * store a binding has just activated and times lk_feature_enabled the same way the binding's
 * bench does, so the two figures come from one run on one machine.
 *
 *   feature_bench PRODUCT PUBLIC_KEY STORE_DIR FEATURE
 *
 * Prints `c feature_enabled: N ns/call` (the best of 5 rounds of 200000 calls). */

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include "licensekit.h"

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    lk_status st;
    double best = 0;
    int round;
    long i;
    const long calls = 200000;
    if (argc != 5) {
        fprintf(stderr, "usage: feature_bench PRODUCT PUBLIC_KEY STORE_DIR FEATURE\n");
        return 2;
    }
    if ((st = lk_config_new(argv[1], &cfg)) != LK_OK || (st = lk_config_add_public_key(cfg, argv[2])) != LK_OK ||
        (st = lk_config_set_store_dir(cfg, argv[3])) != LK_OK || (st = lk_client_new(cfg, &client)) != LK_OK) {
        fprintf(stderr, "feature_bench: %s\n", lk_status_name(st));
        return 1;
    }
    lk_config_free(cfg);
    if ((st = lk_feature_enabled(client, argv[4])) != LK_OK) {
        fprintf(stderr, "feature_bench: %s is not enabled in %s: %s\n", argv[4], argv[3], lk_status_name(st));
        return 1;
    }
    for (round = 0; round < 5; round++) {
        double start = now_ns(), per_call;
        for (i = 0; i < calls; i++) {
            if (lk_feature_enabled(client, argv[4]) != LK_OK) return 1;
        }
        per_call = (now_ns() - start) / (double)calls;
        if (round == 0 || per_call < best) best = per_call;
    }
    printf("c feature_enabled: %.1f ns/call\n", best);
    lk_client_free(client);
    return 0;
}
