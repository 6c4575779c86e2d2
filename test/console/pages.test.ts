// The console's pages as the server renders them: the nav reaches every console page, the reports, the zakat
// hawl report and distribution (each console link resolves; /distribution is another room's page and is only
// linked), marks the current page, and the queue carries its polite live banner; both languages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
before(async () => { t = await createTestApp(); });
after(async () => { await t.close(); });

const navLinks = (body: string) => [...(/<nav aria-label="[^"]*"><ul class="nav">(.*?)<\/ul><\/nav>/s.exec(body)?.[1] ?? '').matchAll(/<a href="([^"]+)"( aria-current="page")?>([^<]*)<\/a>/g)]
  .map(([, href, current, label]) => ({ href: href!, current: current !== undefined, label: label! }));

test('the nav links the console pages, reports, hawl and distribution, in each language', async () => {
  for (const [lang, labels] of [['en', ['Reports', 'Distribution', 'Zakat hawl']], ['id', ['Laporan', 'Penyaluran', 'Haul zakat']]] as const) {
    const page = await t.app.inject({ url: `/console/reports?lang=${lang}` });
    assert.equal(page.statusCode, 200);
    const links = navLinks(page.body);
    assert.deepEqual(links.map((link) => link.href), ['/console', '/console/campaigns', '/console/reports', '/distribution', '/distribution/hawl', '/console/audit', '/console/tokens', '/']);
    assert.deepEqual(links.filter((link) => link.current).map((link) => link.href), ['/console/reports']);
    for (const label of labels) assert.ok(links.some((link) => link.label === label), `${lang}: ${label}`);
    for (const { href } of links.filter((link) => link.href !== '/distribution')) {
      assert.equal((await t.app.inject({ url: href })).statusCode, 200, href);
    }
  }
});

test('the reports page opens each report; the queue has its polite live banner', async () => {
  const reports = await t.app.inject({ url: '/console/reports?lang=en' });
  for (const action of ['/console/reports/changes-in-funds', '/console/reports/baznas']) assert.ok(reports.body.includes(`action="${action}"`), action);
  for (const href of ['/console/reports/trial-balance', '/console/reports/financial-position']) {
    assert.ok(reports.body.includes(`href="${href}"`), href);
    assert.equal((await t.app.inject({ url: href })).statusCode, 200, href);
  }
  const year = new Date().getUTCFullYear();
  assert.equal((await t.app.inject({ url: `/console/reports/changes-in-funds?from=${year}-01-01&to=${year + 1}-01-01` })).statusCode, 200);
  assert.equal((await t.app.inject({ url: `/console/reports/baznas?year=${year}&half=annual` })).statusCode, 200);
  const queue = await t.app.inject({ url: '/console?lang=en' });
  assert.match(queue.body, /<div id="queue-live" class="live-banner" aria-live="polite"><p id="queue-new" hidden>/);
});
