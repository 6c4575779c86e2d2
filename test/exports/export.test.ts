// The donations export over HTTP and as a function, on the engine the run selects: the CSV parses back to the
// stored values, cells that would start a spreadsheet formula are neutralised, the BOM is optional, the filters
// select the right rows, and the SQL that formats amounts agrees with the money module.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { bearer, createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';
import type { Queryable } from '../../src/db/database.ts';
import { formatAmount } from '../../src/money/index.ts';
import { amountTextSql, EXPORT_COLUMNS } from '../../src/exports/queries.ts';
import { pagedExport, writeDonationsCsv } from '../../src/exports/exports.ts';

interface Seeded { campaignId: bigint; slug: string; currency: string; amountMinor: bigint; status: string; name: string; anonymous: boolean; externalRef: string | null; donatedAt: string }

let serial = 0;

/** Writes a donor and a donation straight to the tables, so that any stored text can be exported. */
async function insertDonation(db: Queryable, row: Seeded): Promise<bigint> {
  serial += 1;
  const { rows: [donor] } = await db.query<{ id: bigint }>('insert into donors (display_name, anonymous) values ($1, $2) returning id', [row.name, row.anonymous]);
  const { rows: [donation] } = await db.query<{ id: bigint }>(
    `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256, external_ref, donated_at)
     values ($1, $2, $9, $10, $3, $4, $5, 'import', $6, '\\x00', $7, $8) returning id`,
    [row.campaignId, donor!.id, row.amountMinor, row.currency, row.status, `export-test-${serial}`, row.externalRef, row.donatedAt, row.name, row.anonymous]);
  return donation!.id;
}

async function exportText(t: TestApp, query = ''): Promise<{ status: number; body: Buffer; type: string }> {
  const response = await t.app.inject({ url: `/api/exports/donations.csv${query}`, headers: bearer(t.staffToken) });
  return { status: response.statusCode, body: response.rawPayload, type: String(response.headers['content-type']) };
}

