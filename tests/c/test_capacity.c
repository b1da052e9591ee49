/* Shared capacity from C against a real licensekit-server: the argument checks of every
 * capacity function, what they say without a license or a seat, and the server's accounting
 * under a race: 64 clients (64 computers) for 10 floating seats with some "crashing" while
 * they hold one, 1,000 pool elements and the code's tokens drawn one at a time, and 4 cloud
 * sessions. The totals must match the limits exactly.
 *
 * Uses LK_TEST_PUBLIC_KEY, LK_TEST_PRODUCT, LK_TEST_SERVER_URL and LK_TEST_CAPACITY_CODE
 * (10 SOLVER seats, 1000 MESH elements, 1000 RENDER tokens, 4 concurrent processes). */

#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>

#include "check.h"

#define CLIENTS 64

static const char *public_key, *product, *url, *capacity_code;

struct racer {
    int index;
    char *dir;
    lk_client *client;
    int crashed;
    lk_status seat, session;
    unsigned long elements, tokens;
    uint64_t last_remaining;
};

static lk_client *new_client(const char *dir) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, public_key), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    CHECK_STATUS(lk_config_set_server_url(cfg, url), LK_OK);
    CHECK_STATUS(lk_config_set_timeout_ms(cfg, 60000), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    return client;
}

static void *prepare(void *arg) {
    struct racer *r = (struct racer *)arg;
    r->dir = make_temp_dir("racer");
    r->client = new_client(r->dir);
    CHECK_STATUS(lk_activate(r->client, capacity_code), LK_OK);
    return NULL;
}

static void *race_for_seats(void *arg) {
    struct racer *r = (struct racer *)arg;
    r->seat = lk_floating_checkout(r->client, "SOLVER");
    if (r->seat == LK_OK && r->index % 4 == 0) {
        /* A crash while holding the seat: no check-in, no heartbeats any more. */
        lk_client_free(r->client);
        r->client = NULL;
        r->crashed = 1;
    }
    return NULL;
}

static void *draw_down(void *arg) {
    struct racer *r = (struct racer *)arg;
    lk_status st;
    while ((st = lk_pool_checkout(r->client, "MESH", 1)) == LK_OK) r->elements++;
    CHECK_STATUS(st, LK_POOL_EXHAUSTED);
    while ((st = lk_consume_tokens(r->client, "RENDER", 1, &r->last_remaining)) == LK_OK) r->tokens++;
    CHECK_STATUS(st, LK_TOKENS_EXHAUSTED);
    r->session = lk_session_open(r->client);
    return NULL;
}

static void run_all(struct racer *racers, void *(*fn)(void *), int skip_crashed) {
    pthread_t threads[CLIENTS];
    int i;
    for (i = 0; i < CLIENTS; i++) {
        if (!(skip_crashed && racers[i].crashed)) pthread_create(&threads[i], NULL, fn, &racers[i]);
    }
    for (i = 0; i < CLIENTS; i++) {
        if (!(skip_crashed && racers[i].crashed)) pthread_join(threads[i], NULL);
    }
}

static void test_race(void) {
    static struct racer racers[CLIENTS];
    int i, seats = 0, crashed = 0, exhausted = 0, sessions = 0, limited = 0;
    unsigned long elements = 0, tokens = 0;
    uint64_t tokens_left = 0;
    for (i = 0; i < CLIENTS; i++) racers[i].index = i;
    run_all(racers, prepare, 0);
    /* Other programs may have spent some of the code's tokens already: learn what is left. */
    CHECK_STATUS(lk_consume_tokens(racers[1].client, "RENDER", 1, &tokens_left), LK_OK);

    run_all(racers, race_for_seats, 0);
    for (i = 0; i < CLIENTS; i++) {
        seats += racers[i].seat == LK_OK;
        crashed += racers[i].crashed;
        exhausted += racers[i].seat == LK_SEATS_EXHAUSTED;
    }
    CHECK_MSG(seats == 10, "%d seats granted for 10", seats);
    CHECK_MSG(exhausted == CLIENTS - 10, "%d refused with LK_SEATS_EXHAUSTED", exhausted);
    /* The survivors give their seats back; exactly that many can be taken again, the crashed
     * ones' seats stay taken until their leases end. */
    for (i = 0; i < CLIENTS; i++) {
        if (racers[i].seat == LK_OK && !racers[i].crashed) {
            CHECK_STATUS(lk_feature_enabled(racers[i].client, "SOLVER"), LK_OK);
            CHECK_STATUS(lk_floating_checkin(racers[i].client, "SOLVER"), LK_OK);
            CHECK_STATUS(lk_feature_enabled(racers[i].client, "SOLVER"), LK_NO_SEAT);
        }
        racers[i].seat = LK_INTERNAL;
    }
    run_all(racers, race_for_seats, 1);
    seats = 0;
    for (i = 0; i < CLIENTS; i++) seats += racers[i].seat == LK_OK; /* crashed in round 1: LK_INTERNAL */
    CHECK_MSG(seats == 10 - crashed, "second round: %d seats for the %d given back", seats, 10 - crashed);
    crashed = 0;
    for (i = 0; i < CLIENTS; i++) crashed += racers[i].crashed;

    run_all(racers, draw_down, 1);
    for (i = 0; i < CLIENTS; i++) {
        if (racers[i].crashed) continue;
        elements += racers[i].elements;
        tokens += racers[i].tokens;
        sessions += racers[i].session == LK_OK;
        limited += racers[i].session == LK_CONCURRENCY_LIMIT;
    }
    CHECK_MSG(elements == 1000, "%lu elements drawn from a pool of 1000", elements);
    CHECK_MSG(tokens == tokens_left, "%lu tokens spent of the %lu left", tokens, (unsigned long)tokens_left);
    CHECK_MSG(sessions == 4, "%d sessions open for 4 processes", sessions);
    CHECK_MSG(sessions + limited + crashed == CLIENTS, "%d refused with LK_CONCURRENCY_LIMIT", limited);
    for (i = 0; i < CLIENTS; i++) {
        if (racers[i].crashed) continue;
        if (racers[i].session == LK_OK) CHECK_STATUS(lk_session_close(racers[i].client), LK_OK);
        if (racers[i].elements) CHECK_STATUS(lk_pool_checkin(racers[i].client, "MESH", (uint32_t)racers[i].elements), LK_OK);
        lk_client_free(racers[i].client);
    }
    for (i = 0; i < CLIENTS; i++) {
        remove_tree(racers[i].dir);
        free(racers[i].dir);
    }
}

