// One mustahik's staff page (/distribution/mustahik/:id) on a real database: without a token a 401 shell that holds
// none of its data; with a staff token the NIK in full, the edit form filled with the stored values, the
// disbursements made to it, names dir="auto", in Indonesian or English; an unknown or malformed id a 404
// mustahik_not_found problem (as the API's); and the registry and the disbursements list link each name to it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';
import { maskNik } from '../../src/distribution/nik.ts';

/** A man born 5 June 1987 in Jakarta Pusat. */
const NIK = '3171060506870003';
const NAME = 'Ahmad Fauzi';
const NOTES = 'SKTM kelurahan nomor 7/2026';

let t: TestApp;
let mustahikId = '';
let institutionId = '';

async function post(url: string, payload: Record<string, unknown>): Promise<Record<string, string>> {
  const response = await t.app.inject({ method: 'POST', url, headers: bearer(t.staffToken), payload });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

before(async () => {
  t = await createTestApp();
  const campaign = await createCampaign(t, { slug: 'record-zakat', name: 'Zakat Ramadan', fund: 'zakat' });
  const mustahik = await post('/api/distribution/mustahik', {
    kind: 'person', name: NAME, nik: NIK, asnaf: ['fakir', 'gharimin'], region: 'Jakarta Pusat', verification: 'verified', evidence_notes: NOTES,
  });
  mustahikId = mustahik.id!;
  institutionId = (await post('/api/distribution/mustahik', { kind: 'institution', name: 'Panti Asuhan Al-Ikhlas', asnaf: ['miskin'], region: 'Bandung' })).id!;
  const program = await post('/api/distribution/programs', { name: 'Bantuan pangan', fund: 'zakat', asnaf: ['fakir', 'miskin'] });
  await post('/api/distribution/disbursements', { program_id: program.id, mustahik_id: mustahikId, campaign_id: campaign.id, asnaf: 'fakir', amount: '125000' });
});
after(() => t.close());

test('without a token the page is the room\'s 401 shell, holding none of the mustahik\'s data', async () => {
  const shell = await t.app.inject({ url: `/distribution/mustahik/${mustahikId}` });
  assert.equal(shell.statusCode, 401);
  assert.match(shell.headers['content-type'] as string, /^text\/html/);
  assert.match(shell.headers['www-authenticate'] as string, /^Bearer/);
  assert.match(shell.body, /<script src="\/distribution\/distribution.js" defer><\/script>/);
  assert.match(shell.body, /id="room-signed-out"/);
  assert.match(shell.body, /data-page="distribution-mustahik-record"/);
  for (const secret of [NAME, NIK, maskNik(NIK), NOTES, 'Jakarta Pusat']) assert.ok(!shell.body.includes(secret), `the shell carries ${secret}`);
});

test('with a staff token: the NIK in full, the form filled with what is stored, its disbursements, names dir=auto', async () => {
  const page = await t.app.inject({ url: `/distribution/mustahik/${mustahikId}`, headers: bearer(t.staffToken) });
  assert.equal(page.statusCode, 200, page.body);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.body, /<html lang="id">/);
  assert.match(page.body, /<main id="main"/);
  assert.match(page.body, new RegExp(`<h1><span dir="auto">${NAME}</span></h1>`));
  assert.match(page.body, /<title>amanah: Mustahik \d+<\/title>/, 'the title names the number, not the person');
  assert.match(page.body, new RegExp(`<dd id="record-nik">${NIK}</dd>`));
  // The room's nav, no item of it current: this page is none of them.
  assert.match(page.body, /<nav aria-label="Penyaluran">/);
  assert.ok(!page.body.includes('aria-current="page"'));
  assert.match(page.body, new RegExp(`data-method="PATCH" data-api="/api/distribution/mustahik/${mustahikId}"[^>]*data-changed="only"`));
  assert.match(page.body, /<input id="f-region" name="region" value="Jakarta Pusat" required/);
  assert.match(page.body, /<option value="verified" selected>terverifikasi<\/option>/);
  assert.ok(page.body.includes(`name="evidence_notes" maxlength="4000" dir="auto" aria-describedby="f-evidence_notes-error">\n${NOTES}</textarea>`));
  assert.match(page.body, /value="fakir" checked>/);
  assert.match(page.body, /value="gharimin" checked>/);
  assert.match(page.body, /value="miskin">/);
  for (const field of ['name', 'nik', 'region', 'verification', 'evidence_notes']) assert.match(page.body, new RegExp(`<label for="f-${field}">`), field);
  assert.ok(page.body.includes(`<input id="f-nik" name="nik" value="${NIK}" required`), 'a person\'s NIK is in the form, in full');
  assert.ok(!/id="f-kind"/.test(page.body), 'kind is not in the form: it never changes');
  assert.match(page.body, /<span dir="auto">Bantuan pangan<\/span>/);
  assert.match(page.body, /data-status="requested"/);

  const english = await t.app.inject({ url: `/distribution/mustahik/${mustahikId}?lang=en`, headers: bearer(t.staffToken) });
  assert.match(english.body, /<html lang="en">/);
  assert.match(english.body, /Change this mustahik/);
  assert.match(english.body, /<option value="verified" selected>verified<\/option>/);
  assert.match(english.body, /<a class="lang" href="\?lang=id"/);

  const institution = await t.app.inject({ url: `/distribution/mustahik/${institutionId}`, headers: bearer(t.staffToken) });
  assert.match(institution.body, /<dd id="record-nik">tidak ada \(lembaga\)<\/dd>/);
  assert.ok(!institution.body.includes('id="f-nik"'), 'an institution has no NIK to change');
  assert.match(institution.body, /<p class="empty">Belum ada\.<\/p>/, 'no disbursement yet');
});

