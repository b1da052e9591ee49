// Code written from include/licensekit.h's enum lk_status; status_test.go checks it against
// the header and the package checks it against the library when it loads.

package licensekit

// The statuses of the C library (lk_status). Status implements error, so a failure can be
// matched with errors.Is(err, licensekit.StatusActivationLimit).
const (
	// StatusOK: success.
	StatusOK Status = 0
	// StatusNullPointer: a required pointer argument was NULL.
	StatusNullPointer Status = 1
	// StatusInvalidUTF8: a string argument is not valid UTF-8.
	StatusInvalidUTF8 Status = 2
	// StatusBufferTooSmall: the output buffer is too small; see the size needed.
	StatusBufferTooSmall Status = 3
	// StatusInvalidArgument: an argument has an invalid value.
	StatusInvalidArgument Status = 4
	// StatusInternal: internal error in licensekit (caught; nothing was granted).
	StatusInternal Status = 5
	// StatusNoPublicKey: no trusted vendor public key is configured.
	StatusNoPublicKey Status = 6
	// StatusInvalidPublicKey: the public key is not 64 hex characters of a valid Ed25519 key.
	StatusInvalidPublicKey Status = 7
	// StatusInvalidProductID: the product ID is empty, too long or has characters outside [0-9A-Za-z_-].
	StatusInvalidProductID Status = 8
	// StatusNotActivated: no license is activated for this product on this computer.
	StatusNotActivated Status = 100
	// StatusExpired: the license has expired (subscription end or expiration date).
	StatusExpired Status = 101
	// StatusLeaseExpired: the license could not be refreshed within its offline grace period.
	StatusLeaseExpired Status = 102
	// StatusDisabled: the license was disabled or suspended by the vendor.
	StatusDisabled Status = 103
	// StatusDeactivated: the license was deactivated on this computer.
	StatusDeactivated Status = 104
	// StatusWrongMachine: the license was issued for another computer.
	StatusWrongMachine Status = 105
	// StatusClockTampered: the system clock was set back beyond the allowed tolerance.
	StatusClockTampered Status = 106
	// StatusVMNotAllowed: the license does not allow running in a virtual machine.
	StatusVMNotAllowed Status = 107
	// StatusTrialExpired: the trial period has ended.
	StatusTrialExpired Status = 108
	// StatusFeatureNotEnabled: the feature is switched off in this license.
	StatusFeatureNotEnabled Status = 109
	// StatusActivationLimit: every activation this license code allows is in use.
	StatusActivationLimit Status = 110
	// StatusInvalidLicenseCode: the license code does not exist for this product.
	StatusInvalidLicenseCode Status = 111
	// StatusTrialUnavailable: no trial is available for this product on this computer.
	StatusTrialUnavailable Status = 112
	// StatusNoLicense: the operation needs an activated license and there is none.
	StatusNoLicense Status = 113
	// StatusSeatsExhausted: every floating seat of the feature is in use.
	StatusSeatsExhausted Status = 114
	// StatusPoolExhausted: the element pool has fewer elements left than asked for.
	StatusPoolExhausted Status = 115
	// StatusTokensExhausted: fewer consumption tokens are left than asked for.
	StatusTokensExhausted Status = 116
	// StatusConcurrencyLimit: the allowed number of concurrent processes already run.
	StatusConcurrencyLimit Status = 117
	// StatusSeatLost: the seat or session lapsed or was taken back.
	StatusSeatLost Status = 118
	// StatusLongTermCheckoutRefused: a long-term check-out is not allowed for this code or duration.
	StatusLongTermCheckoutRefused Status = 119
	// StatusFeatureUnknown: the license does not have this feature.
	StatusFeatureUnknown Status = 120
	// StatusNoSeat: no seat of this floating feature is held by this process.
	StatusNoSeat Status = 121
	// StatusCloneDetected: this installation's license was copied: another copy of its store is in use.
	StatusCloneDetected Status = 122
	// StatusSeatTaken: another installation holds this computer's seat and this one cannot prove it may take it over.
	StatusSeatTaken Status = 123
	// StatusNetworkLicenseOnly: the license code is a network license: its seats are served by a LAN daemon.
	StatusNetworkLicenseOnly Status = 124
	// StatusNotNetworkLicense: the license code is not a network license (concurrency mode Network).
	StatusNotNetworkLicense Status = 125
	// StatusInvalidCredentials: the username or password is wrong.
	StatusInvalidCredentials Status = 126
	// StatusUserLocked: the user is locked after repeated failed sign-ins, or must wait before the next try.
	StatusUserLocked Status = 127
	// StatusUserNotLicensed: the user signed in, but their group holds no license for this product.
	StatusUserNotLicensed Status = 128
	// StatusJournalRefused: the server refused the offline usage journal: an entry is missing, out of order or forged.
	StatusJournalRefused Status = 129
	// StatusMalformedEnvelope: the signed data is malformed.
	StatusMalformedEnvelope Status = 200
	// StatusEnvelopeTooLarge: the signed data exceeds the size limit.
	StatusEnvelopeTooLarge Status = 201
	// StatusUnsupportedVersion: the signed data uses an unsupported format version.
	StatusUnsupportedVersion Status = 202
	// StatusUnknownKey: the signed data was signed by a key that is not trusted.
	StatusUnknownKey Status = 203
	// StatusBadSignature: the signature does not match the signed data.
	StatusBadSignature Status = 204
	// StatusWrongKind: the signed data is of another kind than expected.
	StatusWrongKind Status = 205
	// StatusMalformedPayload: the signed payload does not have the expected contents.
	StatusMalformedPayload Status = 206
	// StatusStaleLease: a lease older than the one held was offered (a replay).
	StatusStaleLease Status = 207
	// StatusFutureLease: the lease claims to be issued in this computer's future.
	StatusFutureLease Status = 208
	// StatusMismatchedLease: the signed data was issued for another computer, installation or request.
	StatusMismatchedLease Status = 209
	// StatusWrongProduct: the signed data is for another product.
	StatusWrongProduct Status = 210
	// StatusWrongRequest: the certificate does not answer this computer's pending request.
	StatusWrongRequest Status = 211
	// StatusStoreIO: the license store could not be read or written.
	StatusStoreIO Status = 300
	// StatusStoreCorrupt: the license store file is corrupt.
	StatusStoreCorrupt Status = 301
	// StatusStoreTruncated: the license store file is truncated.
	StatusStoreTruncated Status = 302
	// StatusStoreVersion: the license store file has an unsupported version.
	StatusStoreVersion Status = 303
	// StatusStoreRolledBack: the license store is older than this computer's record of it (restored or edited).
	StatusStoreRolledBack Status = 304
	// StatusMachineIDUnavailable: no computer identity could be determined.
	StatusMachineIDUnavailable Status = 500
	// StatusNoServer: no license server URL is configured.
	StatusNoServer Status = 600
	// StatusNetwork: the license server could not be reached.
	StatusNetwork Status = 601
	// StatusTimeout: the license server did not answer in time.
	StatusTimeout Status = 602
	// StatusServerError: the license server failed.
	StatusServerError Status = 603
	// StatusBadResponse: the license server's answer could not be understood.
	StatusBadResponse Status = 604
	// StatusServerRefused: the license server refused the request.
	StatusServerRefused Status = 605
	// StatusClockSkew: this computer's clock is too far from the license server's.
	StatusClockSkew Status = 606
	// StatusNoLanServer: no LAN license daemon is configured.
	StatusNoLanServer Status = 700
	// StatusLanUnreachable: the LAN license daemon could not be reached.
	StatusLanUnreachable Status = 701
	// StatusNetworkSeatsExhausted: every network seat of the site's license is in use.
	StatusNetworkSeatsExhausted Status = 702
	// StatusDaemonNotCertified: the LAN daemon is not certified for this product by a trusted vendor key.
	StatusDaemonNotCertified Status = 703
)

