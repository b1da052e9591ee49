'use strict';
// The statuses of include/licensekit.h (enum lk_status), by name without the LK_ prefix.
// test/status.test.js parses the header and fails when a status is missing here or differs.

const Status = Object.freeze({
    OK: 0,
    NULL_POINTER: 1,
    INVALID_UTF8: 2,
    BUFFER_TOO_SMALL: 3,
    INVALID_ARGUMENT: 4,
    INTERNAL: 5,
    NO_PUBLIC_KEY: 6,
    INVALID_PUBLIC_KEY: 7,
    INVALID_PRODUCT_ID: 8,
    NOT_ACTIVATED: 100,
    EXPIRED: 101,
    LEASE_EXPIRED: 102,
    DISABLED: 103,
    DEACTIVATED: 104,
    WRONG_MACHINE: 105,
    CLOCK_TAMPERED: 106,
    VM_NOT_ALLOWED: 107,
    TRIAL_EXPIRED: 108,
    FEATURE_NOT_ENABLED: 109,
    ACTIVATION_LIMIT: 110,
    INVALID_LICENSE_CODE: 111,
    TRIAL_UNAVAILABLE: 112,
    NO_LICENSE: 113,
    SEATS_EXHAUSTED: 114,
    POOL_EXHAUSTED: 115,
    TOKENS_EXHAUSTED: 116,
    CONCURRENCY_LIMIT: 117,
    SEAT_LOST: 118,
    LONG_TERM_CHECKOUT_REFUSED: 119,
    FEATURE_UNKNOWN: 120,
    NO_SEAT: 121,
    CLONE_DETECTED: 122,
    SEAT_TAKEN: 123,
    NETWORK_LICENSE_ONLY: 124,
    NOT_NETWORK_LICENSE: 125,
    INVALID_CREDENTIALS: 126,
    USER_LOCKED: 127,
    USER_NOT_LICENSED: 128,
    JOURNAL_REFUSED: 129,
    MALFORMED_ENVELOPE: 200,
    ENVELOPE_TOO_LARGE: 201,
    UNSUPPORTED_VERSION: 202,
    UNKNOWN_KEY: 203,
    BAD_SIGNATURE: 204,
    WRONG_KIND: 205,
    MALFORMED_PAYLOAD: 206,
    STALE_LEASE: 207,
    FUTURE_LEASE: 208,
    MISMATCHED_LEASE: 209,
    WRONG_PRODUCT: 210,
    WRONG_REQUEST: 211,
    STORE_IO: 300,
    STORE_CORRUPT: 301,
    STORE_TRUNCATED: 302,
    STORE_VERSION: 303,
    STORE_ROLLED_BACK: 304,
    MACHINE_ID_UNAVAILABLE: 500,
    NO_SERVER: 600,
    NETWORK: 601,
    TIMEOUT: 602,
    SERVER_ERROR: 603,
    BAD_RESPONSE: 604,
    SERVER_REFUSED: 605,
    CLOCK_SKEW: 606,
    NO_LAN_SERVER: 700,
    LAN_UNREACHABLE: 701,
    NETWORK_SEATS_EXHAUSTED: 702,
    DAEMON_NOT_CERTIFIED: 703,
});

const names = new Map(Object.entries(Status).map(([name, value]) => [value, name]));

/** The name of a status without the LK_ prefix (`'NOT_ACTIVATED'`), or `undefined`. */
function statusName(status) {
    return names.get(status);
}

/**
 * A failed licensekit call: `status` is the lk_status number, `statusName` its name
 * (`'ACTIVATION_LIMIT'`), `detail` what the library said about this failure.
 */
class LicenseError extends Error {
    constructor(status, detail) {
        const name = statusName(status) ?? `status ${status}`;
        super(`LK_${name}: ${detail}`);
        this.name = 'LicenseError';
        this.status = status;
        this.statusName = name;
        this.detail = detail;
    }
}

module.exports = { Status, statusName, LicenseError };
