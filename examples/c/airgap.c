/* An end-user helper for machines that never see the internet: writes an activation request
 * file, imports the certificate (or passive license) file the vendor sends back, prints the
 * license status, and gives the seat back with a deactivation certificate file.
 *
 *   airgap PRODUCT PUBLIC_KEY STORE_DIR request CODE FILE    write an activation request
 *   airgap PRODUCT PUBLIC_KEY STORE_DIR import FILE          import a certificate or passive license
 *   airgap PRODUCT PUBLIC_KEY STORE_DIR status               print the license status
 *   airgap PRODUCT PUBLIC_KEY STORE_DIR deactivate FILE      write a deactivation certificate
 *
 * Exits 0 on success, 1 with the reason on stderr otherwise. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "licensekit.h"

static int fail(const char *what, lk_status status) {
    char detail[512];
    lk_last_error_message(detail, sizeof detail, NULL);
    fprintf(stderr, "%s: %s (%s)\n", what, lk_status_name(status), detail);
    return 1;
}

/* Calls a string-out function twice: once for the size, once for the text. */
typedef lk_status (*text_fn)(lk_client *client, const char *arg, char *buf, size_t len, size_t *needed);

static lk_status request_fn(lk_client *client, const char *code, char *buf, size_t len, size_t *needed) {
    return lk_offline_activation_request(client, code, buf, len, needed);
}

static lk_status deactivation_fn(lk_client *client, const char *unused, char *buf, size_t len, size_t *needed) {
    (void)unused;
    return lk_offline_deactivation_certificate(client, buf, len, needed);
}

static int write_text(lk_client *client, text_fn fn, const char *arg, const char *path) {
    size_t needed = 0;
    char *text;
    FILE *f;
    lk_status st = fn(client, arg, NULL, 0, &needed);
    if (st != LK_BUFFER_TOO_SMALL) return fail("size query", st);
    text = malloc(needed);
    if (!text) return fail("out of memory", LK_INTERNAL);
    st = fn(client, arg, text, needed, NULL);
    if (st != LK_OK) {
        free(text);
        return fail("writing", st);
    }
    f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        free(text);
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    free(text);
    printf("wrote %s\n", path);
    return 0;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "r");
    char *text;
    long len;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        if (f) fclose(f);
        return NULL;
    }
    text = malloc((size_t)len + 1);
    if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
        free(text);
        text = NULL;
    }
    if (text) text[len] = '\0';
    fclose(f);
    return text;
}

int main(int argc, char **argv) {
    lk_config *cfg = NULL;
    lk_client *client = NULL;
    lk_status st;
    int rc = 0;
    if (argc < 5) {
        fprintf(stderr, "usage: %s PRODUCT PUBLIC_KEY STORE_DIR request CODE FILE | import FILE | status | deactivate FILE\n",
                argv[0]);
        return 2;
    }
    if ((st = lk_config_new(argv[1], &cfg)) != LK_OK) return fail("product", st);
    if ((st = lk_config_add_public_key(cfg, argv[2])) != LK_OK ||
        (st = lk_config_set_store_dir(cfg, argv[3])) != LK_OK ||
        (st = lk_client_new(cfg, &client)) != LK_OK) {
        lk_config_free(cfg);
        return fail("setup", st);
    }
    lk_config_free(cfg);

    if (strcmp(argv[4], "request") == 0 && argc == 7) {
        rc = write_text(client, request_fn, argv[5], argv[6]);
    } else if (strcmp(argv[4], "deactivate") == 0 && argc == 6) {
        rc = write_text(client, deactivation_fn, NULL, argv[5]);
    } else if (strcmp(argv[4], "import") == 0 && argc == 6) {
        char *text = read_text(argv[5]);
        if (!text) {
            fprintf(stderr, "cannot read %s\n", argv[5]);
            rc = 1;
        } else {
            st = lk_import_certificate(client, text);
            rc = st == LK_OK ? (printf("imported %s\n", argv[5]), 0) : fail("import", st);
            free(text);
        }
    } else if (strcmp(argv[4], "status") == 0 && argc == 5) {
        st = lk_license_status(client);
        printf("status: %s (%s)\n", lk_status_name(st), lk_status_message(st));
    } else {
        fprintf(stderr, "unknown command\n");
        rc = 2;
    }
    lk_client_free(client);
    return rc;
}
