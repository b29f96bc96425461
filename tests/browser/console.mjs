// The operator console in a real browser: Debian's chromium driven by playwright-core.
// Started by tests/it/console_browser.rs, which runs the appliance (and a webhook
// receiver) and passes the URLs in the environment. The script walks an operator's
// first hour: setup, sign in, a production key, an integration shared with a new user
// by email, that user installing from a second browser, a SmartLink app signing someone
// in, a dead delivery retried. Every page is screenshotted on a desktop and a phone and
// checked with axe-core. It OBSERVES and prints one line `RESULTS {json}`; the Rust test
// asserts on it and on the database.
import { chromium } from 'playwright-core';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const env = process.env;
const need = (name) => {
  if (!env[name]) { throw new Error(`missing environment variable ${name}`); }
  return env[name];
};
const USHER = need('USHER_URL');
const SETUP = need('SETUP_URL');
const ARTIFACTS = path.join(need('ARTIFACTS_DIR'), 'console');
const EMAIL = 'ops@example.com';
const PASSWORD = 'correct horse battery';
const WAIT = 15000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

fs.mkdirSync(ARTIFACTS, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

const results = { shots: [], axe: [], pageErrors: [] };

// A context whose pages accept every confirmation dialog.
async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  page.on('pageerror', (e) => results.pageErrors.push(e.message));
  return { context, page };
}

// Screenshots of the page on a desktop and a phone, and an axe check of it.
async function shot(page, name, { axe = true } = {}) {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  results.shots.push(name);
  if (!axe) { return; }
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  for (const v of found) { results.axe.push({ page: name, ...v }); }
}

// A viewport-sized picture for the README (docs/images/ holds the committed copies).
async function readme(page, name) {
  await page.setViewportSize({ width: 1120, height: 660 });
  await page.screenshot({ path: path.join(ARTIFACTS, `readme-${name}.png`) });
  await page.setViewportSize(DESKTOP);
}

async function go(page, url, name) {
  const response = await page.goto(url.startsWith('http') ? url : USHER + url);
  if (name) { await shot(page, name); }
  return response ? response.status() : 0;
}

async function submit(page, selector) {
  await Promise.all([page.waitForLoadState('load'), page.waitForNavigation({ timeout: WAIT }), page.click(selector)]);
}

const api = async (key, p) => (await fetch(USHER + p, { headers: { authorization: `Bearer ${key}` } })).status;

