'use strict';
// Times the binding for tests/bindings/run.sh: loading it (require, which opens the library
// and checks its version), and Client#featureEnabled on an active license, the best of 5
// rounds of 200000 calls, as tests/bindings/feature_bench.c does in C.
//   node bench/feature.js STORE_DIR   (LK_TEST_* as for the tests)
const started = process.hrtime.bigint();
const lk = require('..');
const loadMs = Number(process.hrtime.bigint() - started) / 1e6;

async function main(store) {
    const env = process.env;
    const client = new lk.Client({ productId: env.LK_TEST_PRODUCT, publicKeys: [env.LK_TEST_PUBLIC_KEY],
        serverUrl: env.LK_TEST_SERVER_URL, storeDir: store });
    await client.activate(env.LK_TEST_LICENSE_CODE);
    const calls = 200000;
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
        const t = process.hrtime.bigint();
        for (let i = 0; i < calls; i++) if (client.featureEnabled('EXPORT') !== lk.Status.OK) throw new Error('EXPORT not enabled');
        best = Math.min(best, Number(process.hrtime.bigint() - t) / calls);
    }
    console.log(`node load: ${loadMs.toFixed(1)} ms (library ${lk.version()})`);
    console.log(`node feature_enabled: ${best.toFixed(1)} ns/call`);
    await client.close();
}

main(process.argv[2]);
