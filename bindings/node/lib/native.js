'use strict';
// Finds, loads and checks the native licensekit library, and declares its functions.
//
// Where the library is looked for, first found wins:
//   1. LICENSEKIT_LIBRARY, the path of the library file itself;
//   2. next to this package (the package's own directory), where an application bundles it;
//   3. the system's library search (LD_LIBRARY_PATH, an installed liblicensekit.so.0, PATH
//      on Windows).
// The library must be the version this package was built for (VERSION): a mismatch is an
// error naming both versions and the file, never a crash later on.

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

/** The licensekit version this package was built for (checked against lk_version()). */
const VERSION = '0.1.0';

const FILE_NAMES = {
    linux: ['liblicensekit.so'],
    darwin: ['liblicensekit.dylib'],
    win32: ['licensekit.dll'],
};
const SYSTEM_NAMES = {
    linux: ['liblicensekit.so.0', 'liblicensekit.so'],
    darwin: ['liblicensekit.0.dylib', 'liblicensekit.dylib'],
    win32: ['licensekit.dll'],
};

// The handle types, registered by name for the declarations below.
koffi.opaque('lk_client');
koffi.opaque('lk_config');
const StatusCallback = koffi.proto('void lk_status_callback(uint32_t status, void *user_data)');

/** The C declarations, in the header's words (lk_status is uint32_t). */
const DECLARATIONS = {
    lk_version: 'const char *lk_version(void)',
    lk_status_name: 'const char *lk_status_name(uint32_t status)',
    lk_status_message: 'const char *lk_status_message(uint32_t status)',
    lk_last_error_message: 'uint32_t lk_last_error_message(_Out_ uint8_t *buf, size_t buf_len, _Out_ size_t *needed)',
    lk_computer_id: 'uint32_t lk_computer_id(const char *product_id, _Out_ uint8_t *buf, size_t buf_len, _Out_ size_t *needed)',
    lk_system_details_json: 'uint32_t lk_system_details_json(_Out_ uint8_t *buf, size_t buf_len, _Out_ size_t *needed)',
    lk_config_new: 'uint32_t lk_config_new(const char *product_id, _Out_ lk_config **out)',
    lk_config_free: 'void lk_config_free(lk_config *cfg)',
    lk_config_add_public_key: 'uint32_t lk_config_add_public_key(lk_config *cfg, const char *hex)',
    lk_config_set_store_dir: 'uint32_t lk_config_set_store_dir(lk_config *cfg, const char *path)',
    lk_config_set_server_url: 'uint32_t lk_config_set_server_url(lk_config *cfg, const char *url)',
    lk_config_set_timeout_ms: 'uint32_t lk_config_set_timeout_ms(lk_config *cfg, uint32_t ms)',
    lk_config_set_proxy: 'uint32_t lk_config_set_proxy(lk_config *cfg, const char *url)',
    lk_config_set_ca_file: 'uint32_t lk_config_set_ca_file(lk_config *cfg, const char *path)',
    lk_config_set_client_id: 'uint32_t lk_config_set_client_id(lk_config *cfg, const char *id)',
    lk_config_set_app_version:
        'uint32_t lk_config_set_app_version(lk_config *cfg, const char *version, const char *build, const char *edition)',
    lk_client_new: 'uint32_t lk_client_new(const lk_config *cfg, _Out_ lk_client **out)',
    lk_client_free: 'void lk_client_free(lk_client *client)',
    lk_client_computer_id: 'uint32_t lk_client_computer_id(const lk_client *c, _Out_ uint8_t *buf, size_t len, _Out_ size_t *needed)',
    lk_license_status: 'uint32_t lk_license_status(const lk_client *c)',
    lk_feature_enabled: 'uint32_t lk_feature_enabled(const lk_client *c, const char *feature)',
    lk_udf_value: 'uint32_t lk_udf_value(const lk_client *c, const char *name, _Out_ uint8_t *buf, size_t len, _Out_ size_t *needed)',
    lk_license_info_json: 'uint32_t lk_license_info_json(const lk_client *c, _Out_ uint8_t *buf, size_t len, _Out_ size_t *needed)',
    lk_diagnostics_json: 'uint32_t lk_diagnostics_json(const lk_client *c, _Out_ uint8_t *buf, size_t len, _Out_ size_t *needed)',
    lk_expiry: 'uint32_t lk_expiry(const lk_client *c, uint32_t kind, _Out_ int64_t *unix_seconds)',
    lk_grace_remaining: 'uint32_t lk_grace_remaining(const lk_client *c, _Out_ int64_t *seconds)',
    lk_set_status_callback: 'uint32_t lk_set_status_callback(const lk_client *c, lk_status_callback *cb, void *user_data)',
    lk_activate: 'uint32_t lk_activate(const lk_client *c, const char *code)',
    lk_refresh: 'uint32_t lk_refresh(const lk_client *c)',
    lk_deactivate: 'uint32_t lk_deactivate(const lk_client *c)',
    lk_start_trial: 'uint32_t lk_start_trial(const lk_client *c)',
    lk_offline_activation_request:
        'uint32_t lk_offline_activation_request(const lk_client *c, const char *code, _Out_ uint8_t *buf, size_t len, _Out_ size_t *needed)',
    lk_import_certificate: 'uint32_t lk_import_certificate(const lk_client *c, const char *text)',
    lk_offline_deactivation_certificate:
        'uint32_t lk_offline_deactivation_certificate(const lk_client *c, _Out_ uint8_t *buf, size_t len, _Out_ size_t *needed)',
    lk_floating_checkout: 'uint32_t lk_floating_checkout(const lk_client *c, const char *feature)',
    lk_floating_checkout_long_term: 'uint32_t lk_floating_checkout_long_term(const lk_client *c, const char *feature, uint32_t days)',
    lk_floating_checkin: 'uint32_t lk_floating_checkin(const lk_client *c, const char *feature)',
    lk_pool_checkout: 'uint32_t lk_pool_checkout(const lk_client *c, const char *feature, uint32_t n)',
    lk_pool_checkin: 'uint32_t lk_pool_checkin(const lk_client *c, const char *feature, uint32_t n)',
    lk_consume_tokens: 'uint32_t lk_consume_tokens(const lk_client *c, const char *feature, uint32_t n, _Out_ uint64_t *remaining)',
    lk_session_open: 'uint32_t lk_session_open(const lk_client *c)',
    lk_session_close: 'uint32_t lk_session_close(const lk_client *c)',
};

