'use strict';
// Finding and checking the native library.
const test = require('node:test');
const assert = require('node:assert/strict');
const native = require('../lib/native');
const lk = require('..');

test('LICENSEKIT_LIBRARY is the library in use', () => {
    assert.equal(lk.libraryPath, process.env.LICENSEKIT_LIBRARY);
});

test('a library of another version is refused, naming both versions and the file', () => {
    const other = process.env.LK_TEST_OTHER_VERSION_LIBRARY;
    assert.ok(other, 'LK_TEST_OTHER_VERSION_LIBRARY is set by tests/bindings/run.sh');
    assert.throws(() => native.open(other), (err) =>
        err.message.includes(other) && err.message.includes('licensekit 9.9.9') && err.message.includes('built for 0.1.0'));
    assert.throws(() => native.load({ LICENSEKIT_LIBRARY: other }), /built for 0\.1\.0/);
});

test('a LICENSEKIT_LIBRARY that does not exist is an error, not a fallback', () => {
    assert.throws(() => native.load({ LICENSEKIT_LIBRARY: '/nonexistent/liblicensekit.so' }), /nonexistent/);
});

test('without LICENSEKIT_LIBRARY the search goes next to the package, then to the system', () => {
    const places = native.candidates({}).map((c) => c.from);
    assert.equal(places.at(-1), 'the system library search');
    assert.ok(!places.includes('LICENSEKIT_LIBRARY'));
});
