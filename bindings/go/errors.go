package licensekit

// #include <stdlib.h>
// #include <licensekit.h>
import "C"

import (
	"errors"
	"fmt"
)

// Status is an lk_status of the C library. It implements error so that a failure matches
// its status with errors.Is; StatusOK is never returned as an error.
type Status uint32

// String is the C constant's name, e.g. "LK_NOT_ACTIVATED".
func (s Status) String() string { return C.GoString(C.lk_status_name(C.uint32_t(s))) }

// Error is the status's message, e.g. "no license is activated for this product on this
// computer"; fmt prints it for a Status, String gives the name.
func (s Status) Error() string { return C.GoString(C.lk_status_message(C.uint32_t(s))) }

// Error is a failed licensekit call: its status and what the library said about it. Match
// the status with errors.Is(err, licensekit.StatusActivationLimit), or get the detail with
// errors.As(err, &lkErr).
type Error struct {
	Status Status
	// Detail is the C library's last-error message for the call.
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Status.String()
	}
	return e.Status.String() + ": " + e.Detail
}

// Unwrap gives the Status: errors.Is(err, licensekit.StatusNetwork) and
// errors.As(err, &status) see it.
func (e *Error) Unwrap() error { return e.Status }

// ErrClosed is returned by every call on a closed Client.
var ErrClosed = errors.New("licensekit: the client is closed")

// ErrLibraryMismatch is wrapped by the error NewClient returns when the shared library is
// not the version this package was compiled for (see LoadError).
var ErrLibraryMismatch = errors.New("licensekit: library version mismatch")

// loadErr is the result of the check made when the package loads.
var loadErr = checkLibrary(C.GoString(C.lk_version()), C.LK_VERSION)

// checkLibrary compares the library's version with the header's and the status numbers
// with the library's names for them.
func checkLibrary(library, header string) error {
	if library != header {
		return fmt.Errorf("%w: the licensekit library is version %s, this package was built with the header of %s: rebuild or reinstall",
			ErrLibraryMismatch, library, header)
	}
	for status, name := range statusConstants {
		if got := status.String(); got != name {
			return fmt.Errorf("%w: status %d is %s in the library, %s here", ErrLibraryMismatch, uint32(status), got, name)
		}
	}
	return nil
}

// LoadError is nil when the library loaded is the one this package was built for; otherwise
// it says what differs (NewClient returns it too).
func LoadError() error { return loadErr }