test('an unknown or malformed id is a 404 mustahik_not_found problem, never a 500', async () => {
  for (const id of ['999999', '0', 'abc', '12abc', '99999999999999999999', '-1']) {
    const answer = await t.app.inject({ url: `/distribution/mustahik/${id}`, headers: bearer(t.staffToken) });
    assert.equal(answer.statusCode, 404, `${id}: ${answer.body}`);
    assert.match(answer.headers['content-type'] as string, /^application\/problem\+json/, id);
    assert.equal(answer.json().code, 'mustahik_not_found', id);
  }
  const signedOut = await t.app.inject({ url: '/distribution/mustahik/abc' });
  assert.equal(signedOut.statusCode, 401, 'without a token, the shell: whether an id exists is not told');
});

test('the registry and the disbursements list link each name to its page', async () => {
  const registry = await t.app.inject({ url: '/distribution/mustahik', headers: bearer(t.staffToken) });
  assert.ok(registry.body.includes(`<a href="/distribution/mustahik/${mustahikId}"><span dir="auto">${NAME}</span></a>`));
  assert.ok(!registry.body.includes(NIK), 'the registry still masks the NIK');
  const disbursements = await t.app.inject({ url: '/distribution/disbursements', headers: bearer(t.staffToken) });
  assert.ok(disbursements.body.includes(`<a href="/distribution/mustahik/${mustahikId}"><span dir="auto">${NAME}</span></a>`));
});

