/* A stand-in for bcryptprimitives.dll under Debian's Wine 8, which lacks it. Rust's std
 * (1.78 and later) imports ProcessPrng from it for every random number; without the DLL a
 * Rust program exits at once with status 53. Windows 8 and later ship the real one.
 * Built by tests/windows/run.sh and copied into the test prefix's system32 only: it is never
 * part of licensekit. Forwards to BCryptGenRandom with the system-preferred generator. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
            return FALSE;
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
