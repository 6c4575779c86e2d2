// The donor's own page end to end on a real database and a real SMTP server on loopback: a magic link is mailed,
// opens a session once and only once, expires (a moved clock, no sleeping), is rate-limited per email and per IP
// without telling whether the email is known; the page lists the donor's gifts (their own name on an anonymous
// one), a CSV of them, and its POSTs need the session's CSRF token. Erasure then leaves the name and email in no
// table (every text column of every table is searched) and on no surface: API answers, console API, exports,
// audit log, import rejects, analytics, the live stream; amounts and the ledger stay.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/http/app.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { createCampaign, bearer, type TestApp } from '../helpers/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { Portal } from '../../src/portal/portal.ts';
import { createMailer } from '../../src/portal/mail.ts';
import { CheckoutRateLimiter } from '../../src/payments/rate-limit.ts';
import { isAppError } from '../../src/errors.ts';
import { startMailbox, isMagicLink, linkIn, type Mailbox } from './smtp.ts';
import { extractText, getDocumentProxy } from 'unpdf';
import { drainReceiptRequests, localDate } from '../../src/receipts/issuer.ts';

const NAME = 'Siti Rahmawati Quokka';
/** A live stream that has not said what a test waits for by then has failed (rather than hanging the file). */
const STREAM_WAIT_MS = 30_000;

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, sofar: string, done: (text: string) => boolean): Promise<string> {
  let text = sofar;
  const decoder = new TextDecoder();
  const deadline = Date.now() + STREAM_WAIT_MS;
  while (!done(text)) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`the stream did not say it within ${STREAM_WAIT_MS} ms; it said: ${text.slice(-1500)}`)), Math.max(0, deadline - Date.now())); });
    try {
      const chunk = await Promise.race([reader.read(), timeout]);
      if (chunk.done) throw new Error(`the stream ended; it said: ${text.slice(-1500)}`);
      text += decoder.decode(chunk.value, { stream: true });
    } finally {
      clearTimeout(timer);
    }
  }
  return text;
}
const EMAIL = 'Siti.Quokka@Example.ORG';
const PUBLIC_URL = 'http://amanah.test';

