// Time to first render of the dashboard's code list in Chromium, for measure.sh:
//   node tests/dashboard/first-render.mjs BASE_URL API_KEY
// Signs in, loads /dashboard/codes five times and prints the medians (ms) of the time to the
// HTML's last byte and to the first contentful paint, from the start of the navigation.

import { chromium } from 'playwright-core';

const [base, key] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.LK_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'],
});
const page = await browser.newPage();
await page.goto(`${base}/dashboard/sign-in`);
await page.getByLabel('API key').fill(key);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(`${base}/dashboard/codes`);
const runs = [];
for (let i = 0; i < 5; i++) {
  await page.goto(`${base}/dashboard/codes`);
  // The paint entry is recorded after the load event: waited for with a buffered observer.
  runs.push(await page.evaluate(() => new Promise((resolve) => {
    const navigation = performance.getEntriesByType('navigation')[0];
    new PerformanceObserver((list) => {
      const paint = list.getEntriesByName('first-contentful-paint')[0];
      if (paint) resolve({ html: navigation.responseEnd - navigation.startTime, paint: paint.startTime });
    }).observe({ type: 'paint', buffered: true });
  })));
}
await browser.close();
const median = (values) => values.sort((a, b) => a - b)[2].toFixed(1);
console.log(`HTML ${median(runs.map((r) => r.html))} ms, first contentful paint ${median(runs.map((r) => r.paint))} ms`);
