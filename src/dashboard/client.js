// The dashboard's client: keeps the server-rendered page live from one Server-Sent Events stream (/api/live),
// and gives signed-in staff the pending queue with approve and reject. Plain JavaScript served as a file, no
// build step. Every text from the server (donor names above all) is set with textContent, never as HTML.
// Words come from the page (the server's catalogue in the viewer's language, a JSON data block); amounts are
// formatted by Intl from their exact decimal string in the page's locale, times in the browser's own time zone.
/* global document, window, sessionStorage, EventSource, fetch, URLSearchParams, CSS */
'use strict';

(() => {
  /** The staff token lives for this browser tab only, and is sent only as a bearer header to this origin. */
  const TOKEN_KEY = 'amanah.staffToken';
  /** After a refused or failed stream, wait this long, doubling up to the maximum, with jitter. */
  const RECONNECT_DELAY_MS_MIN = 1_000;
  const RECONNECT_DELAY_MS_MAX = 30_000;
  /** Screen readers hear total changes at most this often (a marathon's totals move several times a second). */
  const ANNOUNCE_INTERVAL_MS = 10_000;
  /** Queue rows kept on the page; older ones wait behind "more are waiting". */
  const QUEUE_ITEMS_MAX = 200;
  /** Formatters built at most once per currency and precision (a page shows a handful of currencies). */
  const MONEY_FORMATTERS_MAX = 64;

  const byId = (id) => document.getElementById(id);
  const messages = JSON.parse(byId('messages').textContent);
  const locale = document.body.dataset.locale;
  const numbers = new Intl.NumberFormat(locale);
  const moneyFormatters = new Map();
  const t = (key, values = {}) => (messages[key] ?? key).replace(/\{([a-z]+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  const number = (value) => numbers.format(value);
  /** The server's displayMoney (src/dashboard/routes.ts), from the exact decimal string: never a float. */
  function money(amount, currency) {
    const digits = amount.includes('.') ? amount.split('.')[1].length : 0;
    const key = `${currency}|${digits}`;
    let formatter = moneyFormatters.get(key);
    if (!formatter) {
      try {
        formatter = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
      } catch {
        return `${amount} ${currency}`;
      }
      if (moneyFormatters.size >= MONEY_FORMATTERS_MAX) moneyFormatters.delete(moneyFormatters.keys().next().value);
      moneyFormatters.set(key, formatter);
    }
    return formatter.format(amount);
  }
  const dateTimes = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    source: null,
    lastEventId: null,
    reconnectDelayMs: RECONNECT_DELAY_MS_MIN,
    reconnectTimer: undefined,
    queueMore: false,
    pendingAnnouncements: new Map(),
    announceTimer: undefined,
  };

  /** Builds an element; string children become text nodes, so nothing is ever parsed as HTML. */
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'className') element.className = value;
      else element.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) element.append(child);
    return element;
  }

  function counted(count, noun) {
    return t(`campaign.${noun}.${count === 1 ? 'one' : 'other'}`, { count: number(count) });
  }

  const statusText = (status) => (status === 'draft' || status === 'closed' ? t(`status.${status}`) : '');

  /** Orders database ids (decimal strings, possibly beyond 2^53) without turning them into numbers. */
  function compareIds(a, b) {
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  }

  function setStatus(stateName, text) {
    const status = byId('live-status');
    status.dataset.state = stateName;
    status.textContent = text;
    document.documentElement.dataset.live = stateName;
  }

  function announce(text) {
    byId('announcer').textContent = text;
  }

  /** Totals are announced politely and in batches: the latest figure per campaign, every ANNOUNCE_INTERVAL_MS. */
  function announceTotal(name, raisedDisplay, id) {
    state.pendingAnnouncements.set(id, t('announce.total', { name, amount: raisedDisplay }));
    if (state.announceTimer !== undefined) return;
    state.announceTimer = window.setTimeout(() => {
      const lines = [...state.pendingAnnouncements.values()];
      state.pendingAnnouncements.clear();
      state.announceTimer = undefined;
      announce(lines.length > 3 ? t('announce.more', { lines: lines.slice(0, 3).join('. '), count: number(lines.length - 3) }) : lines.join('. '));
    }, ANNOUNCE_INTERVAL_MS);
  }

  // Campaign cards ----------------------------------------------------------------------------------------

  function cardOf(id) {
    return document.querySelector(`[data-campaign="${CSS.escape(id)}"]`);
  }

  function field(card, name) {
    return card.querySelector(`[data-field="${name}"]`);
  }

  function newCard(campaign) {
    const headingId = `campaign-${campaign.id}-name`;
    return h('article', { className: 'card', 'data-campaign': campaign.id, 'aria-labelledby': headingId },
      h('h4', { id: headingId, 'data-field': 'name', dir: 'auto' }),
      h('p', { className: 'status', 'data-field': 'status' }),
      h('p', { className: 'raised' }, h('strong', { 'data-field': 'raised' }), ' ', h('span', { 'data-field': 'goal' })),
      h('progress', { 'data-field': 'bar', max: '100', value: '0', 'aria-labelledby': headingId }),
      h('p', { className: 'meta' }, h('span', { 'data-field': 'percent' }), h('span', { 'data-field': 'donations' }), ' · ',
        h('span', { 'data-field': 'donors' })),
      h('p', { className: 'links' }, h('a', { href: `/campaigns/${encodeURIComponent(campaign.id)}/analytics` }, t('campaign.analytics'),
        h('span', { className: 'visually-hidden' }, t('campaign.analyticsFor'), h('bdi', {})))));
  }

  function fundGrid(fund) {
    let section = document.querySelector(`section.fund[data-fund="${CSS.escape(fund)}"]`);
    if (!section) {
      section = h('section', { className: 'fund', 'data-fund': fund, 'aria-labelledby': `fund-${fund}` },
        h('h3', { id: `fund-${fund}` }, messages[`fund.${fund}`] ?? fund), h('div', { className: 'grid' }));
      byId('funds').append(section);
    }
    section.hidden = false;
    return section.querySelector('.grid');
  }

  /** Puts the card in its fund's grid, in id order (the server's order). */
  function place(card, campaign) {
    const grid = fundGrid(campaign.fund);
    if (card.parentElement === grid) return;
    const after = [...grid.children].find((other) => compareIds(other.dataset.campaign, campaign.id) > 0);
    grid.insertBefore(card, after ?? null);
  }

  /** Applies a whole campaign view, or only its totals (updates send just those when nothing else changed). */
  function applyCampaign(campaign) {
    const whole = 'name' in campaign;
    let card = cardOf(campaign.id);
    if (card === null && !whole) return; // totals of a campaign this page does not show
    const isNew = card === null;
    if (isNew) card = newCard(campaign);
    if (whole) {
      card.dataset.status = campaign.status;
      field(card, 'name').textContent = campaign.name;
      const linkName = card.querySelector('.links bdi');
      if (linkName) linkName.textContent = campaign.name;
      field(card, 'status').textContent = statusText(campaign.status);
      field(card, 'goal').textContent = campaign.goal === null ? t('campaign.raised') : t('campaign.raisedOf', { goal: money(campaign.goal, campaign.currency) });
      card.dataset.currency = campaign.currency;
      place(card, campaign);
    }
    const raised = field(card, 'raised');
    // A totals-only update may carry no currency: then the card's own (from the server's markup or the last whole view).
    const raisedDisplay = money(campaign.raised, campaign.currency ?? card.dataset.currency);
    const changed = !isNew && raised.textContent !== raisedDisplay;
    raised.textContent = raisedDisplay;
    const bar = field(card, 'bar');
    bar.hidden = campaign.percent === null;
    bar.value = Math.min(100, campaign.percent ?? 0);
    bar.textContent = `${campaign.percent ?? 0}%`;
    field(card, 'percent').textContent = campaign.percent === null ? '' : t('campaign.percent', { percent: campaign.percent });
    field(card, 'donations').textContent = counted(campaign.donations, 'donations');
    field(card, 'donors').textContent = counted(campaign.donors, 'donors');
    byId('no-campaigns').hidden = true;
    if (changed) {
      card.classList.remove('changed');
      void card.offsetWidth; // restarts the highlight animation
      card.classList.add('changed');
      announceTotal(field(card, 'name').textContent, raisedDisplay, campaign.id);
    }
    hideEmptyFunds();
  }

  function hideEmptyFunds() {
    for (const section of document.querySelectorAll('section.fund')) section.hidden = section.querySelector('.card') === null;
  }

  function replaceCampaigns(campaigns) {
    const ids = new Set(campaigns.map((campaign) => campaign.id));
    for (const card of document.querySelectorAll('[data-campaign]')) if (!ids.has(card.dataset.campaign)) card.remove();
    for (const campaign of campaigns) applyCampaign(campaign);
    hideEmptyFunds();
    byId('no-campaigns').hidden = campaigns.length > 0;
  }

  // The staff queue -----------------------------------------------------------------------------------------

  function queueRow(id) {
    return byId('queue').querySelector(`[data-donation="${CSS.escape(id)}"]`);
  }

  function newQueueRow(item) {
    const summaryId = `donation-${item.id}-summary`;
    const reasonId = `donation-${item.id}-reason`;
    const approve = h('button', { type: 'button', className: 'approve', 'aria-describedby': summaryId }, t('queue.approve'));
    const reason = h('input', { id: reasonId, list: 'reject-reasons', maxlength: '1000', placeholder: t('queue.reasonPlaceholder'), autocomplete: 'off' });
    const reject = h('button', { type: 'button', className: 'reject', 'aria-describedby': summaryId }, t('queue.reject'));
    const error = h('p', { className: 'row-error', role: 'alert' });
    const when = new Date(item.created_at);
    const row = h('li', { className: 'item', 'data-donation': item.id },
      h('p', { className: 'summary', id: summaryId },
        h('strong', { className: 'amount' }, money(item.amount, item.currency)), t('queue.from'),
        h('bdi', { className: 'donor' }, item.donor_name ?? t('queue.anonymous')), t('queue.to'),
        h('span', { className: 'campaign', dir: 'auto' }, item.campaign_name)),
      h('p', { className: 'context' }, `#${item.id} · ${item.source} · `, h('time', { datetime: item.created_at }, dateTimes.format(when))),
      h('div', { className: 'actions' }, approve, h('label', { className: 'visually-hidden', for: reasonId }, t('queue.reasonLabel')), reason, reject),
      error);
    approve.addEventListener('click', () => { void decide(row, item, 'approve', undefined); });
    reject.addEventListener('click', () => {
      const text = reason.value.trim();
      if (text === '') {
        error.textContent = t('queue.reasonNeeded');
        reason.focus();
        return;
      }
      void decide(row, item, 'reject', text);
    });
    reason.addEventListener('keydown', (event) => { if (event.key === 'Enter') { event.preventDefault(); reject.click(); } });
    return row;
  }

  function updateQueueCount() {
    const count = byId('queue').children.length;
    byId('queue-count').textContent = count === 0 ? '' : `(${count}${state.queueMore ? '+' : ''})`;
    byId('queue-empty').hidden = count > 0;
    byId('queue-more').hidden = !state.queueMore;
  }

  function queueAdd(items) {
    const list = byId('queue');
    for (const item of items) {
      if (queueRow(item.id)) continue;
      const row = newQueueRow(item);
      // Newest first, so a donation that just arrived is at the top.
      const before = [...list.children].find((other) => compareIds(other.dataset.donation, item.id) < 0);
      list.insertBefore(row, before ?? null);
    }
    while (list.children.length > QUEUE_ITEMS_MAX) {
      list.lastElementChild.remove();
      state.queueMore = true;
    }
    updateQueueCount();
  }

  /** Removes a row; if it held the focus, the focus moves to the next row's Approve button (or the heading). */
  function queueRemove(id) {
    const row = queueRow(id);
    if (!row) return;
    const hadFocus = row.contains(document.activeElement);
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    updateQueueCount();
    if (hadFocus) (next?.querySelector('button.approve') ?? byId('queue-heading')).focus();
  }

  /**
   * Brings the queue to exactly `queue.items`. Rows that stay are kept as they are, so a reason being typed or
   * the focus on a button survives a reload of the queue (an import resets it every second).
   */
  function queueReset(queue) {
    const keep = new Set(queue.items.map((item) => item.id));
    for (const row of [...byId('queue').children]) if (!keep.has(row.dataset.donation)) queueRemove(row.dataset.donation);
    state.queueMore = queue.more;
    queueAdd(queue.items);
  }

  async function decide(row, item, action, reason) {
    const buttons = row.querySelectorAll('button');
    const error = row.querySelector('.row-error');
    for (const button of buttons) button.disabled = true;
    error.textContent = '';
    row.classList.add('leaving');
    try {
      const response = await fetch(`/api/donations/${encodeURIComponent(item.id)}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${state.token}`, ...(reason === undefined ? {} : { 'content-type': 'application/json' }) },
        body: reason === undefined ? undefined : JSON.stringify({ reason }),
      });
      if (response.ok || response.status === 409) {
        const values = { amount: money(item.amount, item.currency), donor: item.donor_name ?? t('queue.anonymous') };
        announce(t(response.ok ? (action === 'approve' ? 'queue.approved' : 'queue.rejected') : 'queue.decidedElsewhere', values));
        queueRemove(item.id);
        return;
      }
      if (response.status === 401) { signOut(t('signin.expired')); return; }
      const problem = await response.json().catch(() => ({}));
      error.textContent = problem.detail ?? t('error.status', { status: response.status });
    } catch {
      error.textContent = t('error.network');
    }
    row.classList.remove('leaving');
    for (const button of buttons) button.disabled = false;
  }

  // Imports -------------------------------------------------------------------------------------------------

  function renderImports(imports) {
    byId('imports').hidden = imports.length === 0;
    byId('import-list').replaceChildren(...imports.map((run) => h('li', { className: 'import' },
      h('p', {}, h('strong', {}, t('import.title', { id: run.id })), ' · ', h('bdi', {}, run.source_name), ` · ${messages[`importStatus.${run.status}`] ?? run.status}`,
        run.percent === null ? '' : t('import.percent', { percent: number(run.percent) })),
      run.percent === null ? '' : h('progress', { max: '100', value: String(run.percent), 'aria-label': t('import.fileRead', { id: run.id }) }, `${run.percent}%`),
      h('p', {}, t('import.counts', { read: number(run.rows_read), rate: number(run.rows_per_second), imported: number(run.imported),
        duplicates: number(run.duplicates_skipped), rejected: number(run.rejected) })),
      run.rejected > 0 ? h('p', {}, h('a', { href: run.rejects_url }, t('import.rejects'))) : '',
      run.error ? h('p', { className: 'row-error', role: 'alert' }, run.error) : '')));
  }

  // The stream ----------------------------------------------------------------------------------------------

  function applySnapshot(payload) {
    replaceCampaigns(payload.campaigns);
    if (payload.queue) queueReset(payload.queue);
    if (payload.imports) renderImports(payload.imports);
  }

  function applyUpdate(payload) {
    for (const campaign of payload.campaigns ?? []) applyCampaign(campaign);
    const queue = payload.queue;
    if (queue?.reset) queueReset(queue.reset);
    if (queue?.add) queueAdd(queue.add);
    for (const removal of queue?.remove ?? []) queueRemove(removal.id);
    if (payload.imports) renderImports(payload.imports);
  }

  function listen(type, apply) {
    state.source.addEventListener(type, (event) => {
      state.lastEventId = event.lastEventId;
      document.documentElement.dataset.liveEventId = event.lastEventId;
      apply(JSON.parse(event.data));
    });
  }

  /** A ticket for the staff stream; null when the token is refused. */
  async function fetchTicket() {
    const response = await fetch('/api/live/ticket', { method: 'POST', headers: { authorization: `Bearer ${state.token}` } });
    if (response.status === 401 || response.status === 403) return null;
    if (!response.ok) throw new Error(`ticket: ${response.status}`);
    return (await response.json()).ticket;
  }

  function scheduleReconnect() {
    window.clearTimeout(state.reconnectTimer);
    const delayMs = state.reconnectDelayMs * (0.5 + Math.random() / 2);
    state.reconnectDelayMs = Math.min(RECONNECT_DELAY_MS_MAX, state.reconnectDelayMs * 2);
    setStatus('reconnecting', t('live.reconnecting'));
    state.reconnectTimer = window.setTimeout(() => { void connect(); }, delayMs);
  }

  async function connect() {
    window.clearTimeout(state.reconnectTimer);
    state.source?.close();
    state.source = null;
    const params = new URLSearchParams();
    if (state.lastEventId) params.set('since', state.lastEventId);
    try {
      if (state.token) {
        const ticket = await fetchTicket();
        if (ticket === null) { signOut(t('signin.ticketRefused')); return; }
        params.set('ticket', ticket);
      }
    } catch {
      scheduleReconnect();
      return;
    }
    const query = params.toString();
    state.source = new EventSource(`/api/live${query ? `?${query}` : ''}`);
    state.source.addEventListener('open', () => {
      state.reconnectDelayMs = RECONNECT_DELAY_MS_MIN;
      setStatus('live', t(state.token ? 'live.staff' : 'live.live'));
    });
    listen('snapshot', applySnapshot);
    listen('resync', applySnapshot);
    listen('update', applyUpdate);
    state.source.addEventListener('error', () => {
      // The browser retries a dropped stream by itself (resuming with Last-Event-ID); a refused one (an expired
      // ticket, a full server) is closed for good, so a new connection is made here, with a fresh ticket.
      if (state.source?.readyState === EventSource.CLOSED) scheduleReconnect();
      else setStatus('reconnecting', t('live.reconnecting'));
    });
  }

  // Signing in ----------------------------------------------------------------------------------------------

  function showSignedIn(signedIn) {
    byId('sign-in').hidden = signedIn;
    byId('signed-in').hidden = !signedIn;
    byId('staff').hidden = !signedIn;
  }

  function signOut(message) {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showSignedIn(false);
    byId('queue').replaceChildren();
    byId('sign-in-error').textContent = message ?? '';
    // A new stream without the ticket: a public snapshot replaces the staff view (drafts included).
    state.lastEventId = null;
    void connect();
  }

  async function signIn(event) {
    event.preventDefault();
    const input = byId('token');
    const errorLine = byId('sign-in-error');
    const candidate = input.value.trim();
    errorLine.textContent = '';
    state.token = candidate;
    try {
      if ((await fetchTicket()) === null) {
        state.token = null;
        errorLine.textContent = t('signin.refused');
        input.focus();
        return;
      }
    } catch {
      state.token = null;
      errorLine.textContent = t('error.network');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, candidate);
    input.value = '';
    showSignedIn(true);
    byId('queue-heading').setAttribute('tabindex', '-1');
    byId('queue-heading').focus();
    state.lastEventId = null; // the staff view starts from a snapshot that includes the queue
    void connect();
  }

  function start() {
    byId('sign-in').addEventListener('submit', (event) => { void signIn(event); });
    byId('sign-out').addEventListener('click', () => signOut());
    showSignedIn(Boolean(state.token));
    updateQueueCount();
    setStatus('connecting', t('live.connecting'));
    void connect();
  }

  start();
})();
