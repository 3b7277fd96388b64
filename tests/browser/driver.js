// Opens one of ballast's HTML reports from disk in Debian's chromium
// (headless, through Playwright) and reports what a reader would see, as
// JSON on stdout. tests/html.rs runs it and asserts; bench/html.sh times it.
//
//   node driver.js '{"report": "/abs/report.html", ...}'
//
// Spec keys (all but report optional):
//   report        the file to open (file:// URL, nothing else is reachable)
//   width, height viewport (default 1400 x 900)
//   paths         rectangles to look up: path -> data-bytes (null when not drawn)
//   hover_all     hover every drawn rectangle (tooltips render every name)
//   click_finding index of a finding button to click; reports the zoom after
//   click_all_findings  click each finding in turn
//   layer         click this layer's bar, then tick "only this layer's own
//                 bytes": reports the highlighted and the resized map
//   enter         focus the rectangle of this path, press Enter: the zoom after
//   texts         strings that must appear as text on the page: text -> bool
//   screenshot    write a PNG of the page as it opens
// Every console error, page error, dialog (alert, confirm, prompt), call of a
// hooked alert and Content-Security-Policy violation is reported, so a name
// that ran as markup shows up.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.BALLAST_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ballast-chromium-'));
  const out = { console_errors: [], page_errors: [], dialogs: [], csp: [], requests: [] };
  const started = Date.now();
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS,
    viewport: { width: spec.width || 1400, height: spec.height || 900 },
  });
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error') out.console_errors.push(m.text()); });
    page.on('pageerror', (e) => out.page_errors.push(String(e)));
    page.on('dialog', async (d) => { out.dialogs.push(d.type() + ': ' + d.message()); await d.dismiss(); });
    page.on('request', (r) => { if (!r.url().startsWith('file:')) out.requests.push(r.url()); });
    await page.addInitScript(() => {
      window.__ballast_calls = [];
      for (const name of ['alert', 'confirm', 'prompt']) {
        const real = window[name];
        window[name] = function () { window.__ballast_calls.push(name + ': ' + Array.from(arguments).join(' ')); return real.apply(window, arguments); };
      }
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__ballast_calls.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI);
      });
    });
    const url = 'file://' + path.resolve(spec.report);
    const t0 = Date.now();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('html[data-ready="true"]', { timeout: 30000 });
    // Two frames: the map is on screen, not only in the DOM.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    out.load_wall_ms = Date.now() - t0;
    Object.assign(out, await page.evaluate(() => {
      const drawn = performance.getEntriesByName('ballast-drawn')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const top = Array.from(document.querySelectorAll('#map .r[tabindex="0"]'));
      return {
        drawn_ms: drawn ? drawn.startTime : null,
        first_contentful_paint_ms: fcp ? fcp.startTime : null,
        rect_count: document.querySelectorAll('#map .r').length,
        top_bytes: top.reduce((s, e) => s + Number(e.dataset.bytes), 0),
        finding_count: document.querySelectorAll('.finding').length,
        title: document.title,
      };
    }));
    // The page as it opens, before any interaction below.
    if (spec.screenshot) await page.screenshot({ path: spec.screenshot });
    out.paths = {};
    for (const p of spec.paths || []) out.paths[p] = await rectBytes(page, p);
    if (spec.hover_all) {
      const n = await page.locator('#map .r').count();
      for (let i = 0; i < n; i++) await page.locator('#map .r').nth(i).hover({ force: true });
    }
    if (spec.click_all_findings) {
      const n = await page.locator('button.finding').count();
      for (let i = 0; i < n; i++) await page.locator('button.finding').nth(i).click();
    }
    if (spec.click_finding !== undefined && spec.click_finding !== null) {
      await page.locator('button.finding').nth(spec.click_finding).click();
      out.after_click = await page.evaluate(() => ({
        zoom: document.getElementById('crumbs').dataset.path,
        hits: Array.from(document.querySelectorAll('#map .r.hit')).map((e) => ({ path: e.dataset.path, bytes: Number(e.dataset.bytes) })),
      }));
      // Back up with the keyboard.
      await page.keyboard.press('Escape');
      out.after_escape = await page.evaluate(() => document.getElementById('crumbs').dataset.path);
    }
    if (spec.enter) {
      await page.evaluate((p) => Array.from(document.querySelectorAll('#map .r')).find((e) => e.dataset.path === p).focus(), spec.enter);
      await page.keyboard.press('Enter');
      out.after_enter = await page.evaluate(() => ({
        zoom: document.getElementById('crumbs').dataset.path,
        focused: document.activeElement && document.activeElement.dataset.path,
      }));
      await page.keyboard.press('Backspace');
      out.after_backspace = await page.evaluate(() => document.getElementById('crumbs').dataset.path);
    }
    if (spec.layer !== undefined && spec.layer !== null) {
      await page.locator('.layer[data-layer="' + spec.layer + '"]').click();
      out.layer_highlight = await page.evaluate(() => ({
        on: Array.from(document.querySelectorAll('#map .r.on')).map((e) => e.dataset.path),
        pressed: document.querySelector('.layer[aria-pressed="true"]').dataset.layer,
      }));
      await page.locator('#only').check();
      out.layer_only = await page.evaluate(() => ({
        top_bytes: Array.from(document.querySelectorAll('#map .r[tabindex="0"]')).reduce((s, e) => s + Number(e.dataset.bytes), 0),
        paths: Array.from(document.querySelectorAll('#map .r')).map((e) => e.dataset.path),
      }));
    }
    out.texts = {};
    for (const t of spec.texts || []) {
      out.texts[t] = await page.evaluate((t) => {
        // Shown text only: the data element's JSON is not shown.
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (n.parentElement.closest('script')) continue;
          if (n.data.includes(t)) return true;
        }
        return document.getElementById('tip').textContent.includes(t) || document.title.includes(t);
      }, t);
    }
    Object.assign(out, await page.evaluate(() => ({
      hooked_calls: window.__ballast_calls,
      elements: {
        img: document.querySelectorAll('img').length,
        svg: document.querySelectorAll('svg').length,
        script: document.querySelectorAll('script').length,
        iframe: document.querySelectorAll('iframe').length,
      },
    })));
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  out.total_wall_ms = Date.now() - started;
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function rectBytes(page, p) {
  return page.evaluate((p) => {
    const e = Array.from(document.querySelectorAll('#map .r')).find((e) => e.dataset.path === p && e.classList.contains('d'))
      || Array.from(document.querySelectorAll('#map .r')).find((e) => e.dataset.path === p);
    return e ? Number(e.dataset.bytes) : null;
  }, p);
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