describe('donor portal (/me) and erasure', () => {
  let mailbox: Mailbox;
  let testDatabase: TestDatabase;
  let app: FastifyInstance;
  let staffToken: string;
  let base: string;
  const ids: { campaign: string; other: string; gifts: string[]; importId?: string } = { campaign: '', other: '', gifts: [] };

  before(async () => {
    mailbox = await startMailbox();
    testDatabase = await createTestDatabase({
      SMTP_URL: mailbox.url, AMANAH_PUBLIC_URL: PUBLIC_URL, PORTAL_RATE_PER_EMAIL_MAX: '3', PORTAL_RATE_PER_IP_MAX: '5',
    });
    app = await buildApp({ config: testDatabase.config, database: testDatabase.database });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    staffToken = (await createToken(testDatabase.database, 'portal staff', 'staff')).token;
    const harness = { app, adminToken: TEST_ADMIN_TOKEN } as TestApp;
    ids.campaign = (await createCampaign(harness, { slug: 'sumur-portal', name: 'Sumur air' })).id!;
    ids.other = (await createCampaign(harness, { slug: 'beasiswa-portal', name: 'Beasiswa', fund: 'zakat' })).id!;
    const gifts = [
      { campaign_id: ids.campaign, amount: '150000', currency: 'IDR', donor_name: NAME, donor_email: EMAIL },
      { campaign_id: ids.other, amount: '250000', currency: 'IDR', donor_name: NAME, donor_email: EMAIL.toLowerCase(), anonymous: true },
      { campaign_id: ids.campaign, amount: '75000', currency: 'IDR', donor_name: 'S. R. Quokka', donor_email: EMAIL },
      { campaign_id: ids.campaign, amount: '10000', currency: 'IDR', donor_name: 'Someone Else', donor_email: 'other@example.org' },
    ];
    for (const [index, gift] of gifts.entries()) {
      const response = await app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': `portal-${index}` }, payload: gift });
      assert.equal(response.statusCode, 201, response.body);
      ids.gifts.push(response.json().id);
    }
    // Approve two, refund one with a reason that names the donor (free text staff wrote), leave one pending.
    for (const id of [ids.gifts[0], ids.gifts[1], ids.gifts[3]]) {
      const approved = await app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(staffToken), payload: {} });
      assert.equal(approved.statusCode, 200, approved.body);
    }
    const refunded = await app.inject({ method: 'POST', url: `/api/donations/${ids.gifts[1]}/refund`, headers: bearer(staffToken), payload: { reason: `asked by ${NAME} <${EMAIL}> by phone` } });
    assert.equal(refunded.statusCode, 200, refunded.body);
    // An export searched by the email (its query lands in the audit log) and an import whose rejected row holds both.
    await app.inject({ url: `/api/exports/donations.csv?campaign=${ids.campaign}`, headers: bearer(staffToken) });
    const csv = `amount,donor_name,donor_email\n5000,${NAME},${EMAIL}@@\nabc,${NAME},${EMAIL}\n`;
    const imported = await app.inject({ method: 'POST', url: `/api/imports?campaign=sumur-portal&currency=IDR&name=${encodeURIComponent(EMAIL)}.csv`, headers: { ...bearer(staffToken), 'content-type': 'text/csv' }, payload: csv });
    assert.equal(imported.statusCode, 202, imported.body);
    ids.importId = imported.json().id;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const run = await app.inject({ url: `/api/imports/${ids.importId}`, headers: bearer(staffToken) });
      if (run.json().status !== 'running' && run.json().status !== 'receiving') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    await app.close();
    await mailbox.close();
    await testDatabase.drop();
  });

  const form = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}, remoteAddress = '10.0.0.1') => app.inject({
    method: 'POST', url, remoteAddress, headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(fields).toString(),
  });
  let firstSession = '';
  const cookieOf = (setCookie: string | string[] | undefined) => /amanah_me=([^;]*)/.exec(String(setCookie))?.[1] ?? '';
  const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

  async function signIn(email = EMAIL, remoteAddress = '10.0.0.1'): Promise<{ cookie: string; page: string; link: string }> {
    const asked = await form('/me/link', { email, lang: 'en' }, {}, remoteAddress);
    assert.equal(asked.statusCode, 200, asked.body);
    const mail = await mailbox.next(isMagicLink);
    assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]!.address?.toLowerCase() : undefined, email.toLowerCase());
    const link = linkIn(mail);
    assert.ok(link.startsWith(`${PUBLIC_URL}/me/link/`), 'the link is built from AMANAH_PUBLIC_URL, never the Host header');
    const path = link.slice(PUBLIC_URL.length);
    const landing = await app.inject({ url: path, headers: { accept: 'text/html' } });
    assert.equal(landing.statusCode, 200);
    const token = /name="token" value="([^"]+)"/.exec(landing.body)![1]!;
    const opened = await form('/me/session', { token });
    assert.equal(opened.statusCode, 303, opened.body);
    const setCookie = String(opened.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.match(setCookie, /Path=\/me/);
    assert.match(setCookie, /Max-Age=3600/);
    const cookie = cookieOf(setCookie);
    const page = await app.inject({ url: '/me?lang=en', headers: { cookie: `amanah_me=${cookie}` } });
    return { cookie, page: page.body, link: path };
  }

  test('a mailed link opens the page once; the page lists every gift with the donor\'s own name, in both languages', async () => {
    const { cookie, page, link } = await signIn();
    firstSession = cookie;
    assert.match(page, /Your gifts/);
    assert.match(page, /Sumur air/);
    assert.match(page, /Beasiswa/);
    assert.ok(page.includes(NAME), 'the donor sees their own name, on the anonymous gift too');
    assert.match(page, /anonymous to the public/);
    assert.match(page, /Recurring plans will appear here/);
    assert.doesNotMatch(page, /Someone Else/);
    const indonesian = await app.inject({ url: '/me', headers: { cookie: `amanah_me=${cookie}`, 'accept-language': 'id-ID,id;q=0.9' } });
    assert.match(indonesian.body, /<html lang="id">/);
    assert.match(indonesian.body, /Donasi rutin akan tampil/);
    // The switch names the language it leads to, in that language.
    assert.match(page, /<a href="\/me\?lang=id" lang="id" hreflang="id">Bahasa Indonesia<\/a>/);
    assert.match(indonesian.body, /<a href="\/me\?lang=en" lang="en" hreflang="en">English<\/a>/);
    // Single use: the same token again is refused, as a page and as problem+json.
    const token = /\/me\/link\/(.+)$/.exec(link)![1]!;
    const again = await form('/me/session', { token });
    assert.equal(again.statusCode, 410);
    assert.match(again.body, /magic_link_invalid/);
    const againJson = await app.inject({ method: 'POST', url: '/me/session', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${token}` });
    assert.equal(againJson.statusCode, 410);
    assert.equal(againJson.json().code, 'magic_link_invalid');
    assert.match(String(againJson.headers['content-type']), /application\/problem\+json/);
    // A forged secret for a real id, and garbage, are the same refusal.
    const [id] = token.split('.');
    assert.equal((await form('/me/session', { token: `${id}.${'A'.repeat(43)}` })).statusCode, 410);
    assert.equal((await form('/me/session', { token: 'nonsense' })).statusCode, 410);
    const csv = await app.inject({ url: '/me/gifts.csv', headers: { cookie: `amanah_me=${cookie}` } });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.body, /donation_id,donated_at,campaign/);
    assert.match(csv.body, /150000/);
    assert.equal(csv.body.split('\r\n').filter(Boolean).length, 4, 'a header and the donor\'s three gifts');
    assert.equal((await app.inject({ url: '/me/gifts.csv' })).json().code, 'portal_session_required');
  });

  test('the page lists the donor\'s receipts and gives their PDFs and statements; nobody else\'s', async () => {
    const { config } = testDatabase;
    await drainReceiptRequests(testDatabase.database, { settings: config.receipts, publicUrl: config.paymentProviders.publicUrl, mail: false });
    // The first test's session (another sign-in would pass the per-email limit the rate test counts on).
    const session = { cookie: `amanah_me=${firstSession}` };
    const page = (await app.inject({ url: '/me?lang=en', headers: session })).body;
    const numbers = [...page.matchAll(/<td data-label="Number">([^<]+)<\/td>/g)].map((match) => match[1]);
    assert.equal(numbers.length, 2, `the two approved gifts' receipts (the refunded one void): ${page}`);
    assert.match(page, /void \(refunded\)/);
    assert.match(page, /<td data-label="Status">valid<\/td>/);
    const links = [...page.matchAll(/href="(\/me\/receipts\/(\d+)\/pdf)"/g)];
    assert.equal(links.length, 2);
    const pdf = await app.inject({ url: links[0]![1]!, headers: session });
    assert.equal(pdf.statusCode, 200, pdf.body);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.match(String(pdf.headers['cache-control']), /no-store/);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
    assert.ok(text.replace(/\s+/g, ' ').includes(NAME), 'the receipt names its donor (the anonymous one too, for the donor)');
    // Someone else's receipt, one that does not exist and garbage are all the same 404; no session, no receipt.
    const theirs = await testDatabase.database.query<{ id: bigint }>('select r.id from receipts r where r.donation_id = $1', [ids.gifts[3]]);
    assert.equal(theirs.rows.length, 1);
    for (const url of [`/me/receipts/${theirs.rows[0]!.id}/pdf`, '/me/receipts/99999999/pdf', '/me/receipts/x1/pdf']) {
      const refused = await app.inject({ url, headers: session });
      assert.equal(refused.statusCode, 404, url);
      assert.equal(refused.json().code, 'receipt_not_found');
    }
    assert.equal((await app.inject({ url: links[0]![1]! })).json().code, 'portal_session_required');

    const year = localDate(new Date(), config.receipts.timeZone).year;
    assert.ok(page.includes(`/me/statement?from=${year}-01-01&amp;to=${year}-12-31&amp;format=pdf`), 'this year\'s statement is one link away');
    const csv = await app.inject({ url: `/me/statement?from=${year}-01-01&to=${year}-12-31&format=csv`, headers: session });
    assert.equal(csv.statusCode, 200, csv.body);
    const rows = csv.body.split('\r\n').filter(Boolean);
    assert.equal(rows.length, 3, `a header and the donor's two received gifts, refunded included: ${csv.body}`);
    assert.ok(!csv.body.includes('10000.00') && !csv.body.includes('Someone'), 'nobody else\'s gift');
    const statementPdf = await app.inject({ url: `/me/statement?from=${year}-01-01&to=${year}-12-31`, headers: session });
    assert.equal(statementPdf.statusCode, 200);
    assert.equal(statementPdf.headers['content-type'], 'application/pdf');
    const statementText = (await extractText(await getDocumentProxy(new Uint8Array(statementPdf.rawPayload)), { mergePages: true })).text.replace(/\s+/g, ' ');
    assert.match(statementText, /Sumur air/);
    // A bad range is refused at the field, as a page to a browser and as problem+json otherwise.
    const backwards = await app.inject({ url: `/me/statement?from=${year}-12-31&to=${year}-01-01`, headers: { ...session, accept: 'text/html', 'accept-language': 'id' } });
    assert.equal(backwards.statusCode, 400);
    assert.match(backwards.body, /<html lang="id">[\s\S]*validation_failed/);
    const tooLong = await app.inject({ url: '/me/statement?from=2000-01-01&to=2026-12-31&format=csv', headers: session });
    assert.equal(tooLong.statusCode, 422);
    assert.equal(tooLong.json().code, 'statement_too_large');
    assert.equal((await app.inject({ url: `/me/statement?from=${year}-01-01&to=${year}-12-31` })).json().code, 'portal_session_required');
  });

  test('an unknown email gets the same answer and no mail; the links expire by the clock and sessions too', async () => {
    const before = mailbox.count(isMagicLink);
    const unknown = await form('/me/link', { email: 'nobody@example.org', lang: 'en' }, {}, '10.0.0.2');
    const known = await form('/me/link', { email: 'other@example.org', lang: 'en' }, {}, '10.0.0.2');
    assert.equal(unknown.statusCode, known.statusCode);
    assert.equal(unknown.body, known.body);
    const api = await app.inject({ method: 'POST', url: '/api/portal/links', remoteAddress: '10.0.0.3', payload: { email: 'nobody@example.org' } });
    assert.equal(api.statusCode, 202);
    const mail = await mailbox.next(isMagicLink);
    assert.equal((mail.to as { value: { address: string }[] }).value[0]!.address, 'other@example.org');
    assert.equal(mailbox.count(isMagicLink), before + 1);

    // The clock is passed in: a link redeemed 15 minutes and 1 second later is refused; one within is not.
    const portal = new Portal({
      database: testDatabase.database, config: testDatabase.config.portal, publicUrl: PUBLIC_URL, mailer: createMailer(testDatabase.config.portal),
      limiter: new CheckoutRateLimiter({ perIpMax: 0, perEmailMax: 0, windowSeconds: 60 }, undefined), log: pino({ level: 'silent' }),
    });
    try {
      const t0 = Date.UTC(2030, 0, 1, 8, 0, 0);
      await portal.requestLink(EMAIL, '10.9.9.9', 'id', t0);
      await portal.settle();
      const late = linkIn(await mailbox.next(isMagicLink)).split('/me/link/')[1]!;
      await assert.rejects(portal.redeemLink(late, t0 + 15 * 60_000 + 1_000), (error) => isAppError(error) && error.code === 'magic_link_invalid');
      await portal.requestLink(EMAIL, '10.9.9.9', 'id', t0);
      await portal.settle();
      const indonesianMail = await mailbox.next(isMagicLink);
      assert.match(indonesianMail.subject ?? '', /Tautan masuk/);
      const opened = await portal.redeemLink(linkIn(indonesianMail).split('/me/link/')[1]!, t0 + 14 * 60_000);
      assert.ok(await portal.session(opened.cookie, t0 + 59 * 60_000));
      assert.equal(await portal.session(opened.cookie, t0 + 14 * 60_000 + 3_600_000 + 1), undefined, 'the session ends after an hour');
    } finally {
      portal.close();
    }
  });

  test('rate limits per email and per IP answer 429 with Retry-After, for unknown emails alike', async () => {
    for (const email of ['limit@example.org', 'unknown-limit@example.org']) {
      const statuses: number[] = [];
      for (let index = 0; index < 4; index += 1) {
        const response = await app.inject({ method: 'POST', url: '/api/portal/links', remoteAddress: `10.1.${index}.${email.length}`, payload: { email } });
        statuses.push(response.statusCode);
        if (response.statusCode === 429) {
          assert.equal(response.json().code, 'rate_limited');
          assert.match(String(response.headers['retry-after']), /^[0-9]+$/);
        }
      }
      assert.deepEqual(statuses, [202, 202, 202, 429]);
    }
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      statuses.push((await app.inject({ method: 'POST', url: '/api/portal/links', remoteAddress: '10.2.0.1', payload: { email: `ip-${index}@example.org` } })).statusCode);
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429]);
    const page = await form('/me/link', { email: 'ip-9@example.org' }, {}, '10.2.0.1');
    assert.equal(page.statusCode, 429);
    assert.match(page.body, /rate_limited/);
    assert.ok(page.headers['retry-after']);
  });

  test('POSTs in a session need its CSRF token and this site\'s Origin; erasure needs the confirmation', async () => {
    const { cookie, page } = await signIn(EMAIL, '10.3.0.1');
    const csrf = csrfOf(page);
    const headers = { cookie: `amanah_me=${cookie}` };
    assert.equal((await form('/me/erase', { csrf: 'x'.repeat(43), confirm: 'yes' }, headers)).statusCode, 403);
    assert.equal((await form('/me/erase', { csrf, confirm: 'yes' }, { ...headers, origin: 'https://evil.example' })).statusCode, 403);
    const unconfirmed = await form('/me/erase', { csrf }, headers);
    assert.equal(unconfirmed.statusCode, 422);
    assert.match(unconfirmed.body, /erasure_not_confirmed/);
    assert.equal((await form('/me/erase', { csrf, confirm: 'yes' })).statusCode, 401, 'no session, no erasure');
    const signedOut = await form('/me/logout', { csrf }, headers);
    assert.equal(signedOut.statusCode, 200);
    const after = await app.inject({ url: '/me?lang=en', headers });
    assert.match(after.body, /Send me a link/, 'the session is gone');
  });

  test('the admin API erases on request: 401 without a token, 403 for staff, 404 for an unknown email', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/api/donors/erase', payload: { email: 'x@example.org' } })).statusCode, 401);
    assert.equal((await app.inject({ method: 'POST', url: '/api/donors/erase', headers: bearer(staffToken), payload: { email: 'x@example.org' } })).statusCode, 403);
    const unknown = await app.inject({ method: 'POST', url: '/api/donors/erase', headers: bearer(TEST_ADMIN_TOKEN), payload: { email: 'x@example.org' } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'donor_not_found');
  });

  test('after the donor erases from /me, no table and no surface holds the name or email; amounts and the ledger stay', async () => {
    const db = testDatabase.database;
    const ledgerBefore = await db.query<{ count: bigint }>('select count(*) as count from ledger_lines');
    const totalsBefore = await db.query('select id, raised_minor, donation_count from campaigns order by id');
    // A receipt issued before (the receipts test drained them): its public check must answer the same after.
    const receipt = (await db.query<{ code: string; number: string }>(`select code, content->>'number' as number from receipts where donation_id = $1 and status = 'valid'`, [ids.gifts[0]])).rows[0]!;
    const checkedBefore = await app.inject({ url: `/receipts/verify/${receipt.code}` });
    assert.equal(checkedBefore.statusCode, 200, checkedBefore.body);
    // The live hub's replay ring: a staff stream is open while a new gift with the name and email is announced,
    // so the ring holds an update naming them; a resume from before it, after the erasure, must not replay it.
    const liveTicket = (await app.inject({ method: 'POST', url: '/api/live/ticket', headers: bearer(staffToken) })).json().ticket;
    const watching = new AbortController();
    const watcher = (await fetch(`${base}/api/live?ticket=${encodeURIComponent(liveTicket)}`, { signal: watching.signal })).body!.getReader();
    let seen = '';
    seen = await readUntil(watcher, seen, (text) => /event: snapshot[\s\S]*?\n\n/.test(text));
    const resumeFrom = /id: (\S+)\nevent: snapshot/.exec(seen)![1]!;
    const named = await app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': 'portal-ring' }, payload: { campaign_id: ids.campaign, amount: '5000', currency: 'IDR', donor_name: NAME, donor_email: EMAIL } });
    assert.equal(named.statusCode, 201, named.body);
    await readUntil(watcher, seen, (text) => text.includes(NAME));
    const { cookie, page } = await signIn(EMAIL, '10.4.0.1');
    const erased = await form('/me/erase', { csrf: csrfOf(page), confirm: 'yes', lang: 'en' }, { cookie: `amanah_me=${cookie}` }, '10.4.0.1');
    assert.equal(erased.statusCode, 200, erased.body);
    assert.match(erased.body, /Your personal data is erased/);
    assert.match(String(erased.headers['set-cookie']), /Max-Age=0/);

    const needles = [NAME, 'Rahmawati', 'Quokka', EMAIL.toLowerCase(), 'siti.quokka'];
    const holds = (text: string) => needles.filter((needle) => text.toLowerCase().includes(needle.toLowerCase()));
    // Every row of every table, as JSON text (bytea as hex, so a provider body is searched as its bytes too).
    const { rows: tables } = await db.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`);
    const hexNeedles = needles.map((needle) => Buffer.from(needle.toLowerCase()).toString('hex'));
    for (const { table_name: table } of tables) {
      const { rows } = await db.query<{ row: string }>(`select to_jsonb(t)::text as row from "${table}" t`);
      for (const { row } of rows) {
        assert.deepEqual(holds(row), [], `${table} still holds personal data: ${row.slice(0, 300)}`);
        for (const hex of hexNeedles) assert.ok(!row.toLowerCase().includes(hex), `${table} holds it in bytes`);
      }
    }
    const pseudonym = (await db.query<{ donor_name: string }>('select donor_name from donations where id = $1', [ids.gifts[0]])).rows[0]!.donor_name;
    assert.match(pseudonym, /^Donor erased \d{4}-\d{2}-\d{2} #\d+$/);
    assert.equal((await db.query<{ count: bigint }>('select count(*) as count from ledger_lines')).rows[0]!.count, ledgerBefore.rows[0]!.count);
    assert.deepEqual((await db.query('select id, raised_minor, donation_count from campaigns order by id')).rows, totalsBefore.rows);
    const audit = await db.query<{ actor_token_id: string; detail: { donations: number; ledger_memos_with_personal_data: number } }>(`select actor_token_id, detail from audit_log where action = 'donor.erased'`);
    assert.equal(audit.rows.length, 1);
    assert.equal(audit.rows[0]!.actor_token_id, 'donor');
    assert.equal(audit.rows[0]!.detail.donations, 4, 'the three gifts and the one announced on the live stream');
    assert.equal(audit.rows[0]!.detail.ledger_memos_with_personal_data, 0);
    assert.equal((await db.query('select 1 from donations where donor_name = $1', ['Someone Else'])).rows.length, 1, 'another donor is untouched');

    const staff = bearer(staffToken);
    const surfaces = [
      ...ids.gifts.map((id) => `/api/donations/${id}`), ...ids.gifts.map((id) => `/api/console/donations/${id}`),
      ...ids.gifts.map((id) => `/api/donations/${id}/history`), ...ids.gifts.map((id) => `/api/ledger/donations/${id}`),
      `/api/campaigns/${ids.campaign}/donations`, `/api/campaigns/${ids.other}/donations`, '/api/console/donations',
      `/api/console/donations?q=${encodeURIComponent(NAME)}`, `/api/console/donations?q=${encodeURIComponent(EMAIL)}`,
      `/api/exports/donations.csv`, '/api/audit', '/api/audit.csv', `/api/imports/${ids.importId}`, `/api/imports/${ids.importId}/rejects`,
      '/api/analytics', `/api/campaigns/${ids.campaign}/analytics`, `/api/campaigns/${ids.campaign}/summary`, '/give/sumur-portal',
      '/console', '/me',
    ];
    for (const url of surfaces) {
      for (const headers of [{}, staff]) {
        const response = await app.inject({ url, headers });
        assert.ok(response.statusCode < 500, `${url}: ${response.statusCode}`);
        // A search's own words come back in its problem's `instance` (the URL asked): that is the request, not data.
        const shown = response.body.split(url).join('');
        assert.deepEqual(holds(shown), [], `${url} shows personal data: ${shown.slice(0, 300)}`);
      }
    }
    // The live stream's staff snapshot (the pending queue with its names) after the erasure.
    const ticket = (await app.inject({ method: 'POST', url: '/api/live/ticket', headers: staff })).json().ticket;
    const controller = new AbortController();
    const stream = await fetch(`${base}/api/live?ticket=${encodeURIComponent(ticket)}`, { signal: controller.signal });
    const reader = stream.body!.getReader();
    let text = '';
    text = await readUntil(reader, text, (sofar) => /event: snapshot[\s\S]*\n\n/.test(sofar));
    controller.abort();
    assert.match(text, /Donor erased/);
    assert.deepEqual(holds(text), [], text.slice(Math.max(0, text.toLowerCase().indexOf('quokka') - 600), text.toLowerCase().indexOf('quokka') + 200));
    // A resume from before the named update gets a fresh snapshot, not the ring's copy of it.
    const resumeTicket = (await app.inject({ method: 'POST', url: '/api/live/ticket', headers: staff })).json().ticket;
    const resuming = new AbortController();
    const resumed = (await fetch(`${base}/api/live?ticket=${encodeURIComponent(resumeTicket)}`, { signal: resuming.signal, headers: { 'last-event-id': resumeFrom } })).body!.getReader();
    let replay = '';
    replay = await readUntil(resumed, replay, (sofar) => /event: \w+\n[\s\S]*?\n\n/.test(sofar));
    replay = replay.slice(replay.indexOf('id: '));
    resuming.abort();
    watching.abort();
    assert.match(replay, /^id: \S+\nevent: resync\n/, `the first message after the erasure is a resync (a whole snapshot): ${replay.slice(0, 200)}`);
    assert.deepEqual(holds(replay), []);
    // The receipt's public check is unchanged: issuer, number, date, amount, still valid.
    const checkedAfter = await app.inject({ url: `/receipts/verify/${receipt.code}` });
    assert.equal(checkedAfter.statusCode, 200, checkedAfter.body);
    assert.deepEqual(checkedAfter.json(), checkedBefore.json());
    assert.equal(checkedAfter.json().status, 'valid');
    assert.equal(checkedAfter.json().number, receipt.number);
  });
});