static void test_arguments(void) {
    char *dir = make_temp_dir("capacity");
    lk_client *client = new_client(dir);
    uint64_t remaining = 7;

    /* NULL handles and strings. */
    CHECK_STATUS(lk_floating_checkout(NULL, "SOLVER"), LK_NULL_POINTER);
    CHECK_STATUS(lk_floating_checkout(client, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_floating_checkout(client, "\xff"), LK_INVALID_UTF8);
    CHECK_STATUS(lk_floating_checkout_long_term(NULL, "SOLVER", 3), LK_NULL_POINTER);
    CHECK_STATUS(lk_floating_checkout_long_term(client, NULL, 3), LK_NULL_POINTER);
    CHECK_STATUS(lk_floating_checkin(NULL, "SOLVER"), LK_NULL_POINTER);
    CHECK_STATUS(lk_floating_checkin(client, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_pool_checkout(NULL, "MESH", 1), LK_NULL_POINTER);
    CHECK_STATUS(lk_pool_checkout(client, NULL, 1), LK_NULL_POINTER);
    CHECK_STATUS(lk_pool_checkin(NULL, "MESH", 1), LK_NULL_POINTER);
    CHECK_STATUS(lk_pool_checkin(client, NULL, 1), LK_NULL_POINTER);
    CHECK_STATUS(lk_consume_tokens(NULL, "RENDER", 1, &remaining), LK_NULL_POINTER);
    CHECK_STATUS(lk_consume_tokens(client, NULL, 1, &remaining), LK_NULL_POINTER);
    CHECK_STATUS(lk_consume_tokens(client, "RENDER", 1, NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_session_open(NULL), LK_NULL_POINTER);
    CHECK_STATUS(lk_session_close(NULL), LK_NULL_POINTER);

    /* Zero amounts and days are refused before anything else. */
    CHECK_STATUS(lk_pool_checkout(client, "MESH", 0), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_pool_checkin(client, "MESH", 0), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_consume_tokens(client, "RENDER", 0, &remaining), LK_INVALID_ARGUMENT);
    CHECK_STATUS(lk_floating_checkout_long_term(client, "SOLVER", 0), LK_INVALID_ARGUMENT);

    /* Nothing is held and there is no license to draw on. */
    CHECK_STATUS(lk_floating_checkout(client, "SOLVER"), LK_NOT_ACTIVATED);
    CHECK_STATUS(lk_pool_checkout(client, "MESH", 5), LK_NOT_ACTIVATED);
    CHECK_STATUS(lk_consume_tokens(client, "RENDER", 5, &remaining), LK_NOT_ACTIVATED);
    CHECK(remaining == 7);
    CHECK_STATUS(lk_floating_checkin(client, "SOLVER"), LK_NO_SEAT);
    CHECK_STATUS(lk_session_open(client), LK_NO_LICENSE);
    CHECK_STATUS(lk_session_close(client), LK_NO_SEAT);
    CHECK_STATUS(lk_feature_enabled(client, "SOLVER"), LK_NOT_ACTIVATED);

    lk_client_free(client);
    remove_tree(dir);
    free(dir);
}

int main(void) {
    public_key = getenv("LK_TEST_PUBLIC_KEY");
    product = getenv("LK_TEST_PRODUCT");
    url = getenv("LK_TEST_SERVER_URL");
    capacity_code = getenv("LK_TEST_CAPACITY_CODE");
    REQUIRE(public_key && product && url && capacity_code);
    test_arguments();
    test_race();
    return check_done();
}