function records(body: Buffer): Record<string, string>[] {
  return parse(body.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
}

const DANGEROUS = ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tTAB', '\rCR'];

describe('donations export', () => {
  let t: TestApp;
  const seeded = new Map<bigint, Seeded>();

  before(async () => {
    t = await createTestApp();
    const alpha = await createCampaign(t, { slug: 'alpha', currency: 'IDR' });
    const beta = await createCampaign(t, { slug: 'beta', currency: 'JPY' });
    const gamma = await createCampaign(t, { slug: 'gamma', currency: 'KWD' });
    const rows: Omit<Seeded, 'campaignId' | 'slug' | 'currency'>[] = [
      ...DANGEROUS.map((name, index) => ({ amountMinor: 100n + BigInt(index), status: 'approved', name, anonymous: false, externalRef: DANGEROUS[(index + 1) % DANGEROUS.length]!, donatedAt: `2025-03-0${index + 1}T10:00:00.123Z` })),
      { amountMinor: 5n, status: 'pending', name: 'Smith, "Jr"\nsecond line', anonymous: false, externalRef: 'a,b', donatedAt: '2025-03-10T00:00:00Z' },
      { amountMinor: 15000050n, status: 'approved', name: 'Ibu Siti — زكاة 🌙', anonymous: false, externalRef: null, donatedAt: '2025-03-10T23:59:59.999Z' },
      { amountMinor: 7n, status: 'rejected', name: 'Hidden Name', anonymous: true, externalRef: '', donatedAt: '2025-03-11T00:00:00Z' },
      { amountMinor: 9_223_372_036_854_775_807n, status: 'refunded', name: '', anonymous: false, externalRef: 'x=1', donatedAt: '2025-04-01T00:00:00Z' },
    ];
    const campaigns = [alpha, beta, gamma];
    for (const [index, row] of rows.entries()) {
      const campaign = campaigns[index % 3]!;
      const full = { ...row, campaignId: BigInt(campaign.id!), slug: campaign.slug!, currency: campaign.currency! };
      seeded.set(await insertDonation(t.database, full), full);
    }
  });
  after(async () => { await t.close(); });

  test('the CSV parses back to the stored values, in id order, with the documented columns', async () => {
    // Proves the amounts (each currency's exponent), timestamps, names and references survive the round trip.
    const { status, body, type } = await exportText(t);
    assert.equal(status, 200);
    assert.match(type, /^text\/csv; charset=utf-8/);
    const parsed = records(body);
    assert.deepEqual(Object.keys(parsed[0]!), [...EXPORT_COLUMNS]);
    assert.deepEqual(parsed.map((row) => BigInt(row.id!)), [...seeded.keys()]);
    for (const row of parsed) {
      const expected = seeded.get(BigInt(row.id!))!;
      assert.equal(row.campaign_slug, expected.slug);
      assert.equal(row.amount, formatAmount(expected.amountMinor, expected.currency));
      assert.equal(row.currency, expected.currency);
      assert.equal(row.status, expected.status);
      assert.equal(row.source, 'import');
      assert.equal(row.donated_at, new Date(expected.donatedAt).toISOString());
      assert.match(row.created_at!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const name = expected.anonymous ? '' : expected.name;
      assert.equal(row.donor_name, DANGEROUS.includes(name) ? `'${name}` : name);
      const reference = expected.externalRef ?? '';
      assert.equal(row.external_ref, DANGEROUS.includes(reference) ? `'${reference}` : reference);
    }
  });

  test('every cell that begins with = + - @, tab or CR gets a leading apostrophe, and no other cell does', async () => {
    // Proves the OWASP neutralisation for each dangerous first character, in names and in references.
    const parsed = records((await exportText(t)).body);
    for (const dangerous of DANGEROUS) {
      assert.ok(parsed.some((row) => row.donor_name === `'${dangerous}`), `name ${JSON.stringify(dangerous)}`);
      assert.ok(parsed.some((row) => row.external_ref === `'${dangerous}`), `reference ${JSON.stringify(dangerous)}`);
    }
    for (const row of parsed) {
      for (const column of EXPORT_COLUMNS) assert.doesNotMatch(row[column]!, /^[=+\-@\t\r]/, `${column} of ${row.id}`);
    }
    assert.ok(parsed.some((row) => row.external_ref === 'x=1'), 'a formula character later in a cell is left alone');
  });

  test('records end with CRLF, quoted fields keep their own line breaks, and the text is UTF-8', async () => {
    // Proves RFC 4180 framing: CRLF between records, quotes doubled, an LF inside a field left as it was.
    const text = (await exportText(t)).body.toString('utf8');
    assert.ok(text.startsWith(`${EXPORT_COLUMNS.join(',')}\r\n`));
    assert.ok(text.includes('"Smith, ""Jr""\nsecond line"'));
    assert.ok(text.includes('Ibu Siti — زكاة 🌙'));
    const outsideQuotes = text.replace(/"(?:[^"]|"")*"/g, '');
    assert.equal(outsideQuotes.split('\r\n').length - 1, seeded.size + 1);
    assert.doesNotMatch(outsideQuotes, /[^\r]\n/);
    assert.ok(text.endsWith('\r\n'));
  });

  test('bom=1 puts the UTF-8 byte order mark first; without it the file starts with the header', async () => {
    // Proves the optional BOM for spreadsheets.
    const withBom = (await exportText(t, '?bom=1')).body;
    assert.deepEqual([...withBom.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(withBom.subarray(3, 5).toString(), 'id');
    const without = (await exportText(t)).body;
    assert.equal(without.subarray(0, 2).toString(), 'id');
    assert.deepEqual(records(withBom), records(without));
  });

  test('campaign, status and donated_at filters select exactly the matching rows', async () => {
    // Proves each filter alone and together, with from inclusive and to exclusive.
    const ids = async (query: string) => records((await exportText(t, query)).body).map((row) => BigInt(row.id!));
    const expect = (match: (row: Seeded) => boolean) => [...seeded].filter(([, row]) => match(row)).map(([id]) => id);
    assert.deepEqual(await ids('?campaign=beta'), expect((row) => row.slug === 'beta'));
    const betaId = [...seeded.values()].find((row) => row.slug === 'beta')!.campaignId;
    assert.deepEqual(await ids(`?campaign=${betaId}`), expect((row) => row.slug === 'beta'));
    assert.deepEqual(await ids('?status=approved'), expect((row) => row.status === 'approved'));
    assert.deepEqual(await ids('?from=2025-03-02T10:00:00.123Z&to=2025-03-10'), expect((row) => row.donatedAt >= '2025-03-02T10:00:00.123Z' && row.donatedAt < '2025-03-10'));
    assert.deepEqual(await ids('?from=2025-03-10'), expect((row) => row.donatedAt >= '2025-03-10'));
    assert.deepEqual(await ids('?campaign=alpha&status=approved&to=2025-03-05T00:00:00%2B07:00'),
      expect((row) => row.slug === 'alpha' && row.status === 'approved' && new Date(row.donatedAt) < new Date('2025-03-05T00:00:00+07:00')));
    assert.deepEqual(await ids('?status=approved&from=2030-01-01'), []);
  });

  test('an export started the moment the previous one ended always finds a free slot', async () => {
    // Proves the response ends only after the export has released its slot (and connection): no spurious 503.
    for (let index = 0; index < 2 * 3; index += 1) assert.equal((await exportText(t, '?status=approved')).status, 200);
  });

  test('bad filters are problem details, and the export is for staff only', async () => {
    // Proves 404 for an unknown campaign, 400 for bad dates and statuses, 401 without a token.
    assert.equal((await exportText(t, '?campaign=nope')).status, 404);
    assert.equal((await exportText(t, '?from=yesterday')).status, 400);
    assert.equal((await exportText(t, '?from=2025-03-02&to=2025-03-01')).status, 400);
    assert.equal((await exportText(t, '?status=lost')).status, 400);
    assert.equal((await t.app.inject('/api/exports/donations.csv')).statusCode, 401);
  });

  test('the paged path crosses page boundaries and writes the same bytes as the engine\'s own path', async () => {
    // Proves keyset paging loses and repeats no row; on PostgreSQL it also proves COPY and the pages agree byte for byte.
    const collect = async (write: (destination: PassThrough) => Promise<unknown>) => {
      const destination = new PassThrough();
      const chunks: Buffer[] = [];
      destination.on('data', (chunk: Buffer) => chunks.push(chunk));
      await write(destination);
      return Buffer.concat(chunks);
    };
    for (const bom of [false, true]) {
      const paged = await collect((destination) => pagedExport(t.database, {}, { bom }, destination, 3));
      const native = await collect((destination) => writeDonationsCsv(t.database, {}, { bom }, destination));
      assert.equal(paged.toString('utf8'), native.toString('utf8'));
    }
  });

  test('the SQL amount text equals formatAmount for every exponent, for many values', async () => {
    // Proves the export's SQL formatting and the money module agree, edges and random values alike.
    const currencies = ['JPY', 'IDR', 'USD', 'KWD', 'CLF', 'UYW', 'BHD', 'VND'];
    const edges = [0n, 1n, 9n, 10n, 99n, 100n, 101n, 999n, 1000n, 1001n, 9999n, 10000n, 10001n, 9_223_372_036_854_775_807n, -1n, -100n, -12345n, -9_223_372_036_854_775_807n];
    const random = fc.sample(fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }), { numRuns: 400, seed: 6 });
    const small = fc.sample(fc.bigInt({ min: 0n, max: 100_000n }), { numRuns: 200, seed: 7 });
    const values = [...edges, ...random, ...small];
    const pairs = currencies.flatMap((currency) => values.map((value) => [value, currency] as const));
    const { rows } = await t.database.query<{ text: string }>(
      `select ${amountTextSql('x.v', 'x.c')} as text from unnest($1::bigint[], $2::text[]) with ordinality as x(v, c, n) order by x.n`,
      [pairs.map(([value]) => value.toString()), pairs.map(([, currency]) => currency)]);
    assert.equal(rows.length, pairs.length);
    pairs.forEach(([value, currency], index) => assert.equal(rows[index]!.text, formatAmount(value, currency), `${value} ${currency}`));
  });
});
