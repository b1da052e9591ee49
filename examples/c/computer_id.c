/* Prints licensekit's version, this computer's ID for a product, and the system details.
 *
 *   cc -std=c99 -Iinclude examples/c/computer_id.c -Ltarget/release -llicensekit \
 *      -Wl,-rpath,"$PWD/target/release" -o computer_id
 *   ./computer_id 6872450105
 *
 * Shows the string convention of the C API: call once with (NULL, 0, &needed) to learn the
 * size (LK_BUFFER_TOO_SMALL), allocate `needed` bytes, call again. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "licensekit.h"

/* Prints why a call failed: the status name and this thread's detailed message. */
static void report(const char *what, lk_status status) {
    char detail[256];
    if (lk_last_error_message(detail, sizeof detail, NULL) != LK_OK) {
        detail[0] = '\0';
    }
    fprintf(stderr, "%s failed: %s (%s)\n", what, lk_status_name(status), detail);
}

int main(int argc, char **argv) {
    const char *product_id;
    char id[21]; /* 20 characters and a NUL always suffice for a computer ID */
    char *details;
    size_t needed = 0;
    lk_status status;

    if (argc != 2) {
        fprintf(stderr, "usage: %s PRODUCT_ID\n", argv[0]);
        return 2;
    }
    product_id = argv[1];

    printf("licensekit %s\n", lk_version());
    if (strcmp(lk_version(), LK_VERSION) != 0) {
        fprintf(stderr, "warning: compiled against the header of licensekit %s\n", LK_VERSION);
    }

    status = lk_computer_id(product_id, id, sizeof id, NULL);
    if (status != LK_OK) {
        report("lk_computer_id", status);
        return 1;
    }
    printf("computer ID for %s: %s\n", product_id, id);

    /* The size query, then the real call. */
    status = lk_system_details_json(NULL, 0, &needed);
    if (status != LK_BUFFER_TOO_SMALL) {
        report("lk_system_details_json", status);
        return 1;
    }
    details = malloc(needed);
    if (details == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    status = lk_system_details_json(details, needed, &needed);
    if (status != LK_OK) {
        report("lk_system_details_json", status);
        free(details);
        return 1;
    }
    printf("system details: %s\n", details);
    free(details);
    return 0;
}
