// The SDK in a real browser: Debian's chromium driven by playwright-core. Started by
// tests/it/browser.rs, which runs the appliance and the host pages and passes their URLs
// and tokens in the environment. This script OBSERVES (what the callback got, what the
// modal showed) and prints one line `RESULTS {json}`; the Rust test asserts on it and
// on the database. One browser launch for every case; one fresh context per case.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const need = (name) => {
  if (!env[name]) { throw new Error(`missing environment variable ${name}`); }
  return env[name];
};
const USHER = need('USHER_URL');
const HOST = need('HOST_URL');
const FOREIGN = need('FOREIGN_URL');
const FOREIGN_ORIGIN = new URL(FOREIGN).origin;
const TOKEN = need('USER_TOKEN');
const TOKEN_DOUBLE = need('USER2_TOKEN');
const EXPIRED = need('EXPIRED_TOKEN');
const INTEGRATION = need('INTEGRATION_ID');
const FIELDS = JSON.parse(need('CREDENTIALS'));
const ARTIFACTS = need('ARTIFACTS_DIR');
const WAIT = 15000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

const results = {};

// Requests of a page and its frames still unanswered (a late answer could still bring
// a second callback).
const inflight = new WeakMap();

async function run(name, fn, viewport = { width: 1024, height: 768 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  inflight.set(page, 0);
  page.on('request', () => inflight.set(page, inflight.get(page) + 1));
  page.on('requestfinished', () => inflight.set(page, inflight.get(page) - 1));
  page.on('requestfailed', () => inflight.set(page, inflight.get(page) - 1));
  const console_ = [];
  page.on('console', (m) => { if (m.type() === 'error') { console_.push(m.text()); } });
  page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
  try {
    results[name] = await fn(page);
  } catch (e) {
    results[name] = { failed: String((e && e.stack) || e) };
  } finally {
    if (results[name]) { results[name].pageErrors = console_.filter((t) => t.startsWith('pageerror')); }
    await context.close();
  }
}

async function openHost(page, url = HOST) {
  await page.goto(url);
  await page.waitForFunction(() => window.Usher !== undefined, null, { timeout: WAIT });
}

function install(page, token, options) {
  return page.evaluate(([t, o]) => {
    window.results = [];
    if (t) { window.Usher.setToken(t); }
    window.Usher.install(Object.assign({}, o, { callback: window.record }));
  }, [token, options]);
}

async function waitResult(page) {
  await page.waitForFunction(() => window.results.length > 0, null, { timeout: WAIT });
  return page.evaluate(() => window.results);
}

// The callbacks once the network has settled: every request the page and its frames
// made is answered, and every message already posted to the page is delivered (a
// round trip through the page's own message queue comes after them). Only then is
// "exactly one callback" a fact rather than a snapshot taken too early.
async function settledResults(page) {
  const deadline = Date.now() + WAIT;
  while (inflight.get(page) > 0) {
    if (Date.now() > deadline) { throw new Error(`requests still in flight after ${WAIT} ms`); }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await page.evaluate(() => new Promise((resolve) => {
    const marker = `settled-${Math.random()}`;
    const onMessage = (e) => {
      if (e.data === marker) { window.removeEventListener('message', onMessage); resolve(); }
    };
    window.addEventListener('message', onMessage);
    window.postMessage(marker, '*');
  }));
  return page.evaluate(() => window.results);
}

async function modalFrame(page) {
  const handle = await page.waitForSelector('iframe[data-usher=frame]', { state: 'attached', timeout: WAIT });
  return handle.contentFrame();
}

async function waitForm(page) {
  const frame = await modalFrame(page);
  await frame.waitForSelector('#usher-form form', { timeout: WAIT });
  return frame;
}

async function fill(frame) {
  for (const [name, value] of Object.entries(FIELDS)) { await frame.fill(`[name="${name}"]`, value); }
}

const overlayOpen = (page) => page.evaluate(() => document.querySelector('[data-usher=overlay]') !== null);
const statusText = (frame) => frame.evaluate(() => document.getElementById('usher-status').textContent);
const submitSelector = '#usher-form form button[type=submit], #usher-form form input[type=submit]';

// The whole flow: open, look (dialog semantics, focus trap, screenshot), fill, finish.
await run('install', async (page) => {
  await openHost(page);
  await install(page, TOKEN, { integrationId: INTEGRATION, title: 'Connect Magento' });
  const frame = await waitForm(page);
  const dialog = await page.evaluate(() => {
    const d = document.querySelector('[data-usher=dialog]');
    return { role: d.getAttribute('role'), ariaModal: d.getAttribute('aria-modal'), label: d.textContent.trim() };
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'modal-desktop.png') });
  // Focus stays in the dialog however far one tabs.
  const focus = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    focus.push(await page.evaluate(() => {
      const a = document.activeElement;
      return a && document.querySelector('[data-usher=overlay]').contains(a) ? a.getAttribute('data-usher') || 'inside' : 'OUTSIDE';
    }));
  }
  await fill(frame);
  await frame.click(submitSelector);
  await waitResult(page);
  const got = await settledResults(page);
  return { dialog, focus, results: got, overlayAfter: await overlayOpen(page) };
});

