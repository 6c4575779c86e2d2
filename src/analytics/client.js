/* global document, fetch, history, location, getComputedStyle, ResizeObserver, URLSearchParams, uPlot */
// The analytics page's script (served as /analytics/assets/analytics.js; no build step, nothing inline). The server
// renders the whole page; this script then
//   - redraws the daily and hourly series as uPlot charts with labelled axes: x the local day or hour in the
//     viewer's time zone, y the amount in the campaign's currency, formatted for the page's locale;
//   - loads the analytics JSON again in the viewer's time zone (the server cannot know it), and for each range
//     chosen in the date control (from/to, or a preset), then rewrites the figures, tables and captions.
// Every text it writes goes through textContent, never innerHTML. Amounts arrive as exact decimal strings and are
// formatted from the string (ECMA-402 formats a decimal string exactly), as the server's formatDisplay does, so
// an amount reads the same in the page and in its redraws.
(() => {
  'use strict';
  const CHART_HEIGHT_PX = 240;
  const DAY_MS = 24 * 3600 * 1000;
  /** Page parameters carried over to the JSON request and the page's address. */
  const CARRIED = ['top', 'days', 'hours'];

  const config = JSON.parse(document.getElementById('analytics-config').textContent);
  const messages = config.messages;
  const t = (key, values = {}) => messages[key].replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  const $ = (id) => document.getElementById(id);

  const moneyFormat = new Intl.NumberFormat(config.locale, {
    style: 'currency', currency: config.currency, minimumFractionDigits: config.exponent, maximumFractionDigits: config.exponent,
  });
  const wholeMoneyFormat = new Intl.NumberFormat(config.locale, { style: 'currency', currency: config.currency, maximumFractionDigits: 0 });
  const money = (amount) => (amount === null ? '–' : moneyFormat.format(amount));
  const count = (value) => value.toLocaleString(config.locale);
  // Series starts are wall-clock times in the series' zone; they are plotted as if they were UTC and formatted in
  // UTC, so the axis reads the local day and hour whatever zone the browser itself is in.
  const dayFormat = new Intl.DateTimeFormat(config.locale, { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
  const shortDayFormat = new Intl.DateTimeFormat(config.locale, { timeZone: 'UTC', day: 'numeric', month: 'short' });
  const hourFormat = new Intl.DateTimeFormat(config.locale, { timeZone: 'UTC', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

  let viewerZone = 'UTC';
  try { viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { /* keep UTC */ }

  /** Seconds since the epoch of a local "YYYY-MM-DD" or "YYYY-MM-DDTHH:00", read as UTC (see above). */
  function wallClockSeconds(start) {
    const [date, time] = start.split('T');
    const [year, month, day] = date.split('-').map(Number);
    return Date.UTC(year, month - 1, day, time ? Number(time.slice(0, 2)) : 0) / 1000;
  }

  function element(name, text, className) {
    const node = document.createElement(name);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // ---- charts -------------------------------------------------------------------------------------------------
  const charts = new Map();

  function colours() {
    const style = getComputedStyle(document.documentElement);
    const value = (name) => style.getPropertyValue(name).trim();
    return { ink: value('--ink'), muted: value('--muted'), rule: value('--rule'), bar: value('--bar') };
  }

  /** The y axis' ticks: whole amounts without decimals, so Rp1.000.000 does not read Rp1.000.000,00 on every tick. */
  function amountTick(value) {
    return Number.isInteger(value) ? wholeMoneyFormat.format(value) : moneyFormat.format(value);
  }

  function drawChart(name, points, zone) {
    const target = $(`chart-${name}`);
    charts.get(name)?.destroy();
    charts.delete(name);
    target.dataset.points = String(points.length);
    if (points.length === 0) {
      target.replaceChildren(element('p', t('chart.empty'), 'empty'));
      return;
    }
    const stepSeconds = name === 'daily' ? 86400 : 3600;
    const xLabel = t(name === 'daily' ? 'axis.day' : 'axis.hour', { zone });
    const yLabel = t('axis.amount', { currency: config.currency });
    target.replaceChildren();
    target.setAttribute('role', 'img');
    target.setAttribute('aria-label', `${t(`${name}.title`)}: ${xLabel}, ${yLabel}`);
    target.dataset.axisX = xLabel;
    target.dataset.axisY = yLabel;
    // Number only to place a bar on the canvas (a float is fine for a pixel height); every amount the page shows,
    // the legend included, is formatted from the exact decimal string instead.
    const data = [points.map((point) => wallClockSeconds(point.start)), points.map((point) => Number(point.total))];
    const palette = colours();
    const axis = { stroke: palette.muted, grid: { stroke: palette.rule, width: 1 }, ticks: { stroke: palette.rule, width: 1 } };
    const pointFormat = name === 'daily' ? dayFormat : hourFormat;
    const plot = new uPlot({
      width: Math.max(240, target.clientWidth || target.parentElement.clientWidth - 16),
      height: CHART_HEIGHT_PX,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'UTC'),
      scales: {
        x: { time: true, range: (_u, min, max) => [min - stepSeconds, max + stepSeconds] },
        y: { range: (_u, _min, max) => [0, Math.max(max ?? 1, 1) * 1.1] },
      },
      axes: [{
        ...axis, label: xLabel,
        values: (_u, splits) => splits.map((seconds) => {
          const spacing = splits.length > 1 ? splits[1] - splits[0] : stepSeconds;
          return (spacing < 86400 ? hourFormat : shortDayFormat).format(seconds * 1000);
        }),
      }, {
        ...axis, label: yLabel, size: 110,
        values: (_u, splits) => {
          const ticks = splits.map(amountTick);
          target.dataset.yTicks = ticks.join(' | ');
          return ticks;
        },
      }],
      series: [
        { label: t(name === 'daily' ? 'col.day' : 'axis.hour', { zone }), value: (_u, seconds) => (seconds === null ? '–' : pointFormat.format(seconds * 1000)) },
        {
          label: t('col.total'), stroke: palette.bar, fill: palette.bar, width: 1, points: { show: false },
          paths: uPlot.paths.bars({ size: [0.7, 48] }),
          value: (_u, _value, _series, index) => (index === null || index === undefined ? '–' : t('chart.point', { amount: money(points[index].total), count: count(points[index].count) })),
        },
      ],
    }, data, target);
    charts.set(name, plot);
  }

  const resizeObserver = typeof ResizeObserver === 'function' ? new ResizeObserver(() => {
    for (const [name, plot] of charts) plot.setSize({ width: Math.max(240, $(`chart-${name}`).clientWidth), height: CHART_HEIGHT_PX });
  }) : undefined;
  resizeObserver?.observe($('daily-figure'));

  // ---- figures and tables -------------------------------------------------------------------------------------
  function summary(data) {
    const when = new Intl.DateTimeFormat(config.locale, { timeZone: data.time_zone, dateStyle: 'medium', timeStyle: 'short' });
    return [
      t('summary.approved', { fund: config.fund, currency: config.currency }),
      ...(data.from ? [t('summary.from', { from: when.format(new Date(data.from)) })] : []),
      ...(data.to ? [t('summary.to', { to: when.format(new Date(data.to)) })] : []),
      t('summary.zone', { zone: data.time_zone }),
    ].join(' · ');
  }

  function writeFigures(data) {
    const values = {
      total: money(data.total), count: count(data.count), average: money(data.average), median: money(data.median),
      min: money(data.min), max: money(data.max), donors: count(data.donors.unique), repeat: count(data.donors.repeat),
    };
    for (const box of document.querySelectorAll('[data-figure]')) box.querySelector('dd').textContent = values[box.dataset.figure] ?? '–';
  }

  function writeDailyTable(points) {
    const rows = points.map((point) => {
      const row = element('tr');
      const day = element('time', dayFormat.format(wallClockSeconds(point.start) * 1000));
      day.setAttribute('datetime', point.start);
      const cell = element('td');
      cell.append(day);
      row.append(cell, element('td', count(point.count), 'num'), element('td', money(point.total), 'num'));
      return row;
    });
    $('daily-table').tBodies[0].replaceChildren(...rows);
  }

  function writeLargest(data) {
    const box = $('largest');
    if (data.largest.length === 0) {
      box.replaceChildren(element('p', t('largest.none')));
      return;
    }
    const when = new Intl.DateTimeFormat(config.locale, { timeZone: data.time_zone, dateStyle: 'medium', timeStyle: 'short' });
    const table = element('table');
    const head = element('tr');
    for (const [key, className] of [['col.amount', 'num'], ['col.donor'], ['col.when']]) {
      const th = element('th', t(key), className);
      th.setAttribute('scope', 'col');
      head.append(th);
    }
    table.createTHead().append(head);
    const body = table.createTBody();
    for (const row of data.largest) {
      const line = element('tr');
      const donor = element('td');
      donor.append(element('bdi', row.donor_name ?? t('donor.anonymous')));
      const at = element('time', when.format(new Date(row.donated_at)));
      at.setAttribute('datetime', row.donated_at);
      const atCell = element('td');
      atCell.append(at);
      line.append(element('td', money(row.amount), 'num'), donor, atCell);
      body.append(line);
    }
    box.replaceChildren(table);
  }

  function show(data) {
    $('range-summary').textContent = summary(data);
    $('daily-caption').textContent = t('daily.caption', { count: data.daily.length });
    $('hourly-caption').textContent = t('hourly.caption', { count: data.hourly.length });
    writeFigures(data);
    writeDailyTable(data.daily);
    writeLargest(data);
    drawChart('daily', data.daily, data.time_zone);
    drawChart('hourly', data.hourly, data.time_zone);
  }

  // ---- the range ----------------------------------------------------------------------------------------------
  const pageParameters = new URLSearchParams(location.search);
  let requestSerial = 0;

  /** Loads [from, to) (ISO timestamps or null) in `zone`; a zone the server does not know falls back to UTC. */
  async function load(range, zone = viewerZone) {
    const serial = ++requestSerial;
    const parameters = new URLSearchParams({ tz: zone });
    if (range.from) parameters.set('from', range.from);
    if (range.to) parameters.set('to', range.to);
    for (const name of CARRIED) if (pageParameters.has(name)) parameters.set(name, pageParameters.get(name));
    $('range-status').textContent = t('range.loading');
    let response;
    try {
      response = await fetch(`${config.api}?${parameters}`, { headers: { accept: 'application/json' } });
    } catch (error) {
      if (serial === requestSerial) $('range-status').textContent = t('range.failed', { detail: String(error.message ?? error) });
      return;
    }
    if (serial !== requestSerial) return;
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 400 && body.field === 'tz' && zone !== 'UTC') return load(range, 'UTC');
      $('range-status').textContent = t('range.failed', { detail: body.detail ?? body.title ?? String(response.status) });
      return;
    }
    show(body);
    $('range-status').textContent = t('range.shown', { count: body.daily.length });
    // The address keeps the range, so a reload (or the language switch) shows the same figures.
    const address = new URLSearchParams(parameters);
    history.replaceState(null, '', `${location.pathname}?${address}`);
    const switchLink = $('lang-switch');
    address.set('lang', switchLink.getAttribute('hreflang'));
    switchLink.setAttribute('href', `${location.pathname}?${address}`);
  }

  /** A date input's "YYYY-MM-DD" as the instant its day begins in the viewer's zone. */
  function localMidnight(value) {
    if (!value) return null;
    const [year, month, day] = value.split('-').map(Number);
    return new Date(year, month - 1, day).toISOString();
  }

  function localDate(date) {
    const pad = (value) => String(value).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  function markPreset(link) {
    for (const other of document.querySelectorAll('.presets a')) other.removeAttribute('aria-current');
    if (link) link.setAttribute('aria-current', 'true');
  }

  $('range').addEventListener('submit', (event) => {
    event.preventDefault();
    markPreset(null);
    load({ from: localMidnight($('range-from').value), to: localMidnight($('range-to').value) });
  });
  for (const link of document.querySelectorAll('.presets a[data-days]')) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      markPreset(link);
      const days = link.dataset.days;
      const from = days === 'all' ? null : new Date(Date.now() - Number(days) * DAY_MS);
      $('range-from').value = from ? localDate(from) : '';
      $('range-to').value = '';
      load({ from: from ? from.toISOString() : null, to: null });
    });
  }

  // The server drew the page in the zone of its address (UTC unless ?tz= said otherwise): redraw in the viewer's.
  const initial = config.data;
  if (initial.time_zone === viewerZone) {
    drawChart('daily', initial.daily, initial.time_zone);
    drawChart('hourly', initial.hourly, initial.time_zone);
  } else {
    load({ from: initial.from, to: initial.to });
  }
})();
