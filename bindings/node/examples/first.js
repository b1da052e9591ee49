// A first licensekit program: activate a license code, check a feature, deactivate.
//   node first.js PRODUCT_ID PUBLIC_KEY SERVER_URL LICENSE_CODE [STORE_DIR]
const lk = require('licensekit');

async function main([productId, publicKey, serverUrl, licenseCode, storeDir]) {
    console.log(`licensekit ${lk.version()} (${lk.libraryPath})`);
    const client = new lk.Client({ productId, publicKeys: [publicKey], serverUrl, storeDir });
    try {
        if (client.status !== lk.Status.OK) {
            await client.activate(licenseCode); // off the main thread: the UI keeps running
            console.log('activated');
        }
        const status = client.featureEnabled('EXPORT'); // local, well under a microsecond
        console.log(status === lk.Status.OK ? 'EXPORT is enabled' : `EXPORT: ${lk.statusName(status)}`);
        await client.deactivate();
        console.log('deactivated');
    } catch (err) {
        if (!(err instanceof lk.LicenseError)) throw err;
        console.error(`licensing failed: ${err.statusName}: ${err.detail}`);
        process.exitCode = 1;
    } finally {
        await client.close();
    }
}

main(process.argv.slice(2));
