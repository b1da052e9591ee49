/* The C side of the bindings' feature-check figure: the cost of one lk_feature_enabled call,
 * measured from C on a store a binding's test has just activated, so each binding's own
 * figure has the C call beside it in the same run.
 *
 *   feature_check PRODUCT_ID PUBLIC_KEY STORE_DIR FEATURE [CALLS]
 *
 * Prints "c_feature_enabled_ns <ns per call>"; exits 1 when the feature is not enabled (the
 * figure would then time a refusal, not a check). */
#include <stdio.h>
#include <stdlib.h>
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
    long calls = argc > 5 ? atol(argv[5]) : 1000000;
    long i, granted = 0;
    double started;
    if (argc < 5 || calls < 1) {
        fprintf(stderr, "usage: %s PRODUCT_ID PUBLIC_KEY STORE_DIR FEATURE [CALLS]\n", argv[0]);
        return 2;
    }
    if (lk_config_new(argv[1], &cfg) != LK_OK || lk_config_add_public_key(cfg, argv[2]) != LK_OK ||
        lk_config_set_store_dir(cfg, argv[3]) != LK_OK || lk_client_new(cfg, &client) != LK_OK) {
        fprintf(stderr, "feature_check: cannot open the client\n");
        return 1;
    }
    lk_config_free(cfg);
    if (lk_feature_enabled(client, argv[4]) != LK_OK) {
        fprintf(stderr, "feature_check: %s is not enabled\n", argv[4]);
        return 1;
    }
    started = now_ns();
    for (i = 0; i < calls; i++) granted += lk_feature_enabled(client, argv[4]) == LK_OK;
    printf("c_feature_enabled_ns %.1f\n", (now_ns() - started) / (double)calls);
    lk_client_free(client);
    return granted == calls ? 0 : 1;
}
