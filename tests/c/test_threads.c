/* Concurrency: one client used from several threads at once, concurrent first runs on one
 * store directory, and the thread-local last error. */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "licensekit.h"

#define TRUSTED_KEY "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
#define THREADS 8
#define ROUNDS 300

struct shared {
    const lk_client *client;
    const char *expected_id; /* the client's computer ID, read before the threads start */
    const char *store_dir;
    pthread_barrier_t *start;
};

struct worker {
    struct shared *shared;
    int index;
    char id[21];
};

/* Hammers one client; interleaves failures of its own and checks that the thread's last
 * error is always the one it caused, whatever the other threads do meanwhile. */
static void *use_one_client(void *arg) {
    struct worker *w = (struct worker *)arg;
    const struct shared *s = w->shared;
    int round;
    pthread_barrier_wait(s->start);
    for (round = 0; round < ROUNDS; round++) {
        char id[21], small[4];
        size_t needed = 0;
        memset(id, 'Z', sizeof id);
        id[sizeof id - 1] = '\0';
        CHECK_STATUS(lk_client_computer_id(s->client, id, sizeof id, &needed), LK_OK);
        CHECK(needed == 21);
        CHECK_STR_EQ(id, s->expected_id);

        memset(small, 'Z', sizeof small);
        needed = 0;
        CHECK_STATUS(lk_client_computer_id(s->client, small, sizeof small, &needed),
                     LK_BUFFER_TOO_SMALL);
        CHECK(needed == 21 && small[0] == 'Z' && small[3] == 'Z');
        CHECK_LAST_ERROR_IS(LK_BUFFER_TOO_SMALL, "buf_len");

        /* Each thread fails differently, then checks its own detail. */
        if ((w->index + round) % 2 == 0) {
            CHECK_STATUS(lk_config_new(NULL, NULL), LK_NULL_POINTER);
            CHECK_LAST_ERROR("a required pointer argument was NULL: out");
        } else {
            lk_config *cfg = NULL;
            CHECK_STATUS(lk_config_new("bad id", &cfg), LK_INVALID_PRODUCT_ID);
            CHECK(cfg == NULL);
            CHECK_LAST_ERROR_IS(LK_INVALID_PRODUCT_ID, "product_id");
        }
        if (round % 50 == 0) {
            char json[4096];
            CHECK_STATUS(lk_system_details_json(json, sizeof json, NULL), LK_OK);
            CHECK(json[0] == '{');
        }
    }
    return NULL;
}

/* Creates its own client on a shared, fresh store directory: concurrent first runs must
 * agree on one computer ID (one installation ID, one store file). */
static void *first_run(void *arg) {
    struct worker *w = (struct worker *)arg;
    const struct shared *s = w->shared;
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    CHECK_STATUS(lk_config_new("lk-c-race", &cfg), LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, TRUSTED_KEY), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, s->store_dir), LK_OK);
    pthread_barrier_wait(s->start);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    CHECK_STATUS(lk_client_computer_id(client, w->id, sizeof w->id, NULL), LK_OK);
    lk_client_free(client);
    return NULL;
}

/* lk_computer_id from several threads on a fresh per-user directory. */
static void *computer_id(void *arg) {
    struct worker *w = (struct worker *)arg;
    int round;
    pthread_barrier_wait(w->shared->start);
    for (round = 0; round < 20; round++) {
        char id[21];
        CHECK_STATUS(lk_computer_id("lk-c-race", id, sizeof id, NULL), LK_OK);
        if (round == 0) {
            memcpy(w->id, id, sizeof id);
        } else {
            CHECK_STR_EQ(id, w->id);
        }
    }
    return NULL;
}

static void run_workers(void *(*fn)(void *), struct shared *shared, struct worker *workers) {
    pthread_t threads[THREADS];
    pthread_barrier_t start;
    int i;
    REQUIRE(pthread_barrier_init(&start, NULL, THREADS) == 0);
    shared->start = &start;
    for (i = 0; i < THREADS; i++) {
        workers[i].shared = shared;
        workers[i].index = i;
        memset(workers[i].id, 0, sizeof workers[i].id);
        REQUIRE(pthread_create(&threads[i], NULL, fn, &workers[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }
    CHECK(pthread_barrier_destroy(&start) == 0);
    shared->start = NULL;
}

int main(void) {
    char *base = make_temp_dir("threads");
    char *xdg = path_join(base, "xdg");
    char *store = path_join(base, "store");
    char *race = path_join(base, "race");
    struct shared shared;
    struct worker workers[THREADS];
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    char id[21];
    int i;

    CHECK(setenv("XDG_DATA_HOME", xdg, 1) == 0);

    /* One client, many threads. */
    CHECK_STATUS(lk_config_new("lk-c-threads", &cfg), LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, TRUSTED_KEY), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, store), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    CHECK_STATUS(lk_client_computer_id(client, id, sizeof id, NULL), LK_OK);
    REQUIRE(is_computer_id(id));
    /* This thread's last error before the others start failing. */
    CHECK_STATUS(lk_client_computer_id(NULL, id, sizeof id, NULL), LK_NULL_POINTER);
    shared.client = client;
    shared.expected_id = id;
    shared.store_dir = NULL;
    run_workers(use_one_client, &shared, workers);
    CHECK_LAST_ERROR("a required pointer argument was NULL: client");
    lk_client_free(client);

    /* Concurrent first runs on one fresh store directory. */
    shared.client = NULL;
    shared.expected_id = NULL;
    shared.store_dir = race;
    run_workers(first_run, &shared, workers);
    for (i = 0; i < THREADS; i++) {
        CHECK_MSG(is_computer_id(workers[i].id), "thread %d: \"%s\"", i, workers[i].id);
        CHECK_MSG(strcmp(workers[i].id, workers[0].id) == 0,
                  "concurrent first runs disagree: %s vs %s", workers[i].id, workers[0].id);
    }

    /* Concurrent lk_computer_id on a fresh per-user directory. */
    run_workers(computer_id, &shared, workers);
    for (i = 0; i < THREADS; i++) {
        CHECK(is_computer_id(workers[i].id));
        CHECK_MSG(strcmp(workers[i].id, workers[0].id) == 0,
                  "concurrent lk_computer_id calls disagree: %s vs %s", workers[i].id,
                  workers[0].id);
    }

    CHECK(remove_tree(base) == 0);
    free(race);
    free(store);
    free(xdg);
    free(base);
    return check_done();
}
