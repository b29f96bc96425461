// `usher demo`'s page in a real browser: open it, press "Connect Magento", fill the
// install modal, finish, and read what the page's callback showed. Started by
// tests/it/ship.rs with DEMO_URL and ARTIFACTS_DIR; prints one line `RESULTS {json}`.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const DEMO = process.env.DEMO_URL;
const ARTIFACTS = process.env.ARTIFACTS_DIR;
const WAIT = 15000;
if (!DEMO || !ARTIFACTS) { throw new Error('DEMO_URL and ARTIFACTS_DIR are required'); }

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const results = { pageErrors: [] };
try {
  const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
  page.on('pageerror', (e) => results.pageErrors.push(e.message));
  await page.goto(DEMO);
  await page.waitForFunction(() => document.getElementById('integrations').textContent.includes('Magento'), null, { timeout: WAIT });
  results.before = await page.textContent('#integrations');
  await page.click('#connect');
  const handle = await page.waitForSelector('iframe[data-usher=frame]', { state: 'attached', timeout: WAIT });
  const frame = await handle.contentFrame();
  await frame.waitForSelector('#usher-form form', { timeout: WAIT });
  await frame.fill('[name="storeUrl"]', 'https://shop.example.com');
  await frame.fill('[name="apiKey"]', 'demo-secret');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'demo-modal.png') });
  await frame.click('#usher-form form button[type=submit], #usher-form form input[type=submit]');
  await page.waitForFunction(() => document.getElementById('result').textContent.includes('success'), null, { timeout: WAIT });
  results.callback = JSON.parse(await page.textContent('#result'));
  await page.waitForFunction(() => document.getElementById('integrations').textContent.includes('true'), null, { timeout: WAIT });
  results.after = await page.textContent('#integrations');
  await page.screenshot({ path: path.join(ARTIFACTS, 'demo-done.png') });
} catch (e) {
  results.failed = String((e && e.stack) || e);
} finally {
  await browser.close();
}
console.log(`RESULTS ${JSON.stringify(results)}`);