/** The places the library is looked for, in order (see the top of this file). */
function candidates(env = process.env) {
    const found = [];
    if (env.LICENSEKIT_LIBRARY) found.push({ path: env.LICENSEKIT_LIBRARY, from: 'LICENSEKIT_LIBRARY' });
    for (const name of FILE_NAMES[process.platform] ?? FILE_NAMES.linux) {
        const beside = path.join(__dirname, '..', name);
        if (fs.existsSync(beside)) found.push({ path: beside, from: 'next to the package' });
    }
    for (const name of SYSTEM_NAMES[process.platform] ?? SYSTEM_NAMES.linux) {
        found.push({ path: name, from: 'the system library search' });
    }
    return found;
}

/**
 * Loads the library at `file` and checks its version; returns its declared functions.
 * Throws an Error naming the file and both versions when it is another version.
 */
function open(file) {
    let lib;
    try {
        lib = koffi.load(file);
    } catch (err) {
        throw Object.assign(new Error(`licensekit: cannot load ${file}: ${err.message}`), { notLoadable: true });
    }
    const version = lib.func(DECLARATIONS.lk_version)();
    if (version !== VERSION) {
        lib.unload();
        throw new Error(
            `licensekit: ${file} is licensekit ${version}, but this package was built for ${VERSION}; ` +
                `install the matching library or point LICENSEKIT_LIBRARY at it`,
        );
    }
    const fns = { file, version };
    for (const [name, declaration] of Object.entries(DECLARATIONS)) fns[name] = lib.func(declaration);
    return fns;
}

/** Loads the first library found (see candidates()); the env var wins and must work. */
function load(env = process.env) {
    const tried = [];
    for (const candidate of candidates(env)) {
        try {
            return open(candidate.path);
        } catch (err) {
            // A library that is there but wrong (another version, the env var's file missing)
            // is reported as such: falling through to another copy would hide the mistake.
            if (candidate.from === 'LICENSEKIT_LIBRARY' || !err.notLoadable) throw err;
            tried.push(`${candidate.path} (${candidate.from})`);
        }
    }
    throw new Error(`licensekit: the native library was not found; tried ${tried.join(', ')}. ` +
        'Set LICENSEKIT_LIBRARY to the library file, or place it next to the package.');
}

module.exports = { VERSION, StatusCallback, candidates, open, load, koffi };
