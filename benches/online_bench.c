/* Online benchmarks from C, against a real licensekit-server on loopback prepared by
 * scripts/bench (LK_TEST_SERVER_URL, LK_TEST_PUBLIC_KEY, LK_TEST_PRODUCT, LK_TEST_LICENSE_CODE):
 *
 *   - lk_feature_enabled on an active license from 1, 2, 4 and 8 threads at once (ns per call);
 *   - cold start: lk_client_new with a stored lease (load, verify, computer ID match);
 *   - activation and refresh round trips (p50, p99);
 *   - server activations per second with 16 clients activating at once.
 *
 * Prints `name value` lines that scripts/bench collects. */

#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "licensekit.h"

static const char *url, *key, *product, *code;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, size_t n, double p) {
    qsort(v, n, sizeof *v, cmp_double);
    return v[(size_t)(p * (double)(n - 1))];
}

static void fail(const char *what, lk_status st) {
    fprintf(stderr, "%s: %s\n", what, lk_status_name(st));
    exit(1);
}

static lk_client *new_client(const char *dir) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    lk_status st;
    if ((st = lk_config_new(product, &cfg)) != LK_OK) fail("lk_config_new", st);
    lk_config_add_public_key(cfg, key);
    lk_config_set_store_dir(cfg, dir);
    lk_config_set_server_url(cfg, url);
    st = lk_client_new(cfg, &client);
    lk_config_free(cfg);
    if (st != LK_OK) fail("lk_client_new", st);
    return client;
}

