/* Shared capacity from C: the argument checks of every capacity function, and what they say
 * without a license or a seat. */

#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "check.h"

int main(void) {
    const char *public_key = getenv("LK_TEST_PUBLIC_KEY");
    const char *product = getenv("LK_TEST_PRODUCT");
    const char *url = getenv("LK_TEST_SERVER_URL");
    char *dir;
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    uint64_t remaining = 7;
    REQUIRE(public_key && product && url);
    dir = make_temp_dir("capacity");
    REQUIRE(lk_config_new(product, &cfg) == LK_OK);
    CHECK_STATUS(lk_config_add_public_key(cfg, public_key), LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    CHECK_STATUS(lk_config_set_server_url(cfg, url), LK_OK);
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);

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
    CHECK_STATUS(lk_floating_checkin(client, "SOLVER"), LK_SEAT_LOST);
    CHECK_STATUS(lk_session_open(client), LK_NO_LICENSE);
    CHECK_STATUS(lk_session_close(client), LK_SEAT_LOST);
    CHECK_STATUS(lk_feature_enabled(client, "SOLVER"), LK_NOT_ACTIVATED);

    lk_client_free(client);
    remove_tree(dir);
    free(dir);
    return check_done();
}