// statusConstants names the C constant of every status above.
var statusConstants = map[Status]string{
	StatusOK:                      "LK_OK",
	StatusNullPointer:             "LK_NULL_POINTER",
	StatusInvalidUTF8:             "LK_INVALID_UTF8",
	StatusBufferTooSmall:          "LK_BUFFER_TOO_SMALL",
	StatusInvalidArgument:         "LK_INVALID_ARGUMENT",
	StatusInternal:                "LK_INTERNAL",
	StatusNoPublicKey:             "LK_NO_PUBLIC_KEY",
	StatusInvalidPublicKey:        "LK_INVALID_PUBLIC_KEY",
	StatusInvalidProductID:        "LK_INVALID_PRODUCT_ID",
	StatusNotActivated:            "LK_NOT_ACTIVATED",
	StatusExpired:                 "LK_EXPIRED",
	StatusLeaseExpired:            "LK_LEASE_EXPIRED",
	StatusDisabled:                "LK_DISABLED",
	StatusDeactivated:             "LK_DEACTIVATED",
	StatusWrongMachine:            "LK_WRONG_MACHINE",
	StatusClockTampered:           "LK_CLOCK_TAMPERED",
	StatusVMNotAllowed:            "LK_VM_NOT_ALLOWED",
	StatusTrialExpired:            "LK_TRIAL_EXPIRED",
	StatusFeatureNotEnabled:       "LK_FEATURE_NOT_ENABLED",
	StatusActivationLimit:         "LK_ACTIVATION_LIMIT",
	StatusInvalidLicenseCode:      "LK_INVALID_LICENSE_CODE",
	StatusTrialUnavailable:        "LK_TRIAL_UNAVAILABLE",
	StatusNoLicense:               "LK_NO_LICENSE",
	StatusSeatsExhausted:          "LK_SEATS_EXHAUSTED",
	StatusPoolExhausted:           "LK_POOL_EXHAUSTED",
	StatusTokensExhausted:         "LK_TOKENS_EXHAUSTED",
	StatusConcurrencyLimit:        "LK_CONCURRENCY_LIMIT",
	StatusSeatLost:                "LK_SEAT_LOST",
	StatusLongTermCheckoutRefused: "LK_LONG_TERM_CHECKOUT_REFUSED",
	StatusFeatureUnknown:          "LK_FEATURE_UNKNOWN",
	StatusNoSeat:                  "LK_NO_SEAT",
	StatusCloneDetected:           "LK_CLONE_DETECTED",
	StatusSeatTaken:               "LK_SEAT_TAKEN",
	StatusNetworkLicenseOnly:      "LK_NETWORK_LICENSE_ONLY",
	StatusNotNetworkLicense:       "LK_NOT_NETWORK_LICENSE",
	StatusInvalidCredentials:      "LK_INVALID_CREDENTIALS",
	StatusUserLocked:              "LK_USER_LOCKED",
	StatusUserNotLicensed:         "LK_USER_NOT_LICENSED",
	StatusJournalRefused:          "LK_JOURNAL_REFUSED",
	StatusMalformedEnvelope:       "LK_MALFORMED_ENVELOPE",
	StatusEnvelopeTooLarge:        "LK_ENVELOPE_TOO_LARGE",
	StatusUnsupportedVersion:      "LK_UNSUPPORTED_VERSION",
	StatusUnknownKey:              "LK_UNKNOWN_KEY",
	StatusBadSignature:            "LK_BAD_SIGNATURE",
	StatusWrongKind:               "LK_WRONG_KIND",
	StatusMalformedPayload:        "LK_MALFORMED_PAYLOAD",
	StatusStaleLease:              "LK_STALE_LEASE",
	StatusFutureLease:             "LK_FUTURE_LEASE",
	StatusMismatchedLease:         "LK_MISMATCHED_LEASE",
	StatusWrongProduct:            "LK_WRONG_PRODUCT",
	StatusWrongRequest:            "LK_WRONG_REQUEST",
	StatusStoreIO:                 "LK_STORE_IO",
	StatusStoreCorrupt:            "LK_STORE_CORRUPT",
	StatusStoreTruncated:          "LK_STORE_TRUNCATED",
	StatusStoreVersion:            "LK_STORE_VERSION",
	StatusStoreRolledBack:         "LK_STORE_ROLLED_BACK",
	StatusMachineIDUnavailable:    "LK_MACHINE_ID_UNAVAILABLE",
	StatusNoServer:                "LK_NO_SERVER",
	StatusNetwork:                 "LK_NETWORK",
	StatusTimeout:                 "LK_TIMEOUT",
	StatusServerError:             "LK_SERVER_ERROR",
	StatusBadResponse:             "LK_BAD_RESPONSE",
	StatusServerRefused:           "LK_SERVER_REFUSED",
	StatusClockSkew:               "LK_CLOCK_SKEW",
	StatusNoLanServer:             "LK_NO_LAN_SERVER",
	StatusLanUnreachable:          "LK_LAN_UNREACHABLE",
	StatusNetworkSeatsExhausted:   "LK_NETWORK_SEATS_EXHAUSTED",
	StatusDaemonNotCertified:      "LK_DAEMON_NOT_CERTIFIED",
}
