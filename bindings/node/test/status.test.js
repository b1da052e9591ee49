'use strict';
// The binding's tables against include/licensekit.h: a status or version the header gains
// and the binding lacks fails here.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const lk = require('..');

const header = fs.readFileSync(process.env.LK_HEADER ?? path.join(__dirname, '../../../include/licensekit.h'), 'utf8');

test('every lk_status of the header is in Status, with its number, and nothing else', () => {
    const block = header.slice(header.indexOf('enum lk_status'), header.indexOf('};', header.indexOf('enum lk_status')));
    const fromHeader = Object.fromEntries([...block.matchAll(/^\s*LK_([A-Z0-9_]+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]));
    assert.ok(Object.keys(fromHeader).length > 50, 'the header parse found the statuses');
    assert.deepEqual({ ...lk.Status }, fromHeader);
    for (const [name, value] of Object.entries(lk.Status)) assert.equal(lk.statusName(value), name);
});

test('the package is built for the header version, and the library loaded is that version', () => {
    const version = header.match(/#define LK_VERSION "([^"]+)"/)[1];
    assert.equal(lk.BUILT_FOR_VERSION, version);
    assert.equal(require('../package.json').version, version);
    assert.equal(lk.version(), version);
});

test('expiry kinds match the header', () => {
    const kinds = Object.fromEntries([...header.matchAll(/^\s*LK_EXPIRY_([A-Z]+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]));
    assert.deepEqual({ ...lk.ExpiryKind }, kinds);
});

test('index.d.ts declares the same statuses and expiry kinds', () => {
    const typings = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
    const section = (name) => typings.slice(typings.indexOf(`export declare const ${name}`), typings.indexOf('};', typings.indexOf(`export declare const ${name}`)));
    const declared = (name) => Object.fromEntries([...section(name).matchAll(/readonly ([A-Z0-9_]+): (\d+)/g)].map((m) => [m[1], Number(m[2])]));
    assert.deepEqual(declared('Status'), { ...lk.Status });
    assert.deepEqual(declared('ExpiryKind'), { ...lk.ExpiryKind });
});
