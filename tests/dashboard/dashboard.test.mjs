// The dashboard in a real browser: Playwright (playwright-core) drives the system's Chromium,
// headless, against a real release licensekit-server on loopback, with a real licensed C
// client (client.c, and examples/c/airgap.c for the air-gapped machine) against the release
// library. Run by tests/dashboard/run.sh (the `dashboard` step of scripts/test).
//
// With LK_DASHBOARD_SCREENSHOTS=DIR the main pages are also saved there as PNG (the README's
// pictures in docs/dashboard/); with LK_DASHBOARD_FIGURES=FILE the page weights are written
// there as JSON.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const libdir = path.resolve(process.env.LK_LIBDIR ?? path.join(root, 'target/release'));
const serverBin = process.env.LK_SERVER_BIN ?? path.join(libdir, 'licensekit-server');
const shots = process.env.LK_DASHBOARD_SCREENSHOTS;
const figures = process.env.LK_DASHBOARD_FIGURES;
const work = mkdtempSync(path.join(tmpdir(), 'lk-dashboard-'));
const data = path.join(work, 'data');

let server, base, init, browser, rw, page;
const shared = {};

/** Builds a C program against include/licensekit.h and the release library. */
function buildC(name, source) {
  const out = path.join(work, name);
  execFileSync(process.env.CC ?? 'cc', [
    '-std=c11', '-Wall', '-Wextra', '-Werror', '-I', path.join(root, 'include'),
    path.join(root, source), '-L', libdir, '-llicensekit', `-Wl,-rpath,${libdir}`, '-o', out,
  ]);
  return out;
}

/** Runs the client program; its `call:` and `status:` lines. */
function client(store, ...args) {
  const out = execFileSync(path.join(work, 'client'), [base, init.public_key, shared.product, store, ...args], {
    encoding: 'utf8',
  });
  const line = (name) => out.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
  return { call: line('call'), status: line('status') };
}

/** Runs examples/c/airgap.c. */
function airgap(store, ...args) {
  return execFileSync(path.join(work, 'airgap'), [shared.product, init.public_key, store, ...args], { encoding: 'utf8' });
}

/** A Web API call with a key of `kind`: `fields` in the query of a GET, else the body. */
async function api(method, controller, kind, fields) {
  const get = method === 'GET';
  const query = get ? `?${new URLSearchParams(fields)}` : '';
  const response = await fetch(`${base}/api/${controller}${query}`, {
    method,
    headers: { Authorization: `bearer ${init.customer_id}:${init.api_keys[kind]}`, 'Content-Type': 'application/json' },
    body: get ? undefined : JSON.stringify(fields),
  });
  return { status: response.status, body: await response.json() };
}

/** A link of the navigation bar. */
function nav(name) {
  return page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });
}

/** Saves the page (the viewport, or all of it) as DIR/NAME.png when asked to. */
async function shot(name, fullPage = false) {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
}

/** Signs `target` in with the key of `kind`. */
async function signIn(target, kind) {
  await target.goto(`${base}/dashboard/sign-in`);
  await target.getByLabel('API key').fill(init.api_keys[kind]);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.waitForURL(`${base}/dashboard/codes`);
}

