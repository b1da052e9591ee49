# Sourced by tests/windows/run.sh (the C tests) and tests/windows/rust.sh (the Rust tests):
# the Wine set-up both run Windows programs in.
#
#   wine_env WORKDIR    exports WINE, WINESERVER, WINEPREFIX=WORKDIR/prefix and Wine's quiet,
#                       headless settings
#   make_prefix         a fresh prefix: wineboot, Windows 10, the ProcessPrng stand-in, no Z:
#   no_linux_paths      checks that Windows programs cannot see Linux paths
#
# Wine workarounds, in the test harness only (never shipped):
#  - Debian's Wine 8 lacks bcryptprimitives.dll, whose ProcessPrng every Rust program imports:
#    tests/windows/processprng.c builds a stand-in that forwards to BCryptGenRandom, copied into
#    the prefix's system32;
#  - the prefix's dosdevices/z: is removed, so Linux paths are not visible to the programs,
#    as on a real Windows;
#  - the prefix reports Windows 10.
# Needs x86_64-w64-mingw32-gcc and wine64.

wine_env() {
    WINE=/usr/lib/wine/wine64
    WINESERVER=/usr/lib/wine/wineserver64
    export WINEPREFIX="$1/prefix"
    export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
    unset DISPLAY WAYLAND_DISPLAY
    # Wine keeps wineserver's socket under $TMPDIR, and passes the variable on to the
    # programs: unset, so wineserver uses /tmp and the programs get TMPDIR=C:\lk\tmp from the
    # prefix's registry (make_prefix).
    unset TMPDIR
}

# checked COMMAND...: runs COMMAND, saying which one failed and with what exit status.
checked() {
    "$@" || { local rc=$?; echo "failed (exit $rc): $*"; return "$rc"; }
}

# A fresh prefix. wineboot has once failed without a word on a fresh CI machine (not seen
# here since): the set-up is tried a second time from scratch, with Wine's error channel on.
make_prefix() {
    local shim="$WINEPREFIX.bcryptprimitives.dll" attempt
    checked x86_64-w64-mingw32-gcc -O2 -shared -Wall -Werror -o "$shim" tests/windows/processprng.c -lbcrypt || return 1
    for attempt in 1 2; do
        if init_prefix "$shim"; then
            echo "prefix ready (attempt $attempt): $(ls "$WINEPREFIX/dosdevices" | tr '\n' ' ')"
            return 0
        fi
        "$WINESERVER" -k 2>/dev/null || true
        rm -rf "$WINEPREFIX"
        export WINEDEBUG=err+all
    done
    return 1
}

# init_prefix SHIM: wineboot, Windows 10, the ProcessPrng stand-in, no Z: drive.
init_prefix() {
    checked "$WINE" wineboot --init && checked "$WINESERVER" -w || return 1
    checked "$WINE" winecfg -v win10 && checked "$WINESERVER" -w || return 1
    checked cp "$1" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" || return 1
    rm -f "$WINEPREFIX/dosdevices/z:" && [[ ! -e "$WINEPREFIX/dosdevices/z:" ]] || { echo "Z: is still mapped"; return 1; }
    checked mkdir -p "$WINEPREFIX/drive_c/lk/tmp" || return 1
    checked "$WINE" reg add 'HKCU\Environment' /v TMPDIR /d 'C:\lk\tmp' /f && checked "$WINESERVER" -w || return 1
    grep -q '"ProductName"="Microsoft Windows 10' "$WINEPREFIX/system.reg" || { echo "the prefix is not Windows 10"; return 1; }
}

# Linux paths are not visible: Z:\etc\hostname does not exist for Windows programs.
no_linux_paths() {
    local out
    out="$("$WINE" cmd /c 'if exist Z:\etc\hostname (echo visible) else (echo hidden)' 2>&1 | tr -d '\r')"
    echo "$out"
    [[ "$out" == *hidden* && "$out" != *visible* ]]
}