// Installed already: without alwaysShowAuthentication the modal asks nothing.
await run('alreadyInstalled', async (page) => {
  await openHost(page);
  await install(page, TOKEN, { integrationId: INTEGRATION });
  return { results: await waitResult(page), overlayAfter: await overlayOpen(page) };
});

// A phone-sized screen: the dialog fills it.
await run('phone', async (page) => {
  await openHost(page);
  await install(page, TOKEN, { integrationId: INTEGRATION, alwaysShowAuthentication: true });
  await waitForm(page);
  await page.screenshot({ path: path.join(ARTIFACTS, 'modal-phone.png') });
  const box = await (await page.$('[data-usher=dialog]')).boundingBox();
  return { box };
}, { width: 375, height: 667 });

// Finish pressed twice in quick succession (another user, so the install is counted alone).
await run('doubleClick', async (page) => {
  await openHost(page);
  await install(page, TOKEN_DOUBLE, { integrationId: INTEGRATION });
  const frame = await waitForm(page);
  // First with the fields empty: the messages appear next to the fields, nothing installs.
  await frame.click(submitSelector);
  await frame.waitForSelector('#usher-form .field.invalid .error', { timeout: WAIT });
  const fieldErrors = await frame.evaluate(() => Array.from(document.querySelectorAll('#usher-form .error')).map((e) => e.textContent));
  await fill(frame);
  await frame.dblclick(submitSelector);
  await waitResult(page);
  const got = await settledResults(page);
  return { fieldErrors, results: got };
});

// Escape (focus in the host page, then focus inside the frame), the close button, a click outside.
await run('cancel', async (page) => {
  await openHost(page);
  const out = {};
  await install(page, TOKEN, { integrationId: INTEGRATION, alwaysShowAuthentication: true });
  await waitForm(page);
  await page.keyboard.press('Escape');
  out.escape = await waitResult(page);
  out.openAfterEscape = await overlayOpen(page);
  await install(page, TOKEN, { integrationId: INTEGRATION, alwaysShowAuthentication: true });
  const frame = await waitForm(page);
  await frame.click('#usher-form form input:not([type=hidden])');
  await page.keyboard.press('Escape');
  out.escapeInFrame = await waitResult(page);
  await install(page, TOKEN, { integrationId: INTEGRATION, alwaysShowAuthentication: true });
  await waitForm(page);
  await page.click('[data-usher=close]');
  out.closeButton = await waitResult(page);
  await install(page, TOKEN, { integrationId: INTEGRATION, alwaysShowAuthentication: true });
  await waitForm(page);
  await page.mouse.click(5, 5);
  out.clickOutside = await waitResult(page);
  out.openAfter = await overlayOpen(page);
  return out;
});

await run('expired', async (page) => {
  await openHost(page);
  await install(page, EXPIRED, { integrationId: INTEGRATION });
  const got = await waitResult(page);
  const frame = await modalFrame(page);
  return { results: got, status: await statusText(frame), overlayOpen: await overlayOpen(page) };
});

await run('unknownIntegration', async (page) => {
  await openHost(page);
  await install(page, TOKEN, { integrationId: 'ffffffffffffffffffffffff' });
  const got = await waitResult(page);
  return { results: got, status: await statusText(await modalFrame(page)) };
});

// No token yet, bad arguments: a failed callback, never an exception.
await run('noToken', async (page) => {
  await openHost(page);
  return page.evaluate(() => {
    const out = { sameObject: window.Usher === window.Alloy, threw: [] };
    window.results = [];
    window.Usher.install({ integrationId: 'x', callback: window.record });
    out.results = window.results.slice();
    out.overlay = document.querySelector('[data-usher=overlay]') !== null;
    for (const call of [() => window.Usher.install(), () => window.Usher.install(null), () => window.Usher.authenticate(5),
      () => window.Usher.setToken({}), () => window.Usher.close(),
      () => window.Usher.install({ integrationId: 'x', callback: () => { throw new Error('host bug'); } })]) {
      try { call(); } catch (e) { out.threw.push(String(e)); }
    }
    return out;
  });
});

