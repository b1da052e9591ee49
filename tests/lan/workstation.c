/* A workstation of tests/lan/netns.sh: takes a network seat from the LAN daemon that
 * LICENSEKIT_LAN_SERVER names, through the C API, and checks the status it gets.
 *
 *   workstation PRODUCT PUBLIC_KEY STORE_DIR EXPECTED_STATUS [HOLD_SECONDS]
 *
 * With LK_OK expected and HOLD_SECONDS, holds the seat that long (printing "held" once it
 * has it), checking the license every second, then gives it back. Exits 0 when all went as
 * expected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "licensekit.h"

static int fail(const char *what, lk_status status) {
    char detail[512] = "";
    lk_last_error_message(detail, sizeof detail, NULL);
    fprintf(stderr, "workstation: %s: %s (%s)\n", what, lk_status_name(status), detail);
    return 1;
}

int main(int argc, char **argv) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    lk_status status;
    int hold, i, result = 0;
    if (argc < 5) {
        fprintf(stderr, "usage: workstation PRODUCT PUBLIC_KEY STORE_DIR EXPECTED_STATUS [HOLD_SECONDS]\n");
        return 2;
    }
    hold = argc > 5 ? atoi(argv[5]) : 0;
    if ((status = lk_config_new(argv[1], &cfg)) != LK_OK) return fail("config", status);
    if ((status = lk_config_add_public_key(cfg, argv[2])) != LK_OK) return fail("public key", status);
    if ((status = lk_config_set_store_dir(cfg, argv[3])) != LK_OK) return fail("store", status);
    if ((status = lk_client_new(cfg, &client)) != LK_OK) return fail("client", status);
    lk_config_free(cfg);
    status = lk_activate_lan(client);
    printf("%s\n", lk_status_name(status));
    fflush(stdout);
    if (strcmp(lk_status_name(status), argv[4]) != 0) {
        result = fail("lk_activate_lan", status);
    } else if (status == LK_OK && hold > 0) {
        if ((status = lk_feature_enabled(client, "EXPORT")) != LK_OK) result = fail("EXPORT", status);
        printf("held\n");
        fflush(stdout);
        for (i = 0; i < hold && result == 0; i++) {
            sleep(1);
            if ((status = lk_license_status(client)) != LK_OK) result = fail("while holding", status);
        }
        if (result == 0 && (status = lk_deactivate(client)) != LK_OK) result = fail("lk_deactivate", status);
        if (result == 0) printf("given back\n");
    }
    lk_client_free(client);
    return result;
}