const { context: opsContext, page: ops } = await newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
try {
  // First run: the setup URL printed by `usher serve`.
  results.setupStatus = await go(ops, SETUP, 'setup');
  await ops.fill('#email', EMAIL);
  await ops.fill('#password', PASSWORD);
  await ops.fill('#confirm', PASSWORD);
  await submit(ops, 'button[type=submit]');
  results.afterSetup = new URL(ops.url()).pathname;
  await shot(ops, 'overview-first-run');
  results.setupAgain = await go(ops, SETUP, 'setup-closed');
  await go(ops, '/console/development');

  // Sign out, sign in again.
  await submit(ops, '.who button');
  await shot(ops, 'sign-in');
  await ops.fill('#email', EMAIL);
  await ops.fill('#password', 'wrong password!!');
  await submit(ops, 'button[type=submit]');
  results.wrongPassword = await ops.textContent('#sign-in-error');
  await shot(ops, 'sign-in-failed');
  await ops.fill('#password', PASSWORD);
  await submit(ops, 'button[type=submit]');
  results.signedIn = new URL(ops.url()).pathname;

  // A production key: shown once, works, and Generate again revokes it.
  await go(ops, '/console/production/keys', 'keys-empty');
  await submit(ops, '#generate');
  const key1 = await ops.inputValue('#new-key');
  await ops.click('[data-copy=new-key]');
  await ops.waitForFunction(() => document.querySelector('[data-copy=new-key]').textContent === 'Copied', null, { timeout: WAIT });
  results.copyLabel = await ops.textContent('[data-copy=new-key]');
  results.copiedKey = (await ops.evaluate(() => navigator.clipboard.readText())) === key1;
  await shot(ops, 'key-shown');
  await readme(ops, 'key');
  results.key1Works = await api(key1, '/users');
  await go(ops, '/console/production/keys');
  await submit(ops, '#generate');
  const key2 = await ops.inputValue('#new-key');
  results.key1After = await api(key1, '/users');
  results.key2Works = await api(key2, '/users');
  await go(ops, '/console/production/keys', 'keys');
  // The confirmation page the server shows when no script asks (checked here with axe).
  // form.submit() skips the submit event, so no script asks: the server does.
  await Promise.all([ops.waitForNavigation({ timeout: WAIT }), ops.evaluate(() => document.querySelector('form[data-confirm]').submit())]);
  await shot(ops, 'confirm');
  await submit(ops, 'main a.btn.ghost');

  // An integration, from the form.
  await go(ops, '/console/production/integrations', 'integrations-empty');
  await go(ops, '/console/production/integrations/new', 'integration-new');
  await ops.fill('#name', 'Magento');
  await ops.fill('#app', 'magento');
  await ops.fill('#description', 'Orders and customers from your Magento store.');
  await ops.fill('[aria-label="Field 2 name"]', 'storeUrl');
  await ops.fill('[aria-label="Field 2 label"]', 'Store URL');
  await ops.selectOption('[aria-label="Field 2 type"]', 'url');
  await ops.selectOption('[aria-label="Field 2 required"]', 'yes');
  await ops.fill('[aria-label="Workflow 1 name"]', 'Sync orders');
  await ops.fill('[aria-label="Workflow 2 name"]', 'Sync customers');
  await submit(ops, '#save-integration');
  const integrationUrl = new URL(ops.url()).pathname;
  await shot(ops, 'integration');

  // Share with a new user by email: 7 days by default.
  results.defaultExpiry = await ops.inputValue('#expires');
  await ops.fill('#share-email', 'dale@example.com');
  await ops.evaluate(() => window.scrollTo(0, document.getElementById('share').offsetTop - 90));
  await readme(ops, 'share');
  await ops.evaluate(() => window.scrollTo(0, 0));
  await submit(ops, '#generate-link');
  const link = await ops.inputValue('#install-link');
  results.link = link;
  await shot(ops, 'share-link');

  // The user opens it in another browser, on a phone, and installs.
  const { context: userContext, page: user } = await newPage({ viewport: PHONE });
  results.linkStatus = await go(user, link);
  await user.fill('[name=apiKey]', 's3cret-key');
  await user.fill('[name=storeUrl]', 'https://shop.example.com');
  await submit(user, 'button[type=submit]');
  results.installed = await user.textContent('h1');
  await shot(user, 'install-complete');
  await userContext.close();

  // ... and the operator sees it arrive.
  await submit(ops, 'a.btn.primary');
  results.userPage = new URL(ops.url()).pathname;
  results.installationRows = await ops.locator('[id^=installation-]').count();
  await shot(ops, 'user');
  await readme(ops, 'installed');
  await go(ops, '/console/production/users', 'users');
  await go(ops, '/console/production', 'overview');
  results.overviewInstallations = await ops.textContent('#count-installations');
  await go(ops, integrationUrl, 'integration-after-install');
  await go(ops, `${integrationUrl}/edit`, 'integration-edit');

  // SmartLink: create an app, sign a link from the shown secret and App ID, sign in.
  await go(ops, '/console/production/smartlink', 'smartlink-empty');
  await ops.fill('#app-name', 'Acme web app');
  await submit(ops, '#create-app');
  const appId = await ops.inputValue('#app-id');
  const secret = await ops.inputValue('#shared-secret');
  await shot(ops, 'smartlink-secret');
  await submit(ops, 'a.btn.primary');
  await shot(ops, 'smartlink-app');
  await go(ops, '/console/production/smartlink', 'smartlink');
  const expires = Math.floor(Date.now() / 1000) + 600;
  const nonce = crypto.randomBytes(16).toString('hex');
  const query = `appId=${appId}&firstName=Ada&surname=Lovelace&username=ada%40example.com&v=2&expires=${expires}&nonce=${nonce}`;
  const token = crypto.createHmac('sha256', secret).update(query).digest('hex');
  const { context: ssoContext, page: sso } = await newPage();
  await sso.goto(`${USHER}/signable/token/login?${query}&token=${token}`);
  await sso.waitForURL(/\/portal$/, { timeout: WAIT });
  results.portal = await sso.textContent('h1');
  await ssoContext.close();

  // Webhooks: the dead delivery, retried.
  await go(ops, '/console/production/webhooks', 'webhooks');
  await submit(ops, 'table a');
  await shot(ops, 'webhook');
  await go(ops, ops.url() + '?status=dead', 'webhook-dead');
  await submit(ops, 'table a');
  results.deadBefore = await ops.textContent('#delivery-status');
  await shot(ops, 'delivery-dead');
  await submit(ops, '#retry');
  const deadline = Date.now() + WAIT;
  let status = await ops.textContent('#delivery-status');
  while (status !== 'delivered' && Date.now() < deadline) {
    await ops.waitForTimeout(200);
    await ops.reload();
    status = await ops.textContent('#delivery-status');
  }
  results.deliveryAfter = status;
  await shot(ops, 'delivery-retried');

  // The rest of the pages.
  await go(ops, '/console/production/audit', 'audit');
  await go(ops, '/console/production/settings', 'settings');
  await go(ops, '/console/production/account', 'account');
  results.notFound = await go(ops, '/console/production/users/000000000000000000000000', 'not-found');
  await go(ops, '/console/development', 'overview-development');

  // Without JavaScript: Generate asks on a page, then shows the key (no Copy button).
  const { context: noJsContext, page: noJs } = await newPage({ javaScriptEnabled: false });
  await noJs.goto(`${USHER}/console/sign-in`);
  await noJs.fill('#email', EMAIL);
  await noJs.fill('#password', PASSWORD);
  await submit(noJs, 'button[type=submit]');
  await noJs.goto(`${USHER}/console/production/keys`);
  await submit(noJs, '#generate');
  results.noJsConfirm = await noJs.textContent('h1');
  await shot(noJs, 'confirm-no-script', { axe: false });
  await submit(noJs, 'button.danger');
  results.noJsKey = (await noJs.inputValue('#new-key')).slice(0, 9);
  results.noJsCopyHidden = await noJs.isHidden('[data-copy=new-key]');
  await noJsContext.close();
} catch (e) {
  results.failed = String((e && e.stack) || e);
  await ops.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => {});
} finally {
  await opsContext.close();
  await browser.close();
}
console.log('RESULTS ' + JSON.stringify(results));
