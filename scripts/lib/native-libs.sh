# Sourced by tests/c/run.sh and scripts/install: the system libraries the static library
# needs on Linux, as `cargo rustc --release -- --print native-static-libs` lists them (less
# -lc, which every C link has). One list for the C tests, licensekit.pc's Libs.private and
# the CMake package's licensekit::static, so they cannot drift apart; the install step links
# a static consumer with it, which fails if the list falls short.
# shellcheck disable=SC2034
LK_NATIVE_STATIC_LIBS=(-lgcc_s -lutil -lrt -lpthread -lm -ldl)
