// Type declarations for licensekit (index.js).

/** lk_status values by name without the LK_ prefix. */
export declare const Status: {
    readonly OK: 0; readonly NULL_POINTER: 1; readonly INVALID_UTF8: 2; readonly BUFFER_TOO_SMALL: 3;
    readonly INVALID_ARGUMENT: 4; readonly INTERNAL: 5; readonly NO_PUBLIC_KEY: 6; readonly INVALID_PUBLIC_KEY: 7;
    readonly INVALID_PRODUCT_ID: 8; readonly NOT_ACTIVATED: 100; readonly EXPIRED: 101; readonly LEASE_EXPIRED: 102;
    readonly DISABLED: 103; readonly DEACTIVATED: 104; readonly WRONG_MACHINE: 105; readonly CLOCK_TAMPERED: 106;
    readonly VM_NOT_ALLOWED: 107; readonly TRIAL_EXPIRED: 108; readonly FEATURE_NOT_ENABLED: 109;
    readonly ACTIVATION_LIMIT: 110; readonly INVALID_LICENSE_CODE: 111; readonly TRIAL_UNAVAILABLE: 112;
    readonly NO_LICENSE: 113; readonly SEATS_EXHAUSTED: 114; readonly POOL_EXHAUSTED: 115;
    readonly TOKENS_EXHAUSTED: 116; readonly CONCURRENCY_LIMIT: 117; readonly SEAT_LOST: 118;
    readonly LONG_TERM_CHECKOUT_REFUSED: 119; readonly FEATURE_UNKNOWN: 120; readonly NO_SEAT: 121;
    readonly CLONE_DETECTED: 122; readonly SEAT_TAKEN: 123; readonly NETWORK_LICENSE_ONLY: 124;
    readonly NOT_NETWORK_LICENSE: 125; readonly INVALID_CREDENTIALS: 126; readonly USER_LOCKED: 127;
    readonly USER_NOT_LICENSED: 128; readonly JOURNAL_REFUSED: 129; readonly MALFORMED_ENVELOPE: 200;
    readonly ENVELOPE_TOO_LARGE: 201; readonly UNSUPPORTED_VERSION: 202; readonly UNKNOWN_KEY: 203;
    readonly BAD_SIGNATURE: 204; readonly WRONG_KIND: 205; readonly MALFORMED_PAYLOAD: 206; readonly STALE_LEASE: 207;
    readonly FUTURE_LEASE: 208; readonly MISMATCHED_LEASE: 209; readonly WRONG_PRODUCT: 210; readonly WRONG_REQUEST: 211;
    readonly STORE_IO: 300; readonly STORE_CORRUPT: 301; readonly STORE_TRUNCATED: 302; readonly STORE_VERSION: 303;
    readonly STORE_ROLLED_BACK: 304; readonly MACHINE_ID_UNAVAILABLE: 500; readonly NO_SERVER: 600;
    readonly NETWORK: 601; readonly TIMEOUT: 602; readonly SERVER_ERROR: 603; readonly BAD_RESPONSE: 604;
    readonly SERVER_REFUSED: 605; readonly CLOCK_SKEW: 606; readonly NO_LAN_SERVER: 700;
    readonly LAN_UNREACHABLE: 701; readonly NETWORK_SEATS_EXHAUSTED: 702; readonly DAEMON_NOT_CERTIFIED: 703;
};
/** One lk_status number. */
export type Status = (typeof Status)[keyof typeof Status];

/** Which date Client#expiry reports. */
export declare const ExpiryKind: { readonly LICENSE: 0; readonly MAINTENANCE: 1; readonly LEASE: 2; readonly GRACE: 3 };
export type ExpiryKind = (typeof ExpiryKind)[keyof typeof ExpiryKind];

/** A failed licensekit call. */
export declare class LicenseError extends Error {
    /** The lk_status number. */
    readonly status: Status;
    /** Its name without the LK_ prefix, e.g. 'ACTIVATION_LIMIT'. */
    readonly statusName: string;
    /** What the library said about this failure (the status message for the capacity calls). */
    readonly detail: string;
}

export interface ClientOptions {
    /** The product ID, [0-9A-Za-z_-]{1,64}. */
    productId: string;
    /** Trusted vendor public keys, 64 hex characters each. */
    publicKeys?: string[];
    /** The license server's base URL; without it the client works offline only. */
    serverUrl?: string;
    /** The store directory instead of the per-user default. */
    storeDir?: string;
    /** Bound of every network call, 1 to 600000 ms (default 10000). */
    timeoutMs?: number;
    proxy?: string;
    caFile?: string;
    /** Binds passive licenses to this ID instead of the computer ID. */
    clientId?: string;
    /** The application's version, build and edition, reported with the system details. */
    app?: { version?: string; build?: string; edition?: string };
}

/** A licensing client for one product. */
export declare class Client {
    constructor(options: ClientOptions);
    /** This computer's ID as this client reports it. */
    readonly computerId: string;
    /** The license status now (Status.OK when licensed). Local. */
    readonly status: Status;
    /** Status.OK when the feature may be used now; otherwise why not. Local, never throws. */
    featureEnabled(code: string): Status;
    /** The value of a user-defined field. */
    udf(name: string): string;
    /** The license (status, features, udfs, dates in Unix seconds, ...). */
    readonly info: Record<string, unknown>;
    /** The redacted support bundle. */
    readonly diagnostics: Record<string, unknown>;
    /** A date of the license in Unix seconds (0 when it has none). */
    expiry(kind: ExpiryKind): number;
    /** Seconds of offline use left before the lease expires. */
    readonly graceRemaining: number;
    /** Calls listener on the main thread whenever the status changes; null removes it. */
    onStatusChange(listener: ((status: Status) => void) | null): void;
    activate(licenseCode: string): Promise<void>;
    refresh(): Promise<void>;
    deactivate(): Promise<void>;
    startTrial(): Promise<void>;
    offlineActivationRequest(licenseCode: string): string;
    importCertificate(text: string): void;
    offlineDeactivationCertificate(): string;
    floatingCheckout(feature: string): Promise<void>;
    floatingCheckoutLongTerm(feature: string, days: number): Promise<void>;
    floatingCheckin(feature: string): Promise<void>;
    poolCheckout(feature: string, n: number): Promise<void>;
    poolCheckin(feature: string, n: number): Promise<void>;
    /** Resolves to the tokens left. */
    consumeTokens(feature: string, n: number): Promise<number>;
    sessionOpen(): Promise<void>;
    sessionClose(): Promise<void>;
    /** Frees the client once its network calls in flight are done. */
    close(): Promise<void>;
}

/** The name of a status without the LK_ prefix, or undefined. */
export declare function statusName(status: number): string | undefined;
/** The native library's version. */
export declare function version(): string;
/** This computer's 20-character ID for a product. */
export declare function computerId(productId: string): string;
/** This computer's system details (the seed's field names). */
export declare function systemDetails(): Record<string, unknown>;
/** The licensekit version this package was built for. */
export declare const BUILT_FOR_VERSION: string;
/** The native library file in use. */
export declare const libraryPath: string;