test('a new name or NIK: validated, unique, verification back to unverified unless set, the audit saying what changed but not to what', async () => {
  const patch = (id: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: `/api/distribution/mustahik/${id}`, headers: bearer(t.staffToken), payload });
  const other = await post('/api/distribution/mustahik', { kind: 'person', name: 'Siti Aminah', nik: '3273014512900002', asnaf: ['miskin'], region: 'Bandung', verification: 'verified' });

  const badNik = await patch(mustahikId, { nik: '3171063206870003' });
  assert.equal(badNik.statusCode, 422, badNik.body);
  assert.equal(badNik.json().code, 'nik_invalid');
  assert.equal(badNik.json().field, 'nik');
  assert.ok(!badNik.body.includes('3171063206870003'), 'the refusal never repeats the number');
  const taken = await patch(mustahikId, { nik: other.nik });
  assert.equal(taken.statusCode, 409, taken.body);
  assert.deepEqual([taken.json().code, taken.json().field], ['nik_taken', 'nik']);
  const institution = await patch(institutionId, { nik: NIK.replace(/3$/, '4') });
  assert.equal(institution.statusCode, 400, institution.body);
  assert.deepEqual([institution.json().code, institution.json().field], ['validation_failed', 'nik']);
  const unchanged = (await t.app.inject({ url: `/api/distribution/mustahik/${mustahikId}`, headers: bearer(t.staffToken) })).json();
  assert.deepEqual([unchanged.name, unchanged.nik, unchanged.verification], [NAME, NIK, 'verified'], 'a refused change changes nothing');

  const sameName = await patch(mustahikId, { name: NAME, region: 'Jakarta Selatan' });
  assert.equal(sameName.json().verification, 'verified', 'the same name again is no new identity');
  const renamed = await patch(mustahikId, { name: 'Ahmad Fauzi Rahman' });
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.deepEqual([renamed.json().name, renamed.json().verification], ['Ahmad Fauzi Rahman', 'unverified']);
  const newNik = await patch(other.id!, { nik: '3273014512900003', verification: 'verified' });
  assert.deepEqual([newNik.json().nik, newNik.json().verification], ['3273014512900003', 'verified'], 'set in the same change, verification stays as set');

  const { rows } = await t.database.query<{ target: string; detail: Record<string, unknown> }>(
    `select target, detail from audit_log where action = 'mustahik.update' order by id`);
  const renamedAudit = rows.find((row) => row.target === `mustahik:${mustahikId}` && row.detail.name_changed === true)!;
  assert.equal(renamedAudit.detail.nik_changed, false);
  const nikAudit = rows.find((row) => row.target === `mustahik:${other.id}`)!;
  assert.deepEqual([nikAudit.detail.nik_changed, nikAudit.detail.name_changed], [true, false]);
  const logged = JSON.stringify(rows);
  for (const secret of ['Ahmad Fauzi Rahman', '3273014512900003', NIK]) assert.ok(!logged.includes(secret), `the audit log holds ${secret}`);
});

test('a change made against an older copy is refused with mustahik_changed and writes nothing; the current copy is accepted', async () => {
  const patch = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: `/api/distribution/mustahik/${mustahikId}`, headers: bearer(t.staffToken), payload });
  const seen = (await t.app.inject({ url: `/api/distribution/mustahik/${mustahikId}`, headers: bearer(t.staffToken) })).json();
  const current = await patch({ region: 'Depok', expected_updated_at: seen.updated_at });
  assert.equal(current.statusCode, 200, current.body);
  const stale = await patch({ verification: 'verified', expected_updated_at: seen.updated_at });
  assert.equal(stale.statusCode, 409, stale.body);
  assert.deepEqual([stale.json().code, stale.json().field], ['mustahik_changed', 'expected_updated_at']);
  const after = (await t.app.inject({ url: `/api/distribution/mustahik/${mustahikId}`, headers: bearer(t.staffToken) })).json();
  assert.equal(after.updated_at, current.json().updated_at, 'nothing written');
  assert.equal(after.verification, current.json().verification);
  for (const bad of ['yesterday', '2026-13-45T00:00:00Z']) {
    const refused = await patch({ region: 'Bogor', expected_updated_at: bad });
    assert.deepEqual([refused.statusCode, refused.json().code], [400, 'validation_failed'], bad);
  }
  assert.equal((await patch({ region: 'Bogor', expected_updated_at: after.updated_at })).statusCode, 200);
});