before(async () => {
  buildC('client', 'tests/dashboard/client.c');
  buildC('airgap', 'examples/c/airgap.c');
  init = JSON.parse(execFileSync(serverBin, ['init', '--data-dir', data, '--json'], { encoding: 'utf8' }));
  const log = openSync(path.join(work, 'server.log'), 'w');
  server = spawn(serverBin, ['serve', '--data-dir', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', log] });
  base = await new Promise((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    createInterface({ input: server.stdout }).once('line', (line) => resolve(line.match(/(http:\/\/\S+)/)[1]));
  });
  browser = await chromium.launch({
    executablePath: process.env.LK_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
  rw = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
  page = await rw.newPage();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  const keys = Object.values(init?.api_keys ?? {});
  const logged = readFileSync(path.join(work, 'server.log'), 'utf8');
  rmSync(work, { recursive: true, force: true });
  for (const key of keys) assert.ok(!logged.includes(key), 'an API key in the server log');
});

test('signs in with a READ-WRITE key; Offline keys are refused with a reason', async () => {
  await page.goto(`${base}/dashboard/codes`);
  assert.equal(new URL(page.url()).pathname, '/dashboard/sign-in', 'no session: the sign-in page');
  await page.getByLabel('API key').fill(init.api_keys.offline);
  await shot('sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('sign in with a READ-WRITE or READ-ONLY key').waitFor();
  await signIn(page, 'read_write');
  await page.getByRole('heading', { name: 'License codes' }).waitFor();
  const cookies = await rw.cookies();
  const session = cookies.find((c) => c.name === 'lk_dashboard');
  assert.ok(session.httpOnly && session.sameSite === 'Strict' && session.path === '/dashboard', JSON.stringify(session));
  assert.ok(!page.url().includes(init.api_keys.read_write), 'no key in the URL');
});

test('creates a product with a feature, and license codes', async () => {
  await nav('Products').click();
  await page.getByLabel('Name', { exact: true }).fill('Dashboard Widget');
  await page.getByLabel('Activations allowed per code').fill('2');
  await page.getByLabel('Client lease (hours, 0: none)').fill('24');
  await page.getByLabel('Offline lease (days)').fill('30');
  await page.getByRole('button', { name: 'Create product' }).click();
  const flash = await page.locator('.flash').textContent();
  shared.product = flash.match(/Product Created Successfully : (\d+)/)[1];
  await page.getByRole('link', { name: 'Dashboard Widget' }).click();
  await page.getByLabel('Code', { exact: true }).fill('EXPORT');
  await page.getByLabel('Name', { exact: true }).last().fill('Export drawings');
  await page.getByRole('button', { name: 'Add feature', exact: true }).click();
  await page.getByRole('cell', { name: 'EXPORT', exact: true }).waitFor();
  // Its edit form, folded under the table, opens without script and is pre-filled.
  const edit = page.locator('details', { hasText: 'Edit feature EXPORT' });
  await edit.locator('summary').click();
  const name = edit.getByLabel('Name', { exact: true });
  assert.equal(await name.inputValue(), 'Export drawings');
  await name.fill('Export drawings and sheets');
  await edit.getByRole('button', { name: 'Save feature' }).click();
  await page.getByRole('cell', { name: 'Export drawings and sheets', exact: true }).waitFor();
  const product = await api('GET', 'Product', 'read_write', { productid: shared.product });
  assert.equal(product.body[0].features[0].featureName, 'Export drawings and sheets');

  await nav('License codes').click();
  await page.getByLabel('How many new codes').fill('12');
  await page.getByRole('button', { name: 'Create codes' }).click();
  const made = await page.locator('.flash').textContent();
  const codes = made.split(' : ')[1].split(',');
  assert.equal(codes.length, 12);
  [shared.code, shared.offlineCode] = codes;
  const listed = await api('GET', 'LicenseCodes', 'read_write', { productid: shared.product });
  assert.equal(listed.body, 12, 'the Web API sees the codes the dashboard made');
});

test('an activation made by a real client appears with its system details', async () => {
  shared.store = path.join(work, 'store');
  const activated = client(shared.store, 'activate', shared.code);
  assert.deepEqual(activated, { call: 'LK_OK', status: 'LK_OK' });
  await page.getByLabel('Code, company or computer ID').fill(shared.code.slice(-6));
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: shared.code }).click();
  await page.getByRole('heading', { name: 'Activations' }).waitFor();
  const rows = page.locator('table:has(caption:text("Activations of this code")) tbody tr');
  assert.equal(await rows.count(), 1);
  const row = await rows.first().textContent();
  assert.match(row, /ACTIVATED/);
  shared.codePage = page.url();
  await shot('code', true);
  // Search by the computer ID finds the code.
  const computer = (await rows.first().locator('td').first().textContent()).trim();
  await page.goto(`${base}/dashboard/codes?code=${encodeURIComponent(computer)}`);
  await page.getByRole('link', { name: shared.code }).waitFor();
  await page.getByText('1 in all').waitFor();
});

test('a code disabled in the dashboard loses its license at the next refresh', async () => {
  await page.goto(shared.codePage);
  await page.getByRole('button', { name: 'Disable the code' }).click();
  await page.getByText('License Code Details Updated Successfully').waitFor();
  await page.getByRole('button', { name: 'Enable the code' }).waitFor();
  const refreshed = client(shared.store, 'refresh');
  assert.notEqual(refreshed.status, 'LK_OK', JSON.stringify(refreshed));
  assert.equal(refreshed.status, 'LK_DISABLED');
});

test('an offline certificate is issued from a pasted request and imported by the C example; its deactivation frees the seat', async () => {
  const store = path.join(work, 'airgapped');
  const request = path.join(work, 'request.txt');
  airgap(store, 'request', shared.offlineCode, request);
  await nav('Air-gapped').click();
  await page.getByLabel("The customer's activation request").fill(readFileSync(request, 'utf8'));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Issue and download the certificate' }).click(),
  ]);
  const certificate = path.join(work, 'certificate.txt');
  await download.saveAs(certificate);
  assert.match(airgap(store, 'import', certificate), /imported/);
  assert.match(airgap(store, 'status'), /status: LK_OK/);
  const activity = await api('GET', 'LicenseCodeActivity', 'read_only', {
    productid: shared.product, licensecode: shared.offlineCode, activated: 1,
  });
  assert.equal(activity.body.length, 1, 'the certificate took a seat');

  // The machine gives its seat back: its deactivation certificate, pasted, frees it.
  const deactivation = path.join(work, 'deactivation.txt');
  airgap(store, 'deactivate', deactivation);
  await nav('Air-gapped').click();
  await page.getByLabel("The customer's deactivation certificate").fill(readFileSync(deactivation, 'utf8'));
  await page.getByRole('button', { name: 'Free the seat' }).click();
  await page.locator('.flash').getByText('OK', { exact: true }).waitFor();
  const freed = await api('GET', 'LicenseCodeActivity', 'read_only', {
    productid: shared.product, licensecode: shared.offlineCode, activated: 1,
  });
  assert.equal(freed.body.length, 0, 'the seat is free');
});

test('any list exports as CSV', async () => {
  await page.goto(`${base}/dashboard/codes?productid=${shared.product}`);
  await shot('codes');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const file = path.join(work, 'codes.csv');
  await download.saveAs(file);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.match(lines[0], /^License code,Product,Company,Enabled/);
  assert.equal(lines.length, 13);
  assert.ok(lines.some((l) => l.startsWith(`${shared.code},Dashboard Widget,,no,`)), 'the disabled code');
});

test('events are charted by day', async () => {
  for (const event of ['export', 'export', 'print', 'export']) {
    const sent = await api('POST', 'DataStreamer', 'ds', { event, productid: shared.product });
    assert.equal(sent.status, 200);
  }
  await nav('Events').click();
  const chart = page.getByRole('img', { name: /Events per day over the last 30 days: 4 in all/ });
  await chart.waitFor();
  assert.equal(await page.locator('svg.chart rect').count(), 30);
  await shot('events');
});

test('a READ-ONLY key sees every page and is refused every change', async () => {
  const ro = await browser.newContext();
  const view = await ro.newPage();
  await signIn(view, 'read_only');
  const pages = [
    '/dashboard/codes', shared.codePage.replace(base, ''), '/dashboard/products',
    `/dashboard/product?productid=${shared.product}`, '/dashboard/companies', '/dashboard/trials',
    `/dashboard/consumers?productid=${shared.product}`, '/dashboard/events', '/dashboard/offline',
  ];
  for (const p of pages) {
    const response = await view.goto(`${base}${p}`);
    assert.equal(response.status(), 200, p);
    assert.equal(await view.locator('form[action^="/dashboard/run/"], form[action^="/dashboard/offline/"]').count(), 0,
      `${p} shows a change control`);
  }
  const token = await view.locator('input[name="_csrf"]').first().inputValue();
  const changes = [
    ['run/Product', 'POST'], ['run/Product', 'PUT'], ['run/ProductFeatures', 'POST'], ['run/ProductFeatures', 'DELETE'],
    ['run/ProductFeatures', 'PUT'], ['run/ProductFeatureGroups', 'POST'], ['run/ProductFeatureGroups', 'PUT'],
    ['run/ProductUDF', 'POST'], ['run/ProductUDF', 'PUT'], ['run/Profile', 'POST'], ['run/Profile', 'PUT'],
    ['run/ConsumerData', 'POST'],
    ['run/LicenseCode', 'POST'], ['run/LicenseCode', 'PUT'], ['run/LicenseCodeActivity', 'PUT'],
    ['run/LicenseCodeActivity', 'DELETE'], ['run/LicenseNote', 'POST'], ['run/Company', 'POST'],
    ['run/Company', 'DELETE'], ['run/Trial', 'DELETE'], ['run/OfflineActivation', 'DELETE'],
    ['offline/certificate', ''], ['offline/passive', ''],
  ];
  for (const [route, method] of changes) {
    const response = await ro.request.post(`${base}/dashboard/${route}`, {
      form: { _csrf: token, _method: method, productid: shared.product, licensecode: shared.code, enabledforuse: 'true' },
      maxRedirects: 0,
    });
    assert.equal(response.status(), 403, `${method} ${route}`);
    assert.match(await response.text(), /READ-ONLY key/);
  }
  const code = await api('GET', 'LicenseCode', 'read_only', { licensecode: shared.code });
  assert.equal(code.body[0].enabledforuse, 'False', 'still disabled: nothing changed');
  await ro.close();
});

test('page weights', async () => {
  const weights = {};
  const css = await (await fetch(`${base}/dashboard/style.css`)).text();
  for (const [name, p] of [
    ['sign-in', '/dashboard/sign-in'], ['codes', `/dashboard/codes?productid=${shared.product}`],
    ['code', shared.codePage.replace(base, '')], ['events', '/dashboard/events'], ['products', '/dashboard/products'],
  ]) {
    const response = await page.goto(`${base}${p}`);
    const html = await response.text();
    assert.equal(await page.locator('script').count(), 0, `${name}: no script`);
    weights[name] = { html: Buffer.byteLength(html), css: Buffer.byteLength(css), js: 0 };
  }
  if (figures) writeFileSync(figures, `${JSON.stringify(weights, null, 2)}\n`);
  for (const [name, w] of Object.entries(weights)) {
    assert.ok(w.html + w.css < 64 * 1024, `${name} weighs ${w.html + w.css} bytes`);
  }
});
