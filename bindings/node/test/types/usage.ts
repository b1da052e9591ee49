// Compiled by test/types.test.js with tsc --strict: the typings in index.d.ts describe the
// package as a TypeScript application uses it. Never run.
import * as lk from 'licensekit';

/** Where the program prints (no @types/node needed for this check). */
declare function report(...values: unknown[]): void;

async function firstProgram(productId: string, key: string, url: string, code: string): Promise<boolean> {
    const client = new lk.Client({ productId, publicKeys: [key], serverUrl: url, timeoutMs: 10_000, app: { version: '2.1' } });
    try {
        if (client.status !== lk.Status.OK) await client.activate(code);
        const status: lk.Status = client.featureEnabled('EXPORT');
        client.onStatusChange((s: lk.Status) => report(lk.statusName(s)));
        const left: number = await client.consumeTokens('RENDER', 1);
        const end: number = client.expiry(lk.ExpiryKind.LEASE);
        report(left, end, client.udf('EDITION'), client.info, client.graceRemaining, lk.libraryPath);
        return status === lk.Status.OK;
    } catch (err) {
        if (err instanceof lk.LicenseError) report(err.status, err.statusName, err.detail);
        return false;
    } finally {
        await client.close();
    }
}

// Misuse the typings must refuse:
// @ts-expect-error featureEnabled answers a Status, not a boolean
const wrong: boolean = new lk.Client({ productId: 'P' }).featureEnabled('EXPORT');
// @ts-expect-error the product ID is required
new lk.Client({ serverUrl: 'http://127.0.0.1:1' });
// @ts-expect-error network calls are promises
lk.Client.prototype.activate('code').length;

export { firstProgram, wrong };
