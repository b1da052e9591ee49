/* The licensed application of the dashboard's browser test: activates a code online, or
 * refreshes the license it holds, and prints the license status after, so the test can watch
 * a change made in the dashboard (a disabled code) reach the client.
 *
 *   client URL PUBLIC_KEY PRODUCT STORE_DIR activate CODE
 *   client URL PUBLIC_KEY PRODUCT STORE_DIR refresh
 *
 * Prints `call: NAME` (the call's status) and `status: NAME` (lk_license_status after it).
 * Exits 0 when the call returned, 2 on bad arguments or a client that cannot be made. */

#include <stdio.h>
#include <string.h>

#include "licensekit.h"

int main(int argc, char **argv) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    lk_status st;
    if (argc < 6 || (strcmp(argv[5], "activate") == 0 && argc != 7) ||
        (strcmp(argv[5], "refresh") == 0 && argc != 6)) {
        fprintf(stderr, "usage: %s URL PUBLIC_KEY PRODUCT STORE_DIR activate CODE | refresh\n", argv[0]);
        return 2;
    }
    if (lk_config_new(argv[3], &cfg) != LK_OK || lk_config_add_public_key(cfg, argv[2]) != LK_OK ||
        lk_config_set_server_url(cfg, argv[1]) != LK_OK || lk_config_set_store_dir(cfg, argv[4]) != LK_OK ||
        lk_config_set_timeout_ms(cfg, 10000) != LK_OK || lk_client_new(cfg, &client) != LK_OK) {
        fprintf(stderr, "cannot make the client\n");
        lk_config_free(cfg);
        return 2;
    }
    lk_config_free(cfg);
    if (strcmp(argv[5], "activate") == 0) {
        st = lk_activate(client, argv[6]);
    } else if (strcmp(argv[5], "refresh") == 0) {
        st = lk_refresh(client);
    } else {
        fprintf(stderr, "unknown command %s\n", argv[5]);
        lk_client_free(client);
        return 2;
    }
    printf("call: %s\n", lk_status_name(st));
    printf("status: %s\n", lk_status_name(lk_license_status(client)));
    lk_client_free(client);
    return 0;
}
