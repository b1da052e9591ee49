/* Force-included (-include) when tests/windows/run.sh compiles the C tests of tests/c for
 * Windows with mingw-w64: the few POSIX calls those portable tests use, mapped onto the C
 * runtime. Test harness only; nothing here is part of licensekit. */
#ifndef LK_TESTS_POSIX_COMPAT_H
#define LK_TESTS_POSIX_COMPAT_H

#include <direct.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Windows has no symbolic links that these tests make: lstat is stat. */
#define lstat(path, st) stat((path), (st))
/* Windows has no mode bits for directories. */
#define mkdir(path, mode) ((void)(mode), _mkdir(path))

char *lk_compat_mkdtemp(char *templ);
int lk_compat_setenv(const char *name, const char *value, int overwrite);
int lk_compat_unsetenv(const char *name);
char *lk_compat_strdup(const char *s);
#define mkdtemp lk_compat_mkdtemp
#define setenv lk_compat_setenv
#define unsetenv lk_compat_unsetenv
#define strdup lk_compat_strdup

#ifdef __cplusplus
}
#endif

#endif
