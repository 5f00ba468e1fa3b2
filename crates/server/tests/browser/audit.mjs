// Browser test: a whole audit in Debian's chromium driven by playwright-core.
// An administrator creates an election from generated CVRs, launches an audit,
// two boards enter their ballots, an observer watches, the audit confirms,
// the record is published. Screenshots of each page go to $ARTIFACTS.
//
//   CANVASS_BIN=target/debug/canvass node crates/server/tests/browser/audit.mjs
//
// Skips (exit 0, with a message) when chromium is missing.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
if (!chromiumPath) {
  console.log('browser test skipped: chromium is not installed (run .ci/browser-setup)');
  process.exit(0);
}
const bin = process.env.CANVASS_BIN || 'target/debug/canvass';
const artifacts = process.env.ARTIFACTS || 'target/browser-artifacts';
fs.mkdirSync(artifacts, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canvass-browser-'));
const started = Date.now();

function csv(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const cells = []; let cur = ''; let q = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q) { if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c; }
      else if (c === '"') q = true; else if (c === ',') { cells.push(cur); cur = ''; } else cur += c;
    }
    cells.push(cur.replace(/\r$/, ''));
    rows.push(cells);
  }
  const [head, ...rest] = rows;
  return rest.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

execFileSync(bin, ['generate', '--ballots', '2000', '--contests', '2', '--ranked', '0', '--seed', '3',
  '--format', 'cdf-json', '--out', path.join(tmp, 'cvr.json')], { stdio: ['ignore', 'ignore', 'inherit'] });

