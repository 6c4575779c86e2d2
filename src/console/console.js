// The staff console in the browser: signs in with the token kept in sessionStorage (shared with the
// dashboard), reads the JSON API, and writes every text with textContent. Amounts arrive as decimal strings
// and are formatted by Intl.NumberFormat from the string (exact, never a float); times are shown in the
// browser's own time zone. Messages come from the page (the server's catalogue, in the viewer's language).
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
  const when = (iso) => (iso ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '');
  const el = (tag, text, attributes = {}) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  };
  const row = (cells) => { const tr = el('tr'); for (const cell of cells) tr.append(cell instanceof window.Node ? cell : el('td', cell)); return tr; };
  const td = (child, attributes = {}) => { const cell = el('td', undefined, attributes); cell.append(child); return cell; };
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
  const nameCell = (name) => td(el('span', name, { dir: 'auto' }));

  async function loadQueue() {
    fillForm($('queue-filters'));
    const query = new URLSearchParams([...params].filter(([name, value]) => value !== '' && name !== 'lang'));
    const data = await api('GET', `/api/console/donations?${query}`);
    const body = $('queue-rows'); body.replaceChildren();
    for (const d of data.donations) {
      const box = el('input', undefined, { type: 'checkbox', value: d.id, 'aria-label': `${t('queue.select')} ${d.id}` });
      body.append(row([td(box), td(link(`/console/donations/${d.id}`, d.donor_name || `#${d.id}`)), d.email ?? '', td(document.createTextNode(money(d.amount, d.currency)), { class: 'number' }),
        nameCell(d.campaign_name), t(`source.${d.source}`), t(`status.${d.status}`), when(d.donated_at)]));
      body.lastChild.children[1].firstChild.setAttribute('dir', 'auto');
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
    $('select-all').addEventListener('change', () => { for (const box of $('queue-rows').querySelectorAll('input[type=checkbox]')) box.checked = $('select-all').checked; });
    $('bulk').addEventListener('submit', async (event) => {
      event.preventDefault();
      const action = event.submitter?.value ?? 'approve';
      const ids = [...$('queue-rows').querySelectorAll('input[type=checkbox]:checked')].map((box) => box.value);
      const reason = $('bulk-reason').value.trim();
      if (ids.length === 0) { $('bulk-error').textContent = t('queue.none'); return; }
      try {
        const { results } = await api('POST', '/api/console/donations/bulk', { ids, action, ...(reason ? { reason } : {}) });
        const failed = results.filter((result) => result.code);
        $('bulk-error').textContent = failed.map((result) => `${result.id}: ${errors[result.code] ?? result.code}`).join('; ');
        announce(t('queue.done', { ok: results.length - failed.length, failed: failed.length }));
        $('select-all').checked = false;
        await loadQueue();
      } catch (error) { showErrors($('bulk'), error.problem ?? {}, $('bulk-error')); }
    });
  }

  async function loadDonation() {
    const id = $('page-heading').dataset.donation;
    const d = await api('GET', `/api/console/donations/${id}`);
    const facts = [[t('col.donor'), d.donor_name + (d.anonymous ? ` (${t('donation.anonymous')})` : '')], [t('col.email'), d.email ?? t('donation.none')],
      [t('col.amount'), money(d.amount, d.currency)], [t('col.campaign'), d.campaign_name], [t('col.status'), t(`status.${d.status}`)],
      [t('col.source'), t(`source.${d.source}`)], [t('col.reference'), d.external_ref ?? t('donation.none')], [t('donation.key'), d.idempotency_key],
      [t('col.date'), when(d.donated_at)], [t('donation.import'), d.import ? `#${d.import.id} ${d.import.source_name ?? ''} ${when(d.import.started_at)}` : t('donation.none')]];
    $('donation').replaceChildren(...facts.flatMap(([term, value]) => [el('dt', term), el('dd', value, { dir: 'auto' })]));
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
    const data = await api('GET', `/api/audit?${query}`);
    $('audit-rows').replaceChildren(...data.entries.map((entry) => row([when(entry.at), td(el('span', `${entry.actor_name} (${entry.actor_token_id})`, { dir: 'auto' })), entry.action, entry.target ?? '', td(el('code', JSON.stringify(entry.detail), { dir: 'auto' }))])));
    $('queue-empty').hidden = data.entries.length > 0;
    const next = new URLSearchParams(query); next.set('before', data.next_cursor ?? '');
    $('page-next').hidden = !data.has_more; $('page-next').href = `/console/audit?${next}`;
  }
  if (page === 'audit') {
    $('audit-csv').addEventListener('click', async () => {
      const response = await fetch(`/api/audit.csv?${auditQuery()}`, { headers: { authorization: `Bearer ${state.token}` } });
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
