//go:build licensekit_static

package licensekit

// The installed static library: nothing to ship beside the program.

// #cgo pkg-config: licensekit-static
import "C"

// linkedStatically says how this build links the library (the tests build the example alike).
const linkedStatically = true
