// Analytics on a small known data set, through the HTTP API, on the engine the run selects: every figure equals
// the value worked out by hand, medians of odd and even counts, series in a time zone, and totals across
// campaigns that never add one currency to another.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';

interface Gift { campaign: string; amount: string; currency: string; at: string; email?: string; name?: string; anonymous?: boolean; status?: 'approved' | 'pending' | 'rejected' }

describe('analytics', () => {
  let t: TestApp;

  const give = async (gift: Gift) => {
    const response = await donate(t, {
      campaign_id: gift.campaign, amount: gift.amount, currency: gift.currency, donated_at: gift.at,
      donor_name: gift.name ?? gift.email ?? 'Someone', ...(gift.email ? { donor_email: gift.email } : {}), ...(gift.anonymous ? { anonymous: true } : {}),
    });
    assert.equal(response.statusCode, 201, response.body);
    const status = gift.status ?? 'approved';
    if (status === 'pending') return;
    const action = status === 'approved' ? 'approve' : 'reject';
    const changed = await t.app.inject({ method: 'POST', url: `/api/donations/${response.json().id}/${action}`, headers: bearer(t.staffToken), payload: { reason: 'test' } });
    assert.equal(changed.statusCode, 200, changed.body);
  };

  const campaignAnalytics = async (slug: string, query = '') => {
    const response = await t.app.inject(`/api/campaigns/${slug}/analytics${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };

  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'iftar', name: 'Iftar <b>for all</b>', fund: 'zakat', currency: 'IDR' });
    await createCampaign(t, { slug: 'wells', fund: 'zakat', currency: 'USD' });
    await createCampaign(t, { slug: 'yen', fund: 'sadaqah', currency: 'JPY' });
    const gifts: Gift[] = [
      { campaign: 'iftar', amount: '10.00', currency: 'IDR', at: '2025-03-01T10:15:00Z', email: 'a@example.org', name: 'Aisyah' },
      { campaign: 'iftar', amount: '20', currency: 'IDR', at: '2025-03-01T11:30:00Z', email: 'b@example.org', name: '<script>Budi</script>' },
      { campaign: 'iftar', amount: '20.00', currency: 'IDR', at: '2025-03-01T23:30:00Z', email: 'a@example.org', name: 'Aisyah' },
      { campaign: 'iftar', amount: '50.00', currency: 'IDR', at: '2025-03-02T01:00:00Z', name: 'Hidden Person', anonymous: true },
      { campaign: 'iftar', amount: '100.00', currency: 'IDR', at: '2025-03-03T12:00:00Z', email: 'c@example.org', name: 'Citra' },
      { campaign: 'iftar', amount: '5000.00', currency: 'IDR', at: '2025-03-03T13:00:00Z', name: 'Pending', status: 'pending' },
      { campaign: 'iftar', amount: '7000.00', currency: 'IDR', at: '2025-03-03T14:00:00Z', name: 'Rejected', status: 'rejected' },
      { campaign: 'wells', amount: '100.00', currency: 'USD', at: '2025-03-01T00:00:00Z', email: 'a@example.org' },
      { campaign: 'wells', amount: '0.01', currency: 'USD', at: '2025-03-01T00:00:00Z', email: 'd@example.org' },
      { campaign: 'yen', amount: '2', currency: 'JPY', at: '2025-03-01T00:00:00Z' },
      { campaign: 'yen', amount: '3', currency: 'JPY', at: '2025-03-01T00:00:00Z' },
    ];
    for (const gift of gifts) await give(gift);
  });
  after(async () => {
    assert.deepEqual(await findTotalsMismatches(t.database), []);
    await t.close();
  });

  test('a campaign\'s figures equal the hand-computed ones, over approved donations only', async () => {
    // Proves total, count, average, median (odd count), min, max, percentiles, donors and the largest donations.
    const figures = await campaignAnalytics('iftar', '?top=3');
    // Approved: 10, 20, 20, 50, 100 (the pending 5,000 and the rejected 7,000 are left out).
    assert.equal(figures.currency, 'IDR');
    assert.equal(figures.counted_status, 'approved');
    assert.equal(figures.count, 5);
    assert.equal(figures.total, '200.00');
    assert.equal(figures.average, '40.00');
    assert.equal(figures.median, '20.00');
    assert.equal(figures.min, '10.00');
    assert.equal(figures.max, '100.00');
    // Nearest rank ceil(p × 5 / 100): p10 → 1st, p25 → 2nd, p50 → 3rd, p75 → 4th, p90 and above → 5th.
    assert.deepEqual(figures.percentiles, { p10: '10.00', p25: '20.00', p50: '20.00', p75: '50.00', p90: '100.00', p95: '100.00', p99: '100.00' });
    // Aisyah (twice), Budi, the anonymous donor and Citra.
    assert.deepEqual(figures.donors, { unique: 4, repeat: 1 });
    assert.deepEqual(figures.largest.map((row: { amount: string; donor_name: string | null }) => [row.amount, row.donor_name]),
      [['100.00', 'Citra'], ['50.00', null], ['20.00', '<script>Budi</script>']]);
    assert.deepEqual(figures.histogram, [
      { from: '10.00', to: '20.00', count: 1, total: '10.00' },
      { from: '20.00', to: '50.00', count: 2, total: '40.00' },
      { from: '50.00', to: '100.00', count: 1, total: '50.00' },
      { from: '100.00', to: '200.00', count: 1, total: '100.00' },
    ]);
  });

  test('daily and hourly series follow the time zone asked for, oldest first, most recent first kept', async () => {
    // Proves date_trunc buckets in UTC and in Asia/Jakarta (UTC+7), and the days/hours bounds.
    const utc = await campaignAnalytics('iftar');
    assert.deepEqual(utc.daily, [
      { start: '2025-03-01', count: 3, total: '50.00' },
      { start: '2025-03-02', count: 1, total: '50.00' },
      { start: '2025-03-03', count: 1, total: '100.00' },
    ]);
    assert.deepEqual(utc.hourly.map((point: { start: string }) => point.start),
      ['2025-03-01T10:00', '2025-03-01T11:00', '2025-03-01T23:00', '2025-03-02T01:00', '2025-03-03T12:00']);
    const jakarta = await campaignAnalytics('iftar', '?tz=Asia/Jakarta&days=2&hours=2');
    assert.equal(jakarta.time_zone, 'Asia/Jakarta');
    // 23:30Z and 01:00Z are 06:30 and 08:00 on 2 March in Jakarta; 12:00Z on 3 March is 19:00 there.
    assert.deepEqual(jakarta.daily, [
      { start: '2025-03-02', count: 2, total: '70.00' },
      { start: '2025-03-03', count: 1, total: '100.00' },
    ]);
    assert.deepEqual(jakarta.hourly, [
      { start: '2025-03-02T08:00', count: 1, total: '50.00' },
      { start: '2025-03-03T19:00', count: 1, total: '100.00' },
    ]);
  });

  test('the median of an even count is the mean of the middle two, rounded half to even', async () => {
    // Proves even-count medians: a window of two IDR amounts, and JPY 2 and 3 whose mean 2.5 rounds to 2.
    const window = await campaignAnalytics('iftar', '?from=2025-03-02&to=2025-03-04');
    assert.equal(window.count, 2);
    assert.equal(window.median, '75.00');
    assert.equal(window.from, '2025-03-02T00:00:00.000Z');
    const yen = await campaignAnalytics('yen');
    assert.equal(yen.median, '2');
    assert.equal(yen.average, '2');
    assert.equal(yen.total, '5');
  });

  test('a campaign without approved donations has zero totals and no figures to invent', async () => {
    // Proves the empty case: nulls rather than zeros for figures that do not exist.
    await createCampaign(t, { slug: 'empty', currency: 'KWD' });
    const empty = await campaignAnalytics('empty');
    assert.equal(empty.count, 0);
    assert.equal(empty.total, '0.000');
    for (const field of ['average', 'median', 'min', 'max']) assert.equal(empty[field], null, field);
    assert.deepEqual([empty.percentiles, empty.histogram, empty.largest, empty.daily, empty.hourly], [{}, [], [], [], []]);
  });

  test('across campaigns every total is per currency: by fund and by currency, never summed across currencies', async () => {
    // Proves IDR and USD in one fund stay two totals, and the figures per currency match their own donations.
    const response = await t.app.inject({ url: '/api/analytics', headers: bearer(t.staffToken) });
    assert.equal(response.statusCode, 200, response.body);
    const platform = response.json();
    const zakat = platform.by_fund.find((entry: { fund: string }) => entry.fund === 'zakat');
    assert.deepEqual(zakat.totals, [
      { currency: 'IDR', campaigns: 1, count: 5, total: '200.00' },
      { currency: 'USD', campaigns: 1, count: 2, total: '100.01' },
    ]);
    const byCurrency = Object.fromEntries(platform.by_currency.map((entry: { currency: string }) => [entry.currency, entry]));
    assert.deepEqual(Object.keys(byCurrency), ['IDR', 'JPY', 'KWD', 'USD']);
    assert.equal(byCurrency.IDR.total, '200.00');
    assert.equal(byCurrency.IDR.median, '20.00');
    assert.equal(byCurrency.USD.total, '100.01');
    // (1 + 10,000) / 2 cents = 5,000.5 cents, which rounds half to even to 5,000.
    assert.equal(byCurrency.USD.median, '50.00');
    assert.equal(byCurrency.USD.donors, 2);
    assert.equal(byCurrency.JPY.total, '5');
    assert.equal(byCurrency.KWD.count, 0);
    assert.equal(byCurrency.IDR.donors, 4);
    assert.deepEqual(byCurrency.JPY.histogram.map((bucket: { from: string }) => bucket.from), ['2']);
    assert.deepEqual(byCurrency.USD.histogram.map((bucket: { from: string }) => bucket.from).slice(0, 2), ['0.01', '0.02']);
    assert.equal(platform.campaigns_with_donation_at_least, null);
  });

  test('campaigns with a donation of at least an amount: approved, in that currency, inclusive', async () => {
    // Proves the seed's join: the threshold is inclusive, pending donations and other currencies do not count.
    const search = async (query: string) => {
      const response = await t.app.inject({ url: `/api/analytics?${query}`, headers: bearer(t.staffToken) });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().campaigns_with_donation_at_least.campaigns.map((campaign: { slug: string }) => campaign.slug);
    };
    assert.deepEqual(await search('currency=IDR&min_amount=100'), ['iftar']);
    assert.deepEqual(await search('currency=IDR&min_amount=100.01'), []);
    assert.deepEqual(await search('currency=USD&min_amount=100'), ['wells']);
    assert.deepEqual(await search('currency=JPY&min_amount=1'), ['yen']);
    const invalid = await t.app.inject({ url: '/api/analytics?currency=IDR&min_amount=1.001', headers: bearer(t.staffToken) });
    assert.equal(invalid.statusCode, 422);
    assert.equal(invalid.json().code, 'invalid_amount');
  });

  test('parameters are bounded, the platform view is for staff, and an unknown campaign is 404', async () => {
    // Proves the limits answer 400, not a slow query.
    for (const query of ['?top=0', '?top=101', '?days=367', '?hours=745', '?tz=Mars/Olympus', '?from=soon', '?from=2025-03-02&to=2025-03-01', '?extra=1']) {
      assert.equal((await t.app.inject(`/api/campaigns/iftar/analytics${query}`)).statusCode, 400, query);
    }
    assert.equal((await t.app.inject('/api/campaigns/nope/analytics')).statusCode, 404);
    assert.equal((await t.app.inject('/api/analytics')).statusCode, 401);
    assert.equal((await t.app.inject({ url: '/api/analytics?currency=IDR', headers: bearer(t.staffToken) })).statusCode, 400);
  });

  test('the analytics page draws SVG charts and a table per day, and escapes every text it shows', async () => {
    // Proves the server-rendered charts (the page without script) and that campaign and donor names are text, never markup.
    const page = await t.app.inject({ url: '/campaigns/iftar/analytics?tz=Asia/Jakarta', headers: { 'accept-language': 'en' } });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal((page.body.match(/<svg /g) ?? []).length, 3);
    assert.match(page.body, /Donations per day/);
    assert.match(page.body, /Distribution of amounts/);
    // Jakarta days: 1 March (10 + 20), 2 March (20 + 50) and 3 March (100); the charts' boxes say how many points.
    assert.match(page.body, /<div class="chart" id="chart-daily" data-series="daily" data-points="3">/);
    assert.deepEqual([...page.body.matchAll(/<tr><td><time datetime="([\d-]+)">[^<]*<\/time><\/td><td class="num">(\d+)<\/td><td class="num">([^<]+)<\/td><\/tr>/g)]
      .map((match) => [match[1], match[2], match[3]!.replace(/\s/g, ' ')]), [['2025-03-01', '2', 'IDR 30.00'], ['2025-03-02', '2', 'IDR 70.00'], ['2025-03-03', '1', 'IDR 100.00']]);
    assert.ok(page.body.includes('Iftar &lt;b&gt;for all&lt;/b&gt;'));
    assert.ok(page.body.includes('&lt;script&gt;Budi&lt;/script&gt;'));
    assert.ok(!page.body.includes('<script>'), 'no script element without a src or a JSON type');
    assert.ok(page.body.includes('href="/api/campaigns/iftar/analytics?tz=Asia/Jakarta"'));
    assert.equal((await t.app.inject('/campaigns/nope/analytics')).statusCode, 404);
  });

  test('the analytics page names its language, follows the system dark mode and isolates names of either direction', async () => {
    // An Arabic or Hebrew name must not reorder the text around it, and dark mode comes from the system setting.
    const english = await t.app.inject({ url: '/campaigns/iftar/analytics', headers: { 'accept-language': 'en-GB,en;q=0.8' } });
    assert.match(english.body, /<html lang="en">/);
    assert.match(english.body, /<h1 dir="auto">/);
    assert.match(english.body, /<td><bdi>/);
    // The dark scheme lives in the page's stylesheet (the CSP allows no inline style).
    assert.match(english.body, /<link rel="stylesheet" href="\/analytics\/assets\/analytics.css">/);
    assert.match((await t.app.inject('/analytics/assets/analytics.css')).body, /@media \(prefers-color-scheme:dark\)/);
    assert.match(english.body, /<meta name="color-scheme" content="light dark">/);
    const indonesian = await t.app.inject({ url: '/campaigns/iftar/analytics', headers: { 'accept-language': 'id' } });
    assert.match(indonesian.body, /<html lang="id">/);
  });

  test('the analytics page speaks Indonesian or English: ?lang= (remembered in the cookie), the cookie, then Accept-Language', async () => {
    // Proves the switch and its order, that every label follows the language, and that the links keep the query.
    const english = await t.app.inject({ url: '/campaigns/iftar/analytics?tz=Asia/Jakarta&lang=en', headers: { 'accept-language': 'id' } });
    assert.equal(english.statusCode, 200, english.body);
    assert.match(english.body, /<html lang="en">/);
    assert.match(String(english.headers['set-cookie']), /^amanah_lang=en; Path=\/;/);
    for (const words of ['Donations per day', 'Largest donations', 'Date range', 'Repeat donors', 'approved donations', 'Anonymous']) assert.ok(english.body.includes(words), words);
    // en-GB writes rupiah as IDR with grouping commas, id-ID as Rp with grouping dots: one way per locale everywhere.
    assert.match(english.body, /<div data-figure="total"><dt>Total<\/dt><dd>IDR\s200\.00<\/dd>/);
    assert.ok(english.body.includes('href="/campaigns/iftar/analytics?tz=Asia/Jakarta&amp;lang=id" lang="id" hreflang="id" id="lang-switch">Bahasa Indonesia</a>'));
    assert.ok(english.body.includes('href="/api/campaigns/iftar/analytics?tz=Asia/Jakarta"'), 'the JSON link leaves the language out');

    const byCookie = await t.app.inject({ url: '/campaigns/iftar/analytics', headers: { cookie: 'amanah_lang=en', 'accept-language': 'id' } });
    assert.match(byCookie.body, /<html lang="en">/);
    assert.equal(byCookie.headers['set-cookie'], undefined, 'only the switch sets the cookie');

    const indonesian = await t.app.inject({ url: '/campaigns/iftar/analytics', headers: { 'accept-language': 'id-ID,id;q=0.9,en;q=0.5' } });
    assert.match(indonesian.body, /<html lang="id">/);
    for (const words of ['Donasi per hari', 'Donasi terbesar', 'Rentang tanggal', 'Donatur berulang', 'donasi yang disetujui', 'Anonim', '>English</a>']) assert.ok(indonesian.body.includes(words), words);
    assert.match(indonesian.body, /<div data-figure="total"><dt>Total<\/dt><dd>Rp\s200,00<\/dd>/);
    assert.ok(!indonesian.body.includes('Donations per day'));

    const switched = await t.app.inject({ url: '/campaigns/iftar/analytics?lang=id', headers: { cookie: 'amanah_lang=en' } });
    assert.match(switched.body, /<html lang="id">/);
    assert.match(String(switched.headers['set-cookie']), /^amanah_lang=id;/);
    // A language the page does not have falls back to the cookie, then Accept-Language; too long a value is refused.
    const unknown = await t.app.inject({ url: '/campaigns/iftar/analytics?lang=fr', headers: { 'accept-language': 'en' } });
    assert.match(unknown.body, /<html lang="en">/);
    assert.equal(unknown.headers['set-cookie'], undefined);
    assert.equal((await t.app.inject('/campaigns/iftar/analytics?lang=indonesian')).statusCode, 400);
    // The JSON answer takes the same query and has no words to translate.
    const json = await t.app.inject('/api/campaigns/iftar/analytics?lang=en');
    assert.equal(json.statusCode, 200);
    assert.equal(json.json().total, '200.00');
  });

  test('a range that is malformed, reversed or too long is 400 problem+json on the API and the page alike', async () => {
    // Proves from/to are checked before any query runs, and that the refusal names the field.
    const cases: [string, string][] = [
      ['?from=yesterday', 'from'], ['?to=2025-02-30', 'to'], ['?from=2025-03-02&to=2025-03-01', 'to'], ['?from=2025-03-02&to=2025-03-02', 'to'],
      [`?from=2025-03-01T00:00:00${'0'.repeat(30)}Z`, 'from'], ['?from=2025-03-01T10:00:00', 'from'],
    ];
    for (const [query, field] of cases) {
      for (const path of ['/api/campaigns/iftar/analytics', '/campaigns/iftar/analytics']) {
        const response = await t.app.inject(`${path}${query}`);
        assert.equal(response.statusCode, 400, `${path}${query}`);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
        const problem = response.json();
        assert.equal(problem.code, 'validation_failed');
        if (query.length < 40) assert.equal(problem.field, field, query);
      }
    }
    // A window with an offset is the instant it names: 2 March 00:00 in Jakarta is 1 March 17:00 UTC.
    const window = await campaignAnalytics('iftar', '?from=2025-03-02T00:00:00%2B07:00&to=2025-03-03T00:00:00%2B07:00&tz=Asia/Jakarta');
    assert.equal(window.from, '2025-03-01T17:00:00.000Z');
    assert.deepEqual(window.daily, [{ start: '2025-03-02', count: 2, total: '70.00' }]);
    // Amounts stay exact decimal strings in the JSON, never numbers.
    assert.equal(typeof window.total, 'string');
    assert.ok(window.daily.every((point: { total: unknown }) => typeof point.total === 'string'));
  });

  test('the page runs no inline script and serves its script, styles and uPlot from this origin', async () => {
    // Proves the CSP (scripts and styles from 'self' only), that each script is a file or an inert JSON block, and the assets.
    const page = await t.app.inject('/campaigns/iftar/analytics');
    const policy = String(page.headers['content-security-policy']);
    assert.match(policy, /script-src 'self'/);
    assert.match(policy, /style-src 'self'/);
    assert.ok(!policy.includes('unsafe-inline'));
    assert.ok(!page.body.includes('<style'), 'no inline style element');
    const scripts = page.body.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, ['<script type="application/json" id="analytics-config">',
      '<script src="/analytics/assets/uPlot.iife.min.js">', '<script src="/analytics/assets/analytics.js">']);
    // The config block cannot be closed by a donor's name: every "<" in it is escaped.
    const config = page.body.slice(page.body.indexOf('id="analytics-config">') + 22, page.body.indexOf('</script>'));
    assert.ok(!config.includes('<'));
    assert.equal(JSON.parse(config).data.largest.find((row: { donor_name: string }) => row.donor_name?.includes('Budi')).donor_name, '<script>Budi</script>');
    for (const [name, type] of [['analytics.js', 'text/javascript'], ['uPlot.iife.min.js', 'text/javascript'], ['uPlot.min.css', 'text/css'], ['analytics.css', 'text/css']]) {
      const asset = await t.app.inject(`/analytics/assets/${name}`);
      assert.equal(asset.statusCode, 200, name);
      assert.match(String(asset.headers['content-type']), new RegExp(`^${type}`), name);
      const again = await t.app.inject({ url: `/analytics/assets/${name}`, headers: { 'if-none-match': String(asset.headers.etag) } });
      assert.equal(again.statusCode, 304, name);
    }
    assert.equal((await t.app.inject('/analytics/assets/..%2Fqueries.ts')).statusCode, 404);
  });
});