const port = 18000 + Math.floor(Math.random() * 2000);
const server = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data', path.join(tmp, 'data')], { stdio: ['ignore', 'pipe', 'inherit'] });
const link = await new Promise((resolve, reject) => {
  let buf = '';
  const timer = setTimeout(() => reject(new Error('server did not start')), 30000);
  server.stdout.on('data', (d) => {
    buf += d;
    const m = buf.match(/administrator sign-in: (\S+)/);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  server.on('exit', (c) => reject(new Error(`server exited ${c}`)));
});
const base = `http://127.0.0.1:${port}`;

let failed = 0;
const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
let n = 0;
const shot = async (page, name) => page.screenshot({ path: path.join(artifacts, `${String(++n).padStart(2, '0')}-${name}.png`), fullPage: true });
try {
  // Administrator.
  const admin = await (await browser.newContext()).newPage();
  await admin.goto(link);
  await shot(admin, 'admin-signin');
  await admin.click('text=Sign in as administrator');
  await admin.waitForURL('**/admin');
  await admin.fill('#name', 'County general election');
  await admin.click('button:has-text("Create")');
  await admin.waitForURL('**/admin/e/1');
  await admin.setInputFiles('#cvrfile', path.join(tmp, 'cvr.json'));
  await admin.click('button:has-text("Upload CVRs")');
  await admin.waitForSelector('text=from 1 file(s)', { timeout: 60000 });
  await admin.setInputFiles('#manfile', path.join(tmp, 'cvr.manifest.csv'));
  await admin.click('button:has-text("Upload manifest")');
  await admin.waitForSelector('text=Ballot manifest:', { timeout: 60000 });
  await shot(admin, 'admin-uploaded');
  await admin.locator('input[name=contest]').first().check();
  await admin.fill('#rl', '0.1');
  await admin.click('button:has-text("Define audit")');
  await admin.click('button:has-text("Commit")');
  await admin.fill('#seed', '31415926535897932384');
  await admin.click('button:has-text("Record seed")');
  await admin.click('button:has-text("Launch round 1")');
  await admin.fill('#boards', '2');
  await admin.click('button:has-text("Create boards")');
  const codes = await admin.$$eval('td.code', (tds) => tds.map((t) => t.textContent.trim()));
  await shot(admin, 'admin-board-codes');
  if (codes.length !== 2) throw new Error(`expected 2 board codes, got ${codes.length}`);
  const retrieval = csv(await (await admin.request.get(`${base}/admin/e/1/retrieval.csv`)).text());
  const cards = csv(await (await admin.request.get(`${base}/admin/e/1/cards.csv`)).text());
  const byId = Object.fromEntries(cards.filter((c) => c.card_id).map((c) => [c.card_id, c]));
  const contestCols = Object.keys(cards[0]).filter((k) => !['index', 'tabulator', 'batch', 'position', 'imprinted_id', 'card_id'].includes(k));

  // Observer.
  const observer = await (await browser.newContext()).newPage();
  await observer.goto(`${base}/e/1/observe/checkin`);
  await observer.fill('#name', 'Pat Observer');
  await observer.fill('#org', 'League of Voters');
  await observer.click('button:has-text("Check in")');
  await observer.waitForURL('**/e/1/observe');
  await shot(observer, 'observer-start');

  // Audit boards.
  for (let b = 0; b < codes.length; b++) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/board/signin?code=${codes[b]}`);
    await page.fill('#m1', `Alex ${b} (Dem)`);
    await page.fill('#m2', `Sam ${b} (Rep)`);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL('**/board');
    await shot(page, `board${b + 1}-list`);
    const mine = retrieval.filter((r) => r.board === `Board ${b + 1}`);
    for (let pos = 0; pos < mine.length; pos++) {
      await page.goto(`${base}/board/ballot/${pos + 1}`);
      const cvr = byId[mine[pos].card_id];
      const sets = page.locator('form fieldset');
      for (let ci = 0; ci < contestCols.length; ci++) {
        const fs = sets.nth(ci);
        const text = cvr ? cvr[contestCols[ci]] : '';
        if (text === '') await fs.getByLabel('contest not on this ballot').check();
        else if (text === 'blank') await fs.getByLabel('blank (no mark)').check();
        else if (text === 'overvote') await fs.getByLabel('overvote', { exact: true }).check();
        else for (const name of text.split('; ')) await fs.getByLabel(name, { exact: true }).check();
      }
      if (pos === 0) await shot(page, `board${b + 1}-entry`);
      await page.click('button:has-text("Review entry")');
      await page.locator('input[name=confirm1]').check();
      await page.locator('input[name=confirm2]').check();
      if (pos === 0) await shot(page, `board${b + 1}-confirm`);
      await page.click('button:has-text("Save")');
    }
    await page.goto(`${base}/board/review`);
    await page.locator('input[name=confirm1]').check();
    await page.locator('input[name=confirm2]').check();
    await page.click('button:has-text("Sign off")');
    await page.waitForSelector('text=This board has signed off');
    await shot(page, `board${b + 1}-signed-off`);
  }

  await observer.reload();
  await observer.waitForSelector('text=CONFIRMED');
  await shot(observer, 'observer-confirmed');
  await admin.goto(`${base}/admin/e/1`);
  await admin.click('button:has-text("Sign off the audit")');
  await admin.click('button:has-text("Publish the record")');
  await admin.waitForURL('**/e/1');
  await shot(admin, 'public-results');
  const pub = await (await browser.newContext()).newPage();
  await pub.goto(`${base}/e/1/report`);
  if ((await pub.locator('svg').count()) < 2) throw new Error('the report has no charts');
  await shot(pub, 'public-report');
  await pub.goto(`${base}/e/1/log`);
  await pub.waitForSelector('text=record published');
  await shot(pub, 'public-log');
  await pub.goto(`${base}/rumors`);
  await shot(pub, 'rumor-control');
} catch (e) {
  failed = 1;
  console.error('browser test failed:', e);
} finally {
  await browser.close();
  server.kill('SIGINT');
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`browser audit: ${((Date.now() - started) / 1000).toFixed(1)} s, screenshots in ${artifacts}`);
console.log(`${failed ? 0 : 1} passed, ${failed} failed`);
process.exit(failed);