// getIntegrations from the allowed origin: the token's user's catalog.
await run('getIntegrations', async (page) => {
  await openHost(page);
  return page.evaluate(async (t) => {
    window.Usher.setToken(t);
    const list = await window.Usher.getIntegrations();
    return { ids: list.map((i) => i.integrationId) };
  }, TOKEN);
});

// An origin outside sdk.allowed_origins: the page will not frame, nothing is posted to
// it, and the SDK endpoints refuse it even with a valid token.
await run('foreignOrigin', async (page) => {
  await openHost(page, FOREIGN);
  await install(page, TOKEN, { integrationId: INTEGRATION });
  const got = await waitResult(page);
  const frame = await modalFrame(page);
  const embedShown = await frame.evaluate(() => document.getElementById('usher-embed') !== null).catch(() => false);
  const fromUsher = await page.evaluate((o) => window.messages.filter((m) => m.origin === o).length, new URL(USHER).origin);
  const fetchResult = await page.evaluate(async ([u, t]) => {
    try {
      const r = await fetch(u + '/sdk/integrations', { headers: { Authorization: 'Bearer ' + t } });
      return 'status ' + r.status;
    } catch (e) { return 'blocked'; }
  }, [USHER, TOKEN]);
  const getIntegrations = await page.evaluate(async (t) => {
    window.Usher.setToken(t);
    try { await window.Usher.getIntegrations(); return 'resolved'; } catch (e) { return 'rejected'; }
  }, TOKEN);
  return { results: got, embedShown, fromUsher, fetchResult, getIntegrations };
});

// Forged messages from a foreign frame to the SDK: ignored; the modal stays open.
await run('foreignResult', async (page) => {
  await openHost(page);
  await install(page, TOKEN, { integrationId: INTEGRATION, alwaysShowAuthentication: true });
  await waitForm(page);
  await page.evaluate((url) => new Promise((resolve) => {
    window.addEventListener('message', (e) => { if (e.data && e.data.evilDone) { resolve(); } });
    // The host page itself is not the appliance either.
    window.postMessage({ usher: 1, type: 'result', result: { success: true, installationId: 'self-forged' } }, '*');
    const evil = document.createElement('iframe');
    evil.src = url + '#result';
    document.body.appendChild(evil);
  }), FOREIGN.replace('host.html', 'evil.html'));
  const before = await page.evaluate(() => window.results.slice());
  const stillOpen = await overlayOpen(page);
  await page.keyboard.press('Escape');
  return { before, stillOpen, after: await waitResult(page) };
});

// A foreign frame hands the usher frame a VALID token first, then the allowed parent hands
// it an expired one. The frame takes only the first init from an allowed parent: if it
// had taken the foreign one it would show the form; it must say "session expired".
await run('foreignInit', async (page) => {
  await openHost(page);
  return page.evaluate(([usher, integration, evilUrl, valid, expired]) => new Promise((resolve, reject) => {
    const usherOrigin = new URL(usher).origin;
    const frame = document.createElement('iframe');
    let stage = 'ready';
    window.addEventListener('message', (e) => {
      if (stage === 'ready' && e.origin === usherOrigin && e.data && e.data.type === 'ready') {
        stage = 'evil';
        const evil = document.createElement('iframe');
        evil.src = evilUrl + '#init=' + encodeURIComponent(valid);
        document.body.appendChild(evil);
      } else if (stage === 'evil' && e.data && e.data.evilDone) {
        stage = 'result';
        frame.contentWindow.postMessage({ usher: 1, type: 'init', token: expired, options: { mode: 'install' } }, usherOrigin);
      } else if (stage === 'result' && e.origin === usherOrigin && e.data && e.data.type === 'result') {
        resolve({ result: e.data.result });
      }
    });
    frame.src = usher + '/embed/install?integrationId=' + encodeURIComponent(integration);
    document.body.insertBefore(frame, document.body.firstChild);
    setTimeout(() => reject(new Error('no result at stage ' + stage)), 15000);
  }), [USHER, INTEGRATION, FOREIGN.replace('host.html', 'evil.html'), TOKEN, EXPIRED]);
});

await browser.close();
console.log('RESULTS ' + JSON.stringify(results));
