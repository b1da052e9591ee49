'use strict';
// licensekit for Node.js and Electron: a thin layer over the C ABI of include/licensekit.h,
// called through koffi.
//
// Local questions (status, featureEnabled) are synchronous calls that answer in well under a
// microsecond and return a status instead of throwing, so a hot path never pays for
// exceptions. Network calls return promises and run on koffi's worker threads, so an
// Electron UI never freezes while the server answers. Failures throw LicenseError.

const { Status, statusName, LicenseError } = require('./lib/status');
const native = require('./lib/native');

const lib = native.load();

/**
 * The operations whose last failure the diagnostics keep under an unambiguous name
 * (`server.last_errors`).
 */
const DIAGNOSTIC_KEYS = new Map([
    [lib.lk_activate, 'activate'],
    [lib.lk_refresh, 'refresh'],
    [lib.lk_deactivate, 'deactivate'],
    [lib.lk_start_trial, 'trial'],
]);

/** Expiry kinds for Client#expiry (enum lk_expiry_kind). */
const ExpiryKind = Object.freeze({ LICENSE: 0, MAINTENANCE: 1, LEASE: 2, GRACE: 3 });

/** The detail of the last failed call on this (the main) thread. */
function lastError() {
    const needed = [0];
    if (lib.lk_last_error_message(null, 0, needed) !== Status.BUFFER_TOO_SMALL) return '';
    const buf = Buffer.alloc(Number(needed[0]));
    if (lib.lk_last_error_message(buf, buf.length, null) !== Status.OK) return '';
    return buf.toString('utf8', 0, buf.length - 1);
}

function check(status) {
    if (status !== Status.OK) throw new LicenseError(status, lastError());
}

/** Calls a string-out function with the size-query convention. */
function stringOut(call) {
    const needed = [0];
    const first = call(null, 0, needed);
    if (first !== Status.BUFFER_TOO_SMALL) check(first);
    const buf = Buffer.alloc(Number(needed[0]));
    check(call(buf, buf.length, null));
    return buf.toString('utf8', 0, buf.length - 1);
}

/** The version of the native library in use (the same as the package's: checked at load). */
function version() {
    return lib.lk_version();
}

/** This computer's 20-character ID for a product. */
function computerId(productId) {
    return stringOut((buf, len, needed) => lib.lk_computer_id(productId, buf, len, needed));
}

/** This computer's system details, parsed from the library's JSON. */
function systemDetails() {
    return JSON.parse(stringOut((buf, len, needed) => lib.lk_system_details_json(buf, len, needed)));
}

/** Builds a C configuration from the options, or throws; the caller frees it. */
function makeConfig(options) {
    if (!options || typeof options.productId !== 'string') {
        throw new TypeError('licensekit: options.productId (a string) is required');
    }
    const out = [null];
    check(lib.lk_config_new(options.productId, out));
    const cfg = out[0];
    try {
        for (const key of options.publicKeys ?? []) check(lib.lk_config_add_public_key(cfg, key));
        if (options.serverUrl != null) check(lib.lk_config_set_server_url(cfg, options.serverUrl));
        if (options.storeDir != null) check(lib.lk_config_set_store_dir(cfg, options.storeDir));
        if (options.timeoutMs != null) check(lib.lk_config_set_timeout_ms(cfg, options.timeoutMs));
        if (options.proxy != null) check(lib.lk_config_set_proxy(cfg, options.proxy));
        if (options.caFile != null) check(lib.lk_config_set_ca_file(cfg, options.caFile));
        if (options.clientId != null) check(lib.lk_config_set_client_id(cfg, options.clientId));
        if (options.app != null) {
            const { version: v = '', build = '', edition = '' } = options.app;
            check(lib.lk_config_set_app_version(cfg, v, build, edition));
        }
        return cfg;
    } catch (err) {
        lib.lk_config_free(cfg);
        throw err;
    }
}

/**
 * A licensing client for one product. Create it with the product ID and the vendor's public
 * keys; call close() (it returns a promise) when done.
 */
