//go:build licensekit_static

package licensekit

// The installed static library: nothing to ship beside the program.

// #cgo pkg-config: licensekit-static
import "C"
