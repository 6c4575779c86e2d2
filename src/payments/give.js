// The donor pages' script (/give.js): keeps the server-rendered numbers live, and is never needed for them.
//   /give/:slug         the raised total, progress bar and donor count follow the public live stream (/api/live,
//                       the dashboard's: it carries every public campaign's totals, this page keeps its own)
//   /give/return/:id    the payment's status, polled from /api/payments/:id every 2 s until it is final
// Money arrives as an exact decimal string in major units ("1500000.00") and is formatted from a BigInt, never a
// float. Texts come from the page (data-texts), so both languages stay in give-page.ts. Every text is set with
// textContent, never as HTML. Plain JavaScript served as a file, no build step.
/* global document, window, EventSource, fetch */
'use strict';

(() => {
  /** After a refused or failed stream, wait this long, doubling up to the maximum, with jitter. */
  const RECONNECT_DELAY_MS_MIN = 1_000;
  const RECONNECT_DELAY_MS_MAX = 30_000;
  /** A page left open on a campaign stops reconnecting after this many failed streams (its numbers stay). */
  const RECONNECTS_MAX = 20;
  /** Screen readers hear a new total at once, then at most this often (a busy campaign moves several times a second). */
  const ANNOUNCE_INTERVAL_MS = 10_000;
  /** The return page asks for the payment's status this often… */
  const POLL_INTERVAL_MS = 2_000;
  /** …at most this many times (5 minutes), and says it is still waiting after this many (20 s). */
  const POLL_TRIES_MAX = 150;
  const POLL_TRIES_BEFORE_STILL_WAITING = 10;
  /** Payment statuses that no longer change on their own: paid, held for staff, failed, expired, refunded. */
  const FINAL_STATUSES = new Set(['paid', 'held', 'failed', 'expired', 'refunded']);

  const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

  /**
   * A major-units decimal string as money in the page's locale: the whole part is formatted as a BigInt (exact
   * at any size) and the fraction digits are put in as given. undefined for a string that is not a plain
   * non-negative decimal with the currency's digits (the page then keeps what it shows).
   */
  function formatMoney(formatter, exponent, decimal) {
    const match = DECIMAL.exec(decimal);
    if (!match || (match[2] ?? '').length !== exponent) return undefined;
    return formatter.formatToParts(BigInt(match[1])).map((part) => (part.type === 'fraction' ? match[2] : part.value)).join('');
  }

  /** The same decimal in minor units, as digits: a <progress> value beside its max (the goal in minor units). */
  function minorDigits(decimal) {
    const match = DECIMAL.exec(decimal);
    return match ? String(BigInt(match[1] + (match[2] ?? ''))) : undefined;
  }

  function textsOf(element) {
    try {
      return JSON.parse(element.dataset.texts ?? '{}');
    } catch {
      return {};
    }
  }

  // The campaign page -------------------------------------------------------------------------------------

  function liveCampaign(root) {
    const campaignId = root.dataset.campaignId;
    const locale = root.dataset.locale;
    const exponent = Number(root.dataset.exponent);
    const texts = textsOf(root);
    const money = new Intl.NumberFormat(locale, {
      style: 'currency', currency: root.dataset.currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent,
    });
    const counts = new Intl.NumberFormat(locale);
    const plurals = new Intl.PluralRules(locale);
    const field = (name) => root.querySelector(`[data-field="${name}"]`);
    const state = { source: null, lastEventId: null, delayMs: RECONNECT_DELAY_MS_MIN, reconnects: 0, announced: '', pending: '', announceTimer: undefined };

    function announce(text) {
      state.pending = text;
      if (state.announceTimer !== undefined) return;
      const say = () => {
        if (state.pending === state.announced) { state.announceTimer = undefined; return; }
        state.announced = state.pending;
        field('announcer').textContent = state.pending;
        state.announceTimer = window.setTimeout(say, ANNOUNCE_INTERVAL_MS);
      };
      say();
    }

    /** Applies a campaign's totals (a whole view or the totals an update carries: both have raised and donors). */
    function apply(campaign) {
      const raised = formatMoney(money, exponent, campaign.raised);
      const raisedField = field('raised');
      if (raised !== undefined && raised !== raisedField.textContent) {
        raisedField.textContent = raised;
        announce((texts.raisedNow ?? '{amount}').replace('{amount}', raised));
      }
      const bar = field('bar');
      const value = minorDigits(campaign.raised);
      if (bar && value !== undefined) bar.setAttribute('value', value);
      if (typeof campaign.donors === 'number') {
        const noun = plurals.select(campaign.donors) === 'one' ? texts.donorsOne : texts.donorsOther;
        if (noun) field('donors').textContent = noun.replace('{count}', counts.format(campaign.donors));
      }
      root.dataset.liveEventId = state.lastEventId ?? '';
    }

    function listen(type) {
      state.source.addEventListener(type, (event) => {
        state.lastEventId = event.lastEventId;
        const payload = JSON.parse(event.data);
        for (const campaign of payload.campaigns ?? []) if (campaign.id === campaignId) apply(campaign);
      });
    }

    function scheduleReconnect() {
      if (state.reconnects >= RECONNECTS_MAX) return;
      state.reconnects += 1;
      const delayMs = state.delayMs * (0.5 + Math.random() / 2);
      state.delayMs = Math.min(RECONNECT_DELAY_MS_MAX, state.delayMs * 2);
      window.setTimeout(connect, delayMs);
    }

    function connect() {
      state.source?.close();
      const query = state.lastEventId ? `?since=${encodeURIComponent(state.lastEventId)}` : '';
      state.source = new EventSource(`/api/live${query}`);
      state.source.addEventListener('open', () => {
        state.delayMs = RECONNECT_DELAY_MS_MIN;
        root.dataset.live = 'live';
      });
      listen('snapshot');
      listen('resync');
      listen('update');
      state.source.addEventListener('error', () => {
        // The browser retries a dropped stream by itself (with Last-Event-ID); a refused one (the server full,
        // 503) is closed for good, so a new one is made here, later.
        root.dataset.live = 'reconnecting';
        if (state.source.readyState === EventSource.CLOSED) scheduleReconnect();
      });
    }

    connect();
  }

  // The return page ---------------------------------------------------------------------------------------

  function liveReturn(element) {
    const paymentId = element.dataset.paymentId;
    const texts = textsOf(element);
    let tries = 0;

    function show(status, note) {
      const message = texts[status] ?? element.textContent;
      const text = note ? `${message} ${note}` : message;
      element.dataset.status = status;
      if (element.textContent !== text) element.textContent = text;
    }

    async function poll() {
      tries += 1;
      let status = element.dataset.status;
      try {
        const response = await fetch(`/api/payments/${encodeURIComponent(paymentId)}`, { headers: { accept: 'application/json' }, cache: 'no-store' });
        if (response.status === 404) return; // nothing to follow (the page was rendered, so this is not expected)
        if (response.ok) status = (await response.json()).status;
      } catch {
        // Offline or the server restarting: this try counts, the next one may answer.
      }
      if (FINAL_STATUSES.has(status)) { show(status); return; }
      if (tries >= POLL_TRIES_MAX) { show(status, texts.stoppedWaiting); return; }
      show(status, tries >= POLL_TRIES_BEFORE_STILL_WAITING ? texts.stillWaiting : undefined);
      window.setTimeout(() => { void poll(); }, POLL_INTERVAL_MS);
    }

    if (!FINAL_STATUSES.has(element.dataset.status)) window.setTimeout(() => { void poll(); }, POLL_INTERVAL_MS);
  }

  const root = document.querySelector('[data-give]');
  if (root?.dataset.give === 'campaign') liveCampaign(root);
  else if (root?.dataset.give === 'return') liveReturn(root);
})();