class Client {
    #handle;
    #pending = 0;
    #closing = null;
    #callback = null;
    #closeDone = null;
    /** Callbacks replaced by onStatusChange, unregistered once the client is freed. */
    #retired = [];

    constructor(options) {
        const cfg = makeConfig(options);
        try {
            const out = [null];
            check(lib.lk_client_new(cfg, out));
            this.#handle = out[0];
        } finally {
            lib.lk_config_free(cfg);
        }
    }

    #live() {
        if (this.#handle == null || this.#closing) throw new Error('licensekit: the client is closed');
        return this.#handle;
    }

    /**
     * Runs a network call on a koffi worker thread; resolves to the `out` parameter's value
     * when there is one, rejects with a LicenseError (see #failureDetail for its detail).
     */
    #offThread(fn, args, out = null) {
        let handle;
        try {
            handle = this.#live();
        } catch (err) {
            return Promise.reject(err);
        }
        this.#pending++;
        const startedSecs = Math.floor(Date.now() / 1000);
        return new Promise((resolve, reject) => {
            fn.async(handle, ...args, ...(out ? [out] : []), (err, status) => {
                try {
                    if (err) reject(err);
                    else if (status !== Status.OK) reject(new LicenseError(status, this.#failureDetail(fn, status, startedSecs)));
                    else resolve(out ? Number(out[0]) : undefined);
                } finally {
                    this.#pending--;
                    if (this.#pending === 0 && this.#closeDone) this.#closeDone();
                }
            });
        });
    }

    /**
     * The detail of a network call that failed on a worker thread. The library keeps the
     * detail per thread, and that thread is not this one; but the client records the last
     * failure of its main operations in the diagnostics (`server.last_errors`, as
     * "LK_NAME at UNIX_SECONDS: detail"): that line is used when it is this failure (same
     * status, not older than the call). Otherwise, the status message.
     */
    #failureDetail(fn, status, startedSecs) {
        const key = DIAGNOSTIC_KEYS.get(fn);
        const message = lib.lk_status_message(status);
        if (!key) return message;
        try {
            const line = this.diagnostics?.server?.last_errors?.[key];
            const m = typeof line === 'string' && line.match(/^LK_([A-Z0-9_]+) at (\d+): ([\s\S]+)$/);
            if (m && m[1] === statusName(status) && Number(m[2]) >= startedSecs) return m[3];
        } catch {
            // The diagnostics are a best effort here: the status message still says what failed.
        }
        return message;
    }

    /** This computer's ID as this client reports it. */
    get computerId() {
        return stringOut((buf, len, needed) => lib.lk_client_computer_id(this.#live(), buf, len, needed));
    }

    /** The license status now (Status.OK when licensed). Local, never throws on a status. */
    get status() {
        return lib.lk_license_status(this.#live());
    }

    /** Status.OK when the feature may be used now; otherwise why not. Local. */
    featureEnabled(code) {
        return lib.lk_feature_enabled(this.#live(), code);
    }

    /** The value of a user-defined field (throws LicenseError INVALID_ARGUMENT when absent). */
    udf(name) {
        return stringOut((buf, len, needed) => lib.lk_udf_value(this.#live(), name, buf, len, needed));
    }

    /** The license as an object (status, features, udfs, dates in Unix seconds ...). */
    get info() {
        return JSON.parse(stringOut((buf, len, needed) => lib.lk_license_info_json(this.#live(), buf, len, needed)));
    }

    /** The redacted support bundle, parsed. */
    get diagnostics() {
        return JSON.parse(stringOut((buf, len, needed) => lib.lk_diagnostics_json(this.#live(), buf, len, needed)));
    }

    /** A date of the license (Unix seconds, 0 when it has none); kind is an ExpiryKind. */
    expiry(kind) {
        const out = [0];
        check(lib.lk_expiry(this.#live(), kind, out));
        return Number(out[0]);
    }

    /** Seconds of offline use left before the lease expires. */
    get graceRemaining() {
        const out = [0];
        check(lib.lk_grace_remaining(this.#live(), out));
        return Number(out[0]);
    }

    /**
     * Calls `listener(status)` on the main thread whenever the license status changes (the
     * library's threads queue it to the event loop); null removes it.
     */
    onStatusChange(listener) {
        const handle = this.#live();
        const previous = this.#callback;
        if (listener == null) {
            check(lib.lk_set_status_callback(handle, null, null));
            this.#callback = null;
        } else {
            if (typeof listener !== 'function') throw new TypeError('licensekit: the listener must be a function');
            const registered = native.koffi.register((status) => {
                if (this.#callback !== registered || this.#closing) return;
                try {
                    listener(status);
                } catch (err) {
                    // Surfaced like an EventEmitter listener's error, not swallowed by koffi.
                    process.nextTick(() => { throw err; });
                }
            }, native.koffi.pointer(native.StatusCallback));
            this.#callback = registered;
            check(lib.lk_set_status_callback(handle, registered, null));
        }
        // A call of the old callback may still be on its way to the event loop: its slot is
        // released only when the client is freed (see close()).
        if (previous) this.#retired.push(previous);
    }

    activate(code) { return this.#offThread(lib.lk_activate, [code]); }
    refresh() { return this.#offThread(lib.lk_refresh, []); }
    deactivate() { return this.#offThread(lib.lk_deactivate, []); }
    startTrial() { return this.#offThread(lib.lk_start_trial, []); }

    /** Armoured request text for an air-gapped activation of `code`. */
    offlineActivationRequest(code) {
        return stringOut((buf, len, needed) => lib.lk_offline_activation_request(this.#live(), code, buf, len, needed));
    }
    /** Imports an activation certificate or a passive license (armoured or compact text). */
    importCertificate(text) { check(lib.lk_import_certificate(this.#live(), text)); }
    /** Removes the license and returns the deactivation certificate for the vendor. */
    offlineDeactivationCertificate() {
        return stringOut((buf, len, needed) => lib.lk_offline_deactivation_certificate(this.#live(), buf, len, needed));
    }

    floatingCheckout(feature) { return this.#offThread(lib.lk_floating_checkout, [feature]); }
    floatingCheckoutLongTerm(feature, days) { return this.#offThread(lib.lk_floating_checkout_long_term, [feature, days]); }
    floatingCheckin(feature) { return this.#offThread(lib.lk_floating_checkin, [feature]); }
    poolCheckout(feature, n) { return this.#offThread(lib.lk_pool_checkout, [feature, n]); }
    poolCheckin(feature, n) { return this.#offThread(lib.lk_pool_checkin, [feature, n]); }
    sessionOpen() { return this.#offThread(lib.lk_session_open, []); }
    sessionClose() { return this.#offThread(lib.lk_session_close, []); }

    /** Spends `n` tokens of `feature`; resolves to the tokens left. */
    consumeTokens(feature, n) { return this.#offThread(lib.lk_consume_tokens, [feature, n], [0]); }

    /**
     * Frees the client once its pending network calls are done. The free runs off the main
     * thread: it joins the library's background thread, which may be waiting for the event
     * loop to run a status callback.
     */
    close() {
        if (this.#closing) return this.#closing;
        if (this.#handle == null) return Promise.resolve();
        this.#closing = (async () => {
            if (this.#pending > 0) await new Promise((resolve) => { this.#closeDone = resolve; });
            const handle = this.#handle;
            this.#handle = null;
            await new Promise((resolve, reject) =>
                lib.lk_client_free.async(handle, (err) => (err ? reject(err) : resolve())));
            for (const cb of [...this.#retired, this.#callback]) if (cb) native.koffi.unregister(cb);
            this.#retired = [];
            this.#callback = null;
        })();
        return this.#closing;
    }
}

module.exports = {
    Client,
    Status,
    ExpiryKind,
    LicenseError,
    statusName,
    version,
    computerId,
    systemDetails,
    /** The licensekit version this package was built for. */
    BUILT_FOR_VERSION: native.VERSION,
    /** The native library file in use. */
    libraryPath: lib.file,
};
