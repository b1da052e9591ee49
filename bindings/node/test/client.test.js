'use strict';
// The client against a real licensekit-server on loopback, started by tests/bindings/run.sh
// (LK_TEST_SERVER_URL, LK_TEST_PUBLIC_KEY, LK_TEST_PRODUCT, LK_TEST_LICENSE_CODE,
// LK_TEST_CAPACITY_CODE).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const lk = require('..');

const env = process.env;
for (const name of ['LK_TEST_SERVER_URL', 'LK_TEST_PUBLIC_KEY', 'LK_TEST_PRODUCT', 'LK_TEST_LICENSE_CODE', 'LK_TEST_CAPACITY_CODE']) {
    if (!env[name]) throw new Error(`${name} is not set: run tests/bindings/run.sh node`);
}

function storeDir(name) {
    return fs.mkdtempSync(path.join(os.tmpdir(), `lk-node-${name}-`));
}

function client(store, extra = {}) {
    return new lk.Client({
        productId: env.LK_TEST_PRODUCT,
        publicKeys: [env.LK_TEST_PUBLIC_KEY],
        serverUrl: env.LK_TEST_SERVER_URL,
        storeDir: store,
        timeoutMs: 5000,
        app: { version: '2.1', build: '417', edition: 'ENT' },
        ...extra,
    });
}

function rejectsWith(status) {
    return (err) => {
        assert.ok(err instanceof lk.LicenseError, `a LicenseError, got ${err}`);
        assert.equal(err.status, status);
        assert.equal(err.statusName, lk.statusName(status));
        assert.ok(err.detail.length > 0);
        return true;
    };
}

test('the computer ID and system details', () => {
    assert.match(lk.computerId(env.LK_TEST_PRODUCT), /^[A-Za-z0-9]{20}$/);
    assert.ok('vmplatform' in lk.systemDetails());
});

test('bad arguments throw a LicenseError carrying the status and the detail', () => {
    assert.throws(() => lk.computerId('not a product'), (err) => {
        rejectsWith(lk.Status.INVALID_PRODUCT_ID)(err);
        return /product/i.test(err.detail);
    });
    assert.throws(() => new lk.Client({ productId: env.LK_TEST_PRODUCT, publicKeys: ['00zz'] }),
        rejectsWith(lk.Status.INVALID_PUBLIC_KEY));
    assert.throws(() => new lk.Client({ productId: env.LK_TEST_PRODUCT, storeDir: storeDir('nokey') }),
        rejectsWith(lk.Status.NO_PUBLIC_KEY));
    assert.throws(() => new lk.Client({}), TypeError);
});

test('activate, check features and UDFs, the status callback, deactivate', async () => {
    const c = client(storeDir('online'));
    try {
        assert.equal(c.status, lk.Status.NOT_ACTIVATED);
        assert.equal(c.featureEnabled('EXPORT'), lk.Status.NOT_ACTIVATED);
        await assert.rejects(c.activate('123456789012345678'), rejectsWith(lk.Status.INVALID_LICENSE_CODE));

        const seen = [];
        c.onStatusChange((status) => seen.push(status));
        await c.activate(env.LK_TEST_LICENSE_CODE);
        assert.equal(c.status, lk.Status.OK);
        assert.equal(c.featureEnabled('EXPORT'), lk.Status.OK);
        assert.equal(c.featureEnabled('NOPE'), lk.Status.FEATURE_UNKNOWN);
        // A non-ASCII code reaches the library as UTF-8 (not LK_INVALID_UTF8): simply unknown.
        assert.equal(c.featureEnabled('ÉXPORT-日本'), lk.Status.FEATURE_UNKNOWN);
        assert.equal(c.udf('EDITION'), 'pro');
        assert.throws(() => c.udf('MISSING'), rejectsWith(lk.Status.INVALID_ARGUMENT));
        assert.equal(c.info.license_code, env.LK_TEST_LICENSE_CODE);
        assert.equal(c.computerId, lk.computerId(env.LK_TEST_PRODUCT));
        assert.ok(c.expiry(lk.ExpiryKind.LEASE) > Date.now() / 1000);
        assert.ok(c.graceRemaining > 0);
        await c.refresh();

        await c.deactivate();
        assert.equal(c.status, lk.Status.DEACTIVATED);
        // The change is delivered on the main thread by the event loop.
        for (let i = 0; i < 50 && !seen.includes(lk.Status.DEACTIVATED); i++) await new Promise((r) => setTimeout(r, 20));
        assert.ok(seen.includes(lk.Status.DEACTIVATED), `callback saw ${seen}`);
        assert.ok(seen.includes(lk.Status.OK), `callback saw ${seen}`);
    } finally {
        await c.close();
    }
    assert.throws(() => c.status, /closed/);
    await c.close();
});

