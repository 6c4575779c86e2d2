// The staff console in the browser: signs in with the token kept in sessionStorage (shared with the
// dashboard), reads the JSON API, and writes every text with textContent. Amounts arrive as decimal strings
// and are formatted by Intl.NumberFormat from the string (exact, never a float). Times are <time datetime=ISO>
// elements shown in the viewer's own time zone (the browser's Intl default) and language, the server's ones
// included; the date filters mean whole days in that zone too. The queue is live: it listens to the staff
// stream (/api/live, opened with a one-minute ticket, never the token) and says what changed without moving a
// row under the reader's pointer. Messages come from the page (the server's catalogue, in the viewer's language).
/* global document, window, sessionStorage, fetch, URLSearchParams, Blob */
'use strict';
(() => {
  const TOKEN_KEY = 'amanah.staffToken';
  const { messages, errors } = JSON.parse(document.getElementById('messages').textContent);
  const locale = document.body.dataset.locale;
  const page = document.body.dataset.page;
  const $ = (id) => document.getElementById(id);
  const state = { token: sessionStorage.getItem(TOKEN_KEY), principal: null };

  const t = (key, values = {}) => (messages[key] ?? key).replace(/\{([a-z]+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  const money = (amount, currency) => {
    try { return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: amount.includes('.') ? amount.split('.')[1].length : 0 }).format(amount); } catch { return `${amount} ${currency}`; }
  };
  const whenFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  /** The long form (with the zone's name) for the title, so the reader can tell which zone the short one is in. */
  const whenFull = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'long' });
  const el = (tag, text, attributes = {}) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  };
  const td = (child, attributes = {}) => { const cell = el('td', undefined, attributes); cell.append(child); return cell; };
  const isCell = (node) => node instanceof window.Element && (node.tagName === 'TD' || node.tagName === 'TH');
  const row = (cells) => { const tr = el('tr'); for (const cell of cells) tr.append(isCell(cell) ? cell : cell instanceof window.Node ? td(cell) : el('td', cell)); return tr; };
  /** Sets a <time datetime> element's text and title from its instant, in the viewer's zone and language. */
  const localiseTime = (node) => {
    const date = new Date(node.getAttribute('datetime'));
    if (Number.isNaN(date.getTime())) return node;
    node.textContent = whenFormat.format(date); node.title = whenFull.format(date);
    return node;
  };
  /** A time as the console shows every time: a <time> element, or nothing for no time. */
  const when = (iso) => (iso ? localiseTime(el('time', undefined, { datetime: iso })) : '');
  // Times the server wrote into a page (UTC, for a reader without script) are re-read in the viewer's zone.
  for (const node of document.querySelectorAll('time[datetime]')) localiseTime(node);
  const announce = (text) => { $('announcer').textContent = text; };

  /** A problem+json answer as the person should read it: the title in their language, and the detail. */
  const problemText = (problem) => `${errors[problem.code] ?? problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : ''}`;

  async function api(method, path, body) {
    let response;
    try {
      response = await fetch(path, {
        method, headers: { authorization: `Bearer ${state.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch { throw Object.assign(new Error(t('error.network')), { problem: { code: 'network', detail: t('error.network') } }); }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(problemText(data)), { problem: data });
    return data;
  }

  /** Shows a refusal at its field when the problem names one (field, or validation errors' paths), else at `fallback`. */
  function showErrors(form, problem, fallback) {
    for (const node of form.querySelectorAll('.field-error')) node.textContent = '';
    const paths = [problem.field, ...(problem.errors ?? []).map((item) => item.path.replace(/^\//, '') || (item.message.match(/'([a-z_]+)'/) ?? [])[1])].filter(Boolean);
    const target = paths.map((name) => $(`f-${name}-error`)).find(Boolean);
    (target ?? fallback).textContent = problemText(problem);
    const input = target ? $(target.id.replace(/-error$/, '')) : null;
    if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
  }

  // Sign-in: the server says who the token is and records the sign-in once per browser session.
  async function signIn(candidate, fresh) {
    state.token = candidate;
    const principal = fresh ? await api('POST', '/api/session') : JSON.parse(sessionStorage.getItem(`${TOKEN_KEY}.who`) ?? 'null') ?? await api('POST', '/api/session');
    state.principal = principal;
    sessionStorage.setItem(TOKEN_KEY, candidate);
    sessionStorage.setItem(`${TOKEN_KEY}.who`, JSON.stringify(principal));
    $('sign-in').hidden = true; $('signed-in').hidden = false; $('signed-out-note').hidden = true; $('content').hidden = false;
    $('signed-in-as').textContent = t('signin.as', { name: principal.name, role: t(`role.${principal.role}`) });
    $('signed-in-as').setAttribute('dir', 'auto');
    await loaders[page]?.();
  }
  $('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    try { await signIn($('token').value.trim(), true); $('token').value = ''; } catch (error) { $('sign-in-error').textContent = error.message; state.token = null; }
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(`${TOKEN_KEY}.who`);
    window.location.reload();
  });

  const params = new URLSearchParams(window.location.search);
  const fillForm = (form) => { for (const [name, value] of params) { const input = form.elements.namedItem(name); if (input && 'value' in input) input.value = value; } };
  const link = (href, text) => el('a', text, { href });
  /** A yyyy-mm-dd from a date filter as the instant that day (plus `days`) starts in the viewer's zone. */
  const dayStart = (text, days = 0) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days).toISOString() : text;
  };
  /**
   * The filters as the API reads them: the API takes a bare date as midnight UTC, so the days are sent as their
   * starts in the viewer's zone, and the "to" day is included (the API's `to` is exclusive: the next day's start).
   */
  const apiQuery = (query) => {
    const out = new URLSearchParams(query);
    if (out.has('from')) out.set('from', dayStart(out.get('from')));
    if (out.has('to')) out.set('to', dayStart(out.get('to'), 1));
    return out;
  };
  const nameCell = (name) => td(el('span', name, { dir: 'auto' }));

  // The queue, live. The staff stream says which donations arrived and which were decided; the page never
  // inserts a row into the page the reader is on (that would break its keyset and move rows under the pointer):
  // new matches are counted in a polite banner whose "show" reloads the first page, and rows decided by someone
  // else are marked in place (their box cleared and disabled; the rest of the selection stays).
  /** What counts as new is asked of the server (the filters are its to apply), at most this often. */
  const LIVE_CHECK_INTERVAL_MS = 2_000;
  /** The first load waits at most this long for the stream's snapshot: the newest pending id, the "new" baseline. */
  const LIVE_SNAPSHOT_WAIT_MS = 3_000;
  const LIVE_RECONNECT_DELAY_MS_MIN = 1_000;
  const LIVE_RECONNECT_DELAY_MS_MAX = 60_000;
  /** New matches counted by one check; past it the banner says "more than". */
  const LIVE_NEW_ROWS_MAX = 100;
  /** Rows one re-check of the page reads (the API's page limit). */
  const LIVE_PAGE_CHECK_ROWS_MAX = 200;
  /** This tab's own recent decisions, remembered so the stream's echo of them is not "decided elsewhere". */
  const LIVE_OWN_IDS_MAX = 1_000;
  const live = {
    source: null, lastEventId: null, ready: null, resolveReady: null, reconnectTimer: 0, reconnectDelayMs: LIVE_RECONNECT_DELAY_MS_MIN,
    /** Pending donations with a greater id arrived after the page was read; null until the first snapshot. */
    baseline: null, newest: null, checkTimer: 0, lastCheckMs: 0, wantNew: false, wantPage: false,
    rows: new Map(), own: new Set(),
  };
  const biggerId = (a, b) => (a === null || BigInt(b) > BigInt(a) ? b : a);

  /** Opens the stream once per page; resolves at its first snapshot, or after LIVE_SNAPSHOT_WAIT_MS without one. */
  function startLive() {
    if (live.ready) return live.ready;
    live.ready = new Promise((resolve) => { live.resolveReady = resolve; window.setTimeout(resolve, LIVE_SNAPSHOT_WAIT_MS); });
    void connectLive();
    return live.ready;
  }
  function scheduleLiveReconnect() {
    window.clearTimeout(live.reconnectTimer);
    const delayMs = live.reconnectDelayMs * (0.5 + Math.random() / 2);
    live.reconnectDelayMs = Math.min(LIVE_RECONNECT_DELAY_MS_MAX, live.reconnectDelayMs * 2);
    live.reconnectTimer = window.setTimeout(() => { void connectLive(); }, delayMs);
  }
  async function connectLive() {
    live.source?.close(); live.source = null;
    let ticket;
    try { ({ ticket } = await api('POST', '/api/live/ticket')); } catch (error) {
      // A refused token ends the live view (the page still works by reloading); anything else is tried again.
      if (['unauthorized', 'forbidden'].includes(error.problem?.code)) { live.resolveReady(); return; }
      scheduleLiveReconnect(); return;
    }
    // The ticket is good for a minute and only for this stream; the server redacts it from its request log.
    const query = new URLSearchParams({ ticket });
    if (live.lastEventId) query.set('since', live.lastEventId);
    const source = new window.EventSource(`/api/live?${query}`);
    live.source = source;
    const listen = (type, apply) => source.addEventListener(type, (event) => { live.lastEventId = event.lastEventId; apply(JSON.parse(event.data)); });
    listen('snapshot', liveSnapshot); listen('resync', liveSnapshot); listen('update', liveUpdate);
    source.addEventListener('open', () => { live.reconnectDelayMs = LIVE_RECONNECT_DELAY_MS_MIN; });
    // The browser retries a dropped stream itself; a refused one (the ticket expired when the staff stream ended
    // after its lifetime) is closed for good, so it is opened again with a fresh ticket, resuming by `since`.
    source.addEventListener('error', () => { if (source.readyState === window.EventSource.CLOSED) scheduleLiveReconnect(); });
  }
  function liveSnapshot(snapshot) {
    if (live.baseline === null) {
      live.baseline = (snapshot.queue?.items ?? []).reduce((max, item) => biggerId(max, item.id), '0');
      document.body.dataset.live = 'open';
      live.resolveReady();
    } else scheduleCheck(true, true); // a resync: what was missed is asked for
  }
  function liveUpdate(update) {
    const queue = update.queue;
    if (!queue) return;
    if (queue.remove) markDecided(queue.remove);
    if (queue.add?.length || queue.reset) scheduleCheck(true, Boolean(queue.reset));
  }

  function markRow(tr, text) {
    tr.classList.add('decided');
    tr.querySelector('td.status').textContent = text;
    const box = tr.querySelector('input[type=checkbox]');
    box.checked = false; box.disabled = true;
  }
  function markDecided(removals) {
    let marked = 0;
    for (const { id, status } of removals) {
      if (!/^[0-9]{1,19}$/.test(id) || live.own.has(id)) continue;
      const tr = $('queue-rows').querySelector(`tr[data-id="${id}"]:not(.decided)`);
      if (!tr || tr.dataset.status === status) continue;
      markRow(tr, t('queue.decidedElsewhere', { status: t(`status.${status}`) }));
      marked += 1;
    }
    if (marked > 0) announce(t('queue.decidedCount', { count: marked }));
  }

  function scheduleCheck(fresh, wholePage) {
    live.wantNew ||= fresh; live.wantPage ||= wholePage;
    if (live.checkTimer) return;
    live.checkTimer = window.setTimeout(runCheck, Math.max(0, live.lastCheckMs + LIVE_CHECK_INTERVAL_MS - Date.now()));
  }
  async function runCheck() {
    live.lastCheckMs = Date.now();
    const { wantNew, wantPage } = live;
    live.wantNew = false; live.wantPage = false;
    try {
      if (wantNew) await checkNew();
      if (wantPage) await checkPage();
    } catch {
      // Asked again with the next change (a lost connection is retried by the stream, not here).
      live.wantNew ||= wantNew; live.wantPage ||= wantPage;
    }
    live.checkTimer = 0;
  }

  /** New pending matches: the same filters, oldest first from the baseline (a keyset walk, not a count). */
  async function checkNew() {
    if (live.baseline === null || (params.get('status') || 'pending') !== 'pending') return;
    const query = apiQuery(queueQuery());
    for (const name of ['after', 'cursor', 'sort', 'limit']) query.delete(name);
    query.set('sort', 'oldest'); query.set('cursor', live.baseline); query.set('limit', String(LIVE_NEW_ROWS_MAX));
    const data = await api('GET', `/api/donations?${query}`);
    const fresh = data.donations.filter((d) => !live.rows.has(d.id));
    for (const d of data.donations) live.newest = biggerId(live.newest, d.id);
    const text = fresh.length === 0 ? '' : t(data.has_more ? 'queue.new.more' : new Intl.PluralRules(locale).select(fresh.length) === 'one' ? 'queue.new.one' : 'queue.new.other',
      { count: new Intl.NumberFormat(locale).format(fresh.length) });
    // The same words are not written again: a live region would say them again.
    if ($('queue-new-text').textContent !== text) $('queue-new-text').textContent = text;
    $('queue-new').hidden = text === '';
  }

  /** Whether `d` sorts no later than `last` in the queue's order, (amount, id) or id. */
  function notAfter(d, last) {
    const sort = params.get('sort') || 'newest';
    const id = BigInt(d.id); const lastId = BigInt(last.id);
    if (sort === 'newest') return id >= lastId;
    if (sort === 'oldest') return id <= lastId;
    // Decimal strings with the currency's own digits: without the point they are the minor units, exactly.
    const amount = BigInt(d.amount.replace('.', '')); const lastAmount = BigInt(last.amount.replace('.', ''));
    if (sort === 'amount_desc') return amount > lastAmount || (amount === lastAmount && id >= lastId);
    return amount < lastAmount || (amount === lastAmount && id <= lastId);
  }
  /**
   * After a change too big to list (a bulk import or approval elsewhere), the page is read again and a row no
   * longer in it is marked changed. Only rows the answer would have held are judged: one past the answer's last
   * row may only have been pushed out by new matches.
   */
  async function checkPage() {
    const query = apiQuery(queueQuery());
    query.set('limit', String(LIVE_PAGE_CHECK_ROWS_MAX));
    const data = await api('GET', `/api/donations?${query}`);
    const still = new Set(data.donations.map((d) => d.id));
    const last = data.donations.at(-1);
    let marked = 0;
    for (const tr of $('queue-rows').querySelectorAll('tr[data-id]:not(.decided)')) {
      const d = live.rows.get(tr.dataset.id);
      if (!d || still.has(d.id) || live.own.has(d.id) || (data.has_more && last && !notAfter(d, last))) continue;
      markRow(tr, t('queue.changedElsewhere'));
      marked += 1;
    }
    if (marked > 0) announce(t('queue.decidedCount', { count: marked }));
  }

  /** "Show": the first page of the same filters and sort, where the sort puts the new rows. */
  async function showNew() {
    if (live.newest !== null) live.baseline = biggerId(live.baseline, live.newest);
    $('queue-new').hidden = true; $('queue-new-text').textContent = '';
    params.delete('after'); params.delete('cursor');
    window.history.replaceState(null, '', `/console${params.toString() ? `?${params}` : ''}`);
    await loadQueue();
    $('queue-table').focus();
  }

  const queueQuery = () => new URLSearchParams([...params].filter(([name, value]) => value !== '' && name !== 'lang'));
  async function loadQueue() {
    fillForm($('queue-filters'));
    await startLive();
    const query = queueQuery();
    const data = await api('GET', `/api/donations?${apiQuery(query)}`);
    // A reload (after "show", or after a bulk action) keeps what the reader had selected, where it is still listed.
    const selected = new Set([...$('queue-rows').querySelectorAll('input[type=checkbox]:checked')].map((box) => box.value));
    const body = $('queue-rows'); body.replaceChildren();
    live.rows = new Map(data.donations.map((d) => [d.id, d]));
    for (const d of data.donations) {
      const box = el('input', undefined, { type: 'checkbox', value: d.id, 'aria-label': `${t('queue.select')} ${d.id}` });
      box.checked = selected.has(d.id);
      const tr = row([td(box), td(link(`/console/donations/${d.id}`, d.donor_name || `#${d.id}`)), d.email ?? '', td(document.createTextNode(money(d.amount, d.currency)), { class: 'number' }),
        nameCell(d.campaign_name), t(`source.${d.source}`), td(document.createTextNode(t(`status.${d.status}`)), { class: 'status' }), when(d.donated_at)]);
      tr.dataset.id = d.id; tr.dataset.status = d.status;
      body.append(tr);
      tr.children[1].firstChild.setAttribute('dir', 'auto');
    }
    $('queue-empty').hidden = data.donations.length > 0;
    const count = new Intl.NumberFormat(locale).format(data.count);
    $('queue-count').textContent = data.count_exact ? t('queue.count.exact', { count }) : t('queue.count.estimate', { count });
    const next = new URLSearchParams(query); next.set('after', data.next_cursor ?? '');
    $('page-next').hidden = !data.has_more; $('page-next').href = `/console?${next}`;
    const first = new URLSearchParams(query); first.delete('after');
    $('page-first').hidden = !params.has('after'); $('page-first').href = `/console?${first}`;
  }
  if (page === 'queue') {
    $('select-all').addEventListener('change', () => { for (const box of $('queue-rows').querySelectorAll('input[type=checkbox]:not(:disabled)')) box.checked = $('select-all').checked; });
    $('queue-new-show').addEventListener('click', showNew);
    $('bulk').addEventListener('submit', async (event) => {
      event.preventDefault();
      const action = event.submitter?.value ?? 'approve';
      const ids = [...$('queue-rows').querySelectorAll('input[type=checkbox]:checked')].map((box) => box.value);
      const reason = $('bulk-reason').value.trim();
      if (ids.length === 0) { $('bulk-error').textContent = t('queue.none'); return; }
      // This tab's own decisions come back on the stream too; they are not "decided elsewhere".
      if (live.own.size + ids.length > LIVE_OWN_IDS_MAX) live.own.clear();
      for (const id of ids) live.own.add(id);
      try {
        const { results } = await api('POST', '/api/console/donations/bulk', { ids, action, ...(reason ? { reason } : {}) });
        const failed = results.filter((result) => result.code);
        $('bulk-error').textContent = failed.map((result) => `${result.id}: ${errors[result.code] ?? result.code}`).join('; ');
        announce(t('queue.done', { ok: results.length - failed.length, failed: failed.length }));
        $('select-all').checked = false;
        for (const box of $('queue-rows').querySelectorAll('input[type=checkbox]:checked')) box.checked = false;
        await loadQueue();
      } catch (error) { showErrors($('bulk'), error.problem ?? {}, $('bulk-error')); }
    });
  }

  const importText = (run) => {
    const span = el('span', `#${run.id} ${run.source_name ?? ''} `);
    span.append(when(run.started_at));
    return span;
  };
  async function loadDonation() {
    const id = $('page-heading').dataset.donation;
    const d = await api('GET', `/api/console/donations/${id}`);
    const facts = [[t('col.donor'), d.donor_name + (d.anonymous ? ` (${t('donation.anonymous')})` : '')], [t('col.email'), d.email ?? t('donation.none')],
      [t('col.amount'), money(d.amount, d.currency)], [t('col.campaign'), d.campaign_name], [t('col.status'), t(`status.${d.status}`)],
      [t('col.source'), t(`source.${d.source}`)], [t('col.reference'), d.external_ref ?? t('donation.none')], [t('donation.key'), d.idempotency_key],
      [t('col.date'), when(d.donated_at)], [t('donation.import'), d.import ? importText(d.import) : t('donation.none')]];
    const definition = (value) => { const dd = el('dd', undefined, { dir: 'auto' }); dd.append(value); return dd; };
    $('donation').replaceChildren(...facts.flatMap(([term, value]) => [el('dt', term), definition(value)]));
    $('history').replaceChildren(...d.history.map((change) => row([when(change.at), `${change.from ? t(`status.${change.from}`) : '—'} → ${t(`status.${change.to}`)}`, change.actor, change.reason ?? ''])));
    $('refund').hidden = d.status !== 'approved';
  }
  if (page === 'donation') {
    $('refund').addEventListener('submit', async (event) => {
      event.preventDefault();
      try { await api('POST', `/api/donations/${$('page-heading').dataset.donation}/refund`, { reason: $('refund-reason').value.trim() }); await loadDonation(); announce(t('status.refunded')); } catch (error) { showErrors($('refund'), error.problem ?? {}, $('refund-error')); }
    });
  }

  let campaigns = [];
  const localInput = (iso) => { if (!iso) return ''; const date = new Date(iso); return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16); };
  const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);
  async function loadCampaigns() {
    const all = [];
    for (let after = ''; ;) {
      const pageData = await api('GET', `/api/campaigns?limit=100${after ? `&after=${after}` : ''}`);
      all.push(...pageData.campaigns);
      if (!pageData.next_cursor || all.length >= 1000) break;
      after = pageData.next_cursor;
    }
    campaigns = all;
    $('campaign-rows').replaceChildren(...campaigns.map((c) => {
      const actions = el('td');
      const button = (key, handler) => { const b = el('button', t(key), { type: 'button', 'aria-label': `${t(key)}: ${c.name}` }); b.addEventListener('click', handler); actions.append(b, ' '); };
      button('campaigns.edit', () => editCampaign(c));
      const next = { draft: ['active', 'campaigns.publish'], active: ['closed', 'campaigns.close'], closed: ['active', 'campaigns.reopen'] }[c.status];
      if (next) button(next[1], () => setStatus(c, next[0]));
      actions.append(el('a', t('campaigns.analytics'), { href: `/campaigns/${encodeURIComponent(c.slug)}/analytics`, 'aria-label': `${t('campaigns.analytics')}: ${c.name}` }));
      return row([nameCell(c.name), c.slug, t(`fund.${c.fund}`), t(`status.${c.status}`), td(document.createTextNode(money(c.raised, c.currency)), { class: 'number' }), actions]);
    }));
  }
  function editCampaign(c) {
    const form = $('campaign-form');
    $('campaign-form-heading').textContent = `${t('campaigns.edit')}: ${c.name}`;
    form.elements.id.value = c.id; form.elements.slug.value = c.slug; form.elements.slug.readOnly = true;
    for (const name of ['name', 'description', 'fund', 'currency']) form.elements[name].value = c[name];
    form.elements.goal.value = c.goal ?? '';
    form.elements.starts_at.value = localInput(c.starts_at); form.elements.ends_at.value = localInput(c.ends_at);
    form.elements.name.focus();
  }
  async function setStatus(c, status) {
    try { await api('PATCH', `/api/campaigns/${c.id}`, { status }); announce(t('campaigns.saved')); await loadCampaigns(); } catch (error) { $('campaign-form-error').textContent = error.message; }
  }
  if (page === 'campaigns') {
    $('campaign-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const form = event.target; const f = form.elements;
      const body = { name: f.name.value, description: f.description.value, fund: f.fund.value, currency: f.currency.value.trim(),
        goal: f.goal.value.trim() || null, starts_at: fromLocalInput(f.starts_at.value), ends_at: fromLocalInput(f.ends_at.value) };
      for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
      try {
        if (f.id.value) await api('PATCH', `/api/campaigns/${f.id.value}`, body);
        else await api('POST', '/api/campaigns', { slug: f.slug.value.trim(), ...body });
        for (const node of form.querySelectorAll('.field-error')) node.textContent = '';
        form.reset(); f.id.value = ''; f.slug.readOnly = false; $('campaign-form-heading').textContent = t('campaigns.create');
        announce(t('campaigns.saved'));
        await loadCampaigns();
      } catch (error) { showErrors(form, error.problem ?? {}, $('campaign-form-error')); }
    });
  }

  async function loadTokens() {
    if (state.principal.role !== 'admin') { $('token-rows').replaceChildren(row([t('tokens.adminOnly'), '', '', '', '', ''])); $('token-form').hidden = true; return; }
    const { tokens } = await api('GET', '/api/tokens');
    $('token-rows').replaceChildren(...tokens.map((token) => {
      const actions = el('td');
      if (token.revoked_at) actions.textContent = t('tokens.revoked');
      else {
        const b = el('button', t('tokens.revoke'), { type: 'button', class: 'danger', 'aria-label': `${t('tokens.revoke')}: ${token.name}` });
        b.addEventListener('click', async () => { try { await api('DELETE', `/api/tokens/${token.id}`); await loadTokens(); } catch (error) { $('token-form-error').textContent = error.message; } });
        actions.append(b);
      }
      return row([nameCell(token.name), t(`role.${token.role}`), when(token.created_at), token.last_used_at ? when(token.last_used_at) : t('tokens.never'), token.expires_at ? when(token.expires_at) : t('tokens.never'), actions]);
    }));
  }
  if (page === 'tokens') {
    $('token-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const f = event.target.elements;
      try {
        const made = await api('POST', '/api/tokens', { name: f.name.value.trim(), role: f.role.value, ...(f.expires_at.value ? { expires_at: fromLocalInput(f.expires_at.value) } : {}) });
        $('token-secret').textContent = made.token; $('token-created').hidden = false;
        event.target.reset(); await loadTokens();
      } catch (error) { showErrors(event.target, error.problem ?? {}, $('token-form-error')); }
    });
  }

  function auditQuery() {
    return new URLSearchParams([...params].filter(([name, value]) => value !== '' && name !== 'lang'));
  }
  async function loadAudit() {
    fillForm($('audit-filters'));
    const query = auditQuery();
    const data = await api('GET', `/api/audit?${apiQuery(query)}`);
    $('audit-rows').replaceChildren(...data.entries.map((entry) => row([when(entry.at), td(el('span', `${entry.actor_name} (${entry.actor_token_id})`, { dir: 'auto' })), entry.action, entry.target ?? '', td(el('code', JSON.stringify(entry.detail), { dir: 'auto' }))])));
    $('queue-empty').hidden = data.entries.length > 0;
    const next = new URLSearchParams(query); next.set('before', data.next_cursor ?? '');
    $('page-next').hidden = !data.has_more; $('page-next').href = `/console/audit?${next}`;
  }
  if (page === 'audit') {
    $('audit-csv').addEventListener('click', async () => {
      const response = await fetch(`/api/audit.csv?${apiQuery(auditQuery())}`, { headers: { authorization: `Bearer ${state.token}` } });
      const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/csv' }));
      const a = el('a', undefined, { href: url, download: 'audit.csv' }); document.body.append(a); a.click(); a.remove();
    });
  }

  const loaders = { queue: loadQueue, donation: loadDonation, campaigns: loadCampaigns, tokens: loadTokens, audit: loadAudit };
  if (state.token) {
    signIn(state.token, false).catch((error) => {
      // A token that expired or was revoked since: back to the sign-in form, saying why.
      sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(`${TOKEN_KEY}.who`);
      $('sign-in-error').textContent = error.message;
    });
  }
})();
