'use strict';
// index.d.ts compiles, strict, and describes the package as test/types/usage.ts uses it
// (including the misuse it must refuse, marked @ts-expect-error).
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

test('the typings compile under tsc --strict with a program that uses them', () => {
    const root = path.join(__dirname, '..');
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
        execFileSync(process.execPath, [tsc, '--project', path.join(__dirname, 'types')], { encoding: 'utf8' });
    } catch (err) {
        output = `${err.stdout}${err.stderr}`;
    }
    assert.equal(output, '');
});
