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

make_prefix() {
    local shim="$WINEPREFIX.bcryptprimitives.dll"
    x86_64-w64-mingw32-gcc -O2 -shared -Wall -Werror -o "$shim" tests/windows/processprng.c -lbcrypt || return 1
    "$WINE" wineboot --init && "$WINESERVER" -w || return 1
    "$WINE" winecfg -v win10 && "$WINESERVER" -w || return 1
    cp "$shim" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" || return 1
    rm -f "$WINEPREFIX/dosdevices/z:" && [[ ! -e "$WINEPREFIX/dosdevices/z:" ]] || return 1
    mkdir -p "$WINEPREFIX/drive_c/lk/tmp" || return 1
    "$WINE" reg add 'HKCU\Environment' /v TMPDIR /d 'C:\lk\tmp' /f && "$WINESERVER" -w || return 1
    grep -q '"ProductName"="Microsoft Windows 10' "$WINEPREFIX/system.reg" || { echo "the prefix is not Windows 10"; return 1; }
    echo "prefix ready: $(ls "$WINEPREFIX/dosdevices" | tr '\n' ' ')"
}

# Linux paths are not visible: Z:\etc\hostname does not exist for Windows programs.
no_linux_paths() {
    local out
    out="$("$WINE" cmd /c 'if exist Z:\etc\hostname (echo visible) else (echo hidden)' 2>&1 | tr -d '\r')"
    echo "$out"
    [[ "$out" == *hidden* && "$out" != *visible* ]]
}
