/* See posix_compat.h. */
#include "posix_compat.h"

#include <errno.h>
#include <stdio.h>
#include <windows.h>

char *lk_compat_mkdtemp(char *templ) {
    size_t n = strlen(templ), i;
    int attempt;
    if (n < 6 || strcmp(templ + n - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return NULL;
    }
    for (attempt = 0; attempt < 100; attempt++) {
        unsigned long long r = ((unsigned long long)GetTickCount64() << 20) ^
                               ((unsigned long long)GetCurrentProcessId() << 8) ^
                               (unsigned long long)(attempt * 7919);
        for (i = 0; i < 6; i++) {
            templ[n - 6 + i] = "abcdefghijklmnopqrstuvwxyz0123456789"[r % 36];
            r /= 36;
        }
        if (_mkdir(templ) == 0) {
            return templ;
        }
        if (errno != EEXIST) {
            return NULL;
        }
    }
    return NULL;
}

int lk_compat_setenv(const char *name, const char *value, int overwrite) {
    if (!overwrite && getenv(name) != NULL) {
        return 0;
    }
    return _putenv_s(name, value) == 0 ? 0 : -1;
}

int lk_compat_unsetenv(const char *name) {
    /* An empty value removes the variable from the CRT's environment. */
    return _putenv_s(name, "") == 0 ? 0 : -1;
}

char *lk_compat_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = (char *)malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}