/* A fresh directory under $TMPDIR (scripts/bench points it at a directory it removes). */
static char *temp_dir(void) {
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *dir = malloc(strlen(base) + 32);
    sprintf(dir, "%s/lk-bench.XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    return dir;
}

/* ---- feature checks ------------------------------------------------------------------ */

#define CHECKS 2000000

struct checker {
    lk_client *client;
    double ns_per_call;
    unsigned long failures;
};

static void *check_features(void *arg) {
    struct checker *c = (struct checker *)arg;
    double start = now_ns();
    unsigned long i, failures = 0;
    for (i = 0; i < CHECKS; i++) failures += lk_feature_enabled(c->client, "EXPORT") != LK_OK;
    c->ns_per_call = (now_ns() - start) / CHECKS;
    c->failures = failures;
    return NULL;
}

static void bench_feature_checks(lk_client *client) {
    static const int counts[] = {1, 2, 4, 8};
    size_t k;
    for (k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        pthread_t threads[8];
        struct checker checkers[8];
        double per_call[8];
        int i, n = counts[k];
        for (i = 0; i < n; i++) {
            checkers[i].client = client;
            pthread_create(&threads[i], NULL, check_features, &checkers[i]);
        }
        for (i = 0; i < n; i++) {
            pthread_join(threads[i], NULL);
            if (checkers[i].failures) fail("lk_feature_enabled", LK_FEATURE_NOT_ENABLED);
            per_call[i] = checkers[i].ns_per_call;
        }
        /* Wall time per call as each thread sees it, and the processor time per call (threads
         * beyond the cores share them): the second stays flat unless threads contend. */
        {
            long cores = sysconf(_SC_NPROCESSORS_ONLN);
            double median = percentile(per_call, (size_t)n, 0.5);
            double busy = (double)(n < cores ? n : cores);
            printf("feature_enabled_ns_%dthreads %.1f\n", n, median);
            printf("feature_enabled_cpu_ns_%dthreads %.1f\n", n, median * busy / (double)n);
        }
    }
}

/* ---- cold start ---------------------------------------------------------------------- */

static void bench_cold_start(const char *dir) {
    double t[100];
    int i;
    for (i = 0; i < 100; i++) {
        double start = now_ns();
        lk_client *client = new_client(dir);
        t[i] = (now_ns() - start) / 1e3;
        if (lk_license_status(client) != LK_OK) fail("cold start status", lk_license_status(client));
        lk_client_free(client);
    }
    printf("client_new_with_lease_us_p50 %.1f\n", percentile(t, 100, 0.5));
    printf("client_new_with_lease_us_p99 %.1f\n", percentile(t, 100, 0.99));
}

/* ---- round trips --------------------------------------------------------------------- */

static void bench_round_trips(lk_client *client) {
    enum { N = 200 };
    double activate[N], refresh[N];
    int i;
    lk_status st;
    for (i = 0; i < N; i++) {
        double start = now_ns();
        if ((st = lk_activate(client, code)) != LK_OK) fail("lk_activate", st);
        activate[i] = (now_ns() - start) / 1e6;
        start = now_ns();
        if ((st = lk_refresh(client)) != LK_OK) fail("lk_refresh", st);
        refresh[i] = (now_ns() - start) / 1e6;
    }
    printf("activate_ms_p50 %.2f\nactivate_ms_p99 %.2f\n", percentile(activate, N, 0.5),
           percentile(activate, N, 0.99));
    printf("refresh_ms_p50 %.2f\nrefresh_ms_p99 %.2f\n", percentile(refresh, N, 0.5),
           percentile(refresh, N, 0.99));
}

/* ---- usage events -------------------------------------------------------------------- */

/* What lk_track_event costs the calling thread (the queue append), and how many queued
 * events per second reach the server. */
static void bench_events(lk_client *client) {
    enum { N = 20000 };
    static double t[N];
    const char *payload = "{\"document\":\"drawing-0042.dwg\",\"pages\":12,\"format\":\"pdf\"}";
    uint64_t sent = 0, total = 0;
    double start;
    lk_status st;
    int i;
    for (i = 0; i < N; i++) {
        double begin = now_ns();
        if ((st = lk_track_event(client, "export", payload)) != LK_OK) fail("lk_track_event", st);
        t[i] = (now_ns() - begin) / 1e3;
    }
    printf("track_event_us_p50 %.2f\ntrack_event_us_p99 %.2f\n", percentile(t, N, 0.5), percentile(t, N, 0.99));
    start = now_ns();
    /* The background thread may take some batches meanwhile: flush until the queue is empty. */
    do {
        if ((st = lk_flush_events(client, &sent)) != LK_OK) fail("lk_flush_events", st);
        total += sent;
    } while (sent > 0);
    printf("events_delivered_per_s %.0f\n", (double)total / ((now_ns() - start) / 1e9));
}

/* ---- concurrent activations ---------------------------------------------------------- */

struct activator {
    lk_client *client;
    double until;
    unsigned long done, failed;
};

static void *activate_loop(void *arg) {
    struct activator *a = (struct activator *)arg;
    while (now_ns() < a->until) {
        if (lk_activate(a->client, code) == LK_OK) {
            a->done++;
        } else {
            a->failed++;
        }
    }
    return NULL;
}

static void bench_concurrent_activations(void) {
    enum { CLIENTS = 16 };
    pthread_t threads[CLIENTS];
    struct activator a[CLIENTS];
    char *dirs[CLIENTS];
    unsigned long done = 0, failed = 0;
    double start;
    int i;
    for (i = 0; i < CLIENTS; i++) {
        dirs[i] = temp_dir(); /* a store directory each: sixteen computers */
        a[i].client = new_client(dirs[i]);
        a[i].done = a[i].failed = 0;
    }
    start = now_ns();
    for (i = 0; i < CLIENTS; i++) {
        a[i].until = start + 5e9;
        pthread_create(&threads[i], NULL, activate_loop, &a[i]);
    }
    for (i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        done += a[i].done;
        failed += a[i].failed;
        lk_deactivate(a[i].client);
        lk_client_free(a[i].client);
        free(dirs[i]);
    }
    printf("activations_per_s_16_clients %.0f\n", (double)done / ((now_ns() - start) / 1e9));
    if (failed) fprintf(stderr, "%lu activations failed\n", failed);
}

int main(void) {
    char *dir;
    lk_client *client;
    lk_status st;
    url = getenv("LK_TEST_SERVER_URL");
    key = getenv("LK_TEST_PUBLIC_KEY");
    product = getenv("LK_TEST_PRODUCT");
    code = getenv("LK_TEST_LICENSE_CODE");
    if (!url || !key || !product || !code) {
        fprintf(stderr, "run through scripts/bench\n");
        return 2;
    }
    dir = temp_dir();
    client = new_client(dir);
    if ((st = lk_activate(client, code)) != LK_OK) fail("lk_activate", st);
    bench_feature_checks(client);
    bench_cold_start(dir);
    bench_round_trips(client);
    bench_events(client);
    lk_deactivate(client);
    lk_client_free(client);
    bench_concurrent_activations();
    free(dir);
    return 0;
}