test('a failed network call carries the library\'s detail, not only the status message', async () => {
    const c = client(storeDir('refused'), { serverUrl: 'http://127.0.0.1:9' });
    try {
        await assert.rejects(c.activate(env.LK_TEST_LICENSE_CODE), (err) => {
            rejectsWith(lk.Status.NETWORK)(err);
            assert.match(err.detail, /127\.0\.0\.1:9/);
            return true;
        });
    } finally {
        await c.close();
    }
});

test('a restarted client is licensed from its store, without the network', async () => {
    const store = storeDir('restart');
    const first = client(store);
    await first.activate(env.LK_TEST_LICENSE_CODE);
    await first.close();
    const second = client(store, { serverUrl: 'http://127.0.0.1:9' });
    try {
        assert.equal(second.status, lk.Status.OK);
        assert.equal(second.featureEnabled('EXPORT'), lk.Status.OK);
    } finally {
        await second.close();
    }
});

test('UTF-8 both ways: a non-ASCII store path comes back in the diagnostics', async () => {
    const store = path.join(storeDir('utf8'), 'störe-日本');
    const c = client(store);
    try {
        assert.equal(c.diagnostics.store.path.startsWith(store), true, JSON.stringify(c.diagnostics.store));
    } finally {
        await c.close();
    }
});

test('a network call does not block the event loop; a silent server times out', async () => {
    const silent = net.createServer(() => {}); // accepts, never answers
    await new Promise((r) => silent.listen(0, '127.0.0.1', r));
    const c = client(storeDir('silent'), { serverUrl: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 1000 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
        const started = Date.now();
        await assert.rejects(c.activate(env.LK_TEST_LICENSE_CODE), (err) =>
            err instanceof lk.LicenseError && [lk.Status.TIMEOUT, lk.Status.NETWORK].includes(err.status));
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 900, `waited ${elapsed} ms`);
        assert.ok(ticks >= elapsed / 10 / 3, `${ticks} timer ticks in ${elapsed} ms: the event loop was blocked`);
    } finally {
        clearInterval(timer);
        await c.close();
        silent.close();
    }
});

test('close() waits for the network calls in flight', async () => {
    const c = client(storeDir('closing'));
    const activation = c.activate(env.LK_TEST_LICENSE_CODE);
    const closed = c.close();
    await activation;
    await closed;
    assert.throws(() => c.featureEnabled('EXPORT'), /closed/);
    await assert.rejects(c.activate(env.LK_TEST_LICENSE_CODE), /closed/);
});

test('shared capacity: a floating seat, pool elements, tokens, a session', async () => {
    const c = client(storeDir('capacity'));
    try {
        await c.activate(env.LK_TEST_CAPACITY_CODE);
        assert.equal(c.featureEnabled('SOLVER'), lk.Status.NO_SEAT);
        await c.floatingCheckout('SOLVER');
        assert.equal(c.featureEnabled('SOLVER'), lk.Status.OK);
        await c.floatingCheckin('SOLVER');
        assert.equal(c.featureEnabled('SOLVER'), lk.Status.NO_SEAT);
        await c.poolCheckout('MESH', 3);
        await c.poolCheckin('MESH', 3);
        const left = await c.consumeTokens('RENDER', 2);
        assert.equal(await c.consumeTokens('RENDER', 1), left - 1);
        await assert.rejects(c.consumeTokens('RENDER', 1_000_000), rejectsWith(lk.Status.TOKENS_EXHAUSTED));
        await c.sessionOpen();
        await c.sessionClose();
        await assert.rejects(c.sessionClose(), rejectsWith(lk.Status.NO_SEAT));
        await c.deactivate();
    } finally {
        await c.close();
    }
});
