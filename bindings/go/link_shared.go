//go:build !licensekit_static

package licensekit

// The installed shared library (scripts/install; PKG_CONFIG_PATH=DIR/lib/pkgconfig). Build
// with -tags licensekit_static for the static one.

// #cgo pkg-config: licensekit
import "C"

// linkedStatically says how this build links the library (the tests build the example alike).
const linkedStatically = false
