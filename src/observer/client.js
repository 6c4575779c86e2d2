/* global window, document, sessionStorage, fetch, TextDecoderStream, AbortController, ResizeObserver, uPlot,
   setTimeout, setInterval, clearInterval, getComputedStyle */
// The observer page's script, served as it is (no build step). It signs in with an admin token kept in this
// tab's sessionStorage, loads the snapshot and the last 15 minutes of samples, then follows the server's event
// stream: one sample a second, appended to every chart. The stream is read with fetch() because EventSource
// cannot send an Authorization header. Every value from the server is put in the page as text, never as HTML.
// Words come from the page (the server's catalogue in the viewer's language, a JSON data block); numbers are
// formatted by Intl in the page's locale, times in the browser's own time zone.
'use strict';

(() => {
  const TOKEN_KEY = 'amanah.observer.token';
  const SNAPSHOT_REFRESH_MS = 10_000;
  const RECONNECT_DELAY_MS = 2_000;
  const CHART_HEIGHT_PX = 190;
  // Okabe–Ito: told apart with the common forms of colour blindness, and dark enough on white.
  const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#7a5c00', '#56B4E9', '#000000'];

  const messages = JSON.parse(document.getElementById('messages').textContent);
  const locale = document.body.dataset.locale;
  /** A message, or the text itself when it is no key (the names of things: rss, p50, 2xx). */
  const t = (key, values = {}) => (messages[key] ?? key).replace(/\{([a-z]+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));

  // Titles and series labels are message keys; p50, rss and the status classes are names, shown as they are.
  const CHARTS = [
    { id: 'cpu', title: 'chart.cpu', unit: 'percent', series: [['cpu_user_percent', 'series.user'], ['cpu_system_percent', 'series.system']] },
    { id: 'memory', title: 'chart.memory', unit: 'bytes', series: [['rss_bytes', 'rss'], ['heap_total_bytes', 'series.heapTotal'], ['heap_used_bytes', 'series.heapUsed'], ['external_bytes', 'series.external'], ['array_buffers_bytes', 'series.arrayBuffers']] },
    { id: 'event-loop-delay', title: 'chart.delay', unit: 'ms', series: [['event_loop_delay_p50_ms', 'p50'], ['event_loop_delay_p99_ms', 'p99'], ['event_loop_delay_max_ms', 'series.max']] },
    { id: 'event-loop-utilization', title: 'chart.utilisation', unit: 'ratio', range: [0, 1], series: [['event_loop_utilization', 'series.utilisation']] },
    { id: 'gc', title: 'chart.gc', unit: 'ms', series: [['gc_pause_ms', 'series.gcTotal'], ['gc_pause_ms_max', 'series.longest']] },
    { id: 'requests', title: 'chart.requests', unit: 'rate', series: [['requests_per_second', 'series.requests'], ['shed_per_second', 'series.shed']] },
    { id: 'latency', title: 'chart.latency', unit: 'ms', series: [['latency_p50_ms', 'p50'], ['latency_p90_ms', 'p90'], ['latency_p99_ms', 'p99']] },
    { id: 'status', title: 'chart.status', unit: 'rate', series: [['status_2xx_per_second', '2xx'], ['status_3xx_per_second', '3xx'], ['status_4xx_per_second', '4xx'], ['status_5xx_per_second', '5xx']] },
    { id: 'pool', title: 'chart.pool', unit: 'count', series: [['pool_total', 'series.poolOpen'], ['pool_idle', 'series.poolIdle'], ['pool_waiting', 'series.waiting'], ['active_resources', 'series.resources']] },
  ];

  const BYTE_INCREMENTS = Array.from({ length: 48 }, (_, power) => 2 ** power);

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY);
  let samplesMax = 900;
  let lastSequence = 0;
  let charts = [];
  let streamController;
  let snapshotTimer;
  let resizeObserver;

  // ---- formatting -------------------------------------------------------------------------------------------
  const missing = (value) => value === null || value === undefined || Number.isNaN(value);
  /** One Intl formatter per number of decimals (0 to 3), so 1.5 reads "1,5" in Indonesian. */
  const decimalFormats = [0, 1, 2, 3].map((digits) => new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  const fixed = (value, digits) => decimalFormats[digits].format(value);
  function bytes(value) {
    if (missing(value)) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let amount = value;
    let unit = 0;
    while (Math.abs(amount) >= 1024 && unit < units.length - 1) { amount /= 1024; unit += 1; }
    return `${fixed(amount, amount < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
  }
  const milliseconds = (value) => (missing(value) ? '–' : `${fixed(value, value < 10 ? 2 : 1)} ms`);
  const percent = (value) => (missing(value) ? '–' : `${fixed(value, 1)} %`);
  const ratio = (value) => (missing(value) ? '–' : fixed(value, 3));
  const count = (value) => (missing(value) ? '–' : fixed(Math.round(value), 0));
  const rate = (value) => (missing(value) ? '–' : t('unit.perSecond', { value: fixed(value, value < 10 ? 1 : 0) }));
  /** Chart times in the viewer's own time zone (Intl's default), the way their locale writes a clock. */
  const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const clockSeconds = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const FORMATS = { bytes, ms: milliseconds, percent, ratio, count, rate };
  function duration(seconds) {
    const s = Math.floor(seconds);
    const days = Math.floor(s / 86_400);
    const hours = Math.floor((s % 86_400) / 3_600);
    const minutes = Math.floor((s % 3_600) / 60);
    return days > 0 ? t('duration.days', { days, hours }) : hours > 0 ? t('duration.hours', { hours, minutes }) : t('duration.minutes', { minutes, seconds: s % 60 });
  }

  // ---- the server -------------------------------------------------------------------------------------------
  class Unauthorised extends Error {}

  async function api(path, options = {}) {
    const response = await fetch(path, { ...options, headers: { authorization: `Bearer ${token}`, ...options.headers } });
    if (response.ok) return response;
    const problem = await response.json().catch(() => ({}));
    const detail = problem.detail || `HTTP ${response.status}`;
    if (response.status === 401 || response.status === 403) throw new Unauthorised(detail);
    throw new Error(detail);
  }

  // ---- tables and tiles -------------------------------------------------------------------------------------
  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /** columns: [label, key or function, format?, numeric?] */
  function table(id, columns, rows, emptyText) {
    const container = $(`table-${id}`);
    if (rows.length === 0) {
      container.replaceChildren(element('p', emptyText, 'empty'));
      return;
    }
    const head = element('tr');
    for (const [label, , , numeric] of columns) head.append(element('th', t(label), numeric === true ? 'num' : ''));
    const body = rows.map((row) => {
      const tr = element('tr');
      for (const [, key, format, numeric] of columns) {
        const value = typeof key === 'function' ? key(row) : row[key];
        tr.append(element('td', format ? format(value) : String(value ?? '–'), numeric === true ? 'num' : numeric || ''));
      }
      return tr;
    });
    const tableNode = element('table');
    const thead = element('thead');
    thead.append(head);
    const tbody = element('tbody');
    tbody.append(...body);
    tableNode.append(thead, tbody);
    container.replaceChildren(tableNode);
  }

  function tiles(values, snapshot) {
    const v = values || {};
    const items = [
      ['tile.cpuUser', percent(v.cpu_user_percent)], ['tile.cpuSystem', percent(v.cpu_system_percent)],
      ['RSS', bytes(v.rss_bytes)], ['tile.heap', `${bytes(v.heap_used_bytes)} / ${bytes(v.heap_total_bytes)}`],
      ['tile.external', bytes(v.external_bytes)], ['tile.arrayBuffers', bytes(v.array_buffers_bytes)],
      ['tile.delay', `${milliseconds(v.event_loop_delay_p50_ms)} / ${milliseconds(v.event_loop_delay_p99_ms)}`],
      ['tile.delayMax', milliseconds(v.event_loop_delay_max_ms)], ['tile.utilisation', ratio(v.event_loop_utilization)],
      ['tile.gc', `${count(v.gc_pauses)} · ${milliseconds(v.gc_pause_ms)}`], ['tile.resources', count(v.active_resources)],
      ['tile.requests', rate(v.requests_per_second)],
    ];
    if (snapshot) {
      items.push(['tile.uptime', duration(snapshot.system.uptime_seconds)], ['Node', snapshot.system.versions.node], ['tile.cores', count(snapshot.system.cores)]);
    }
    $('tiles').replaceChildren(...items.map(([label, text]) => {
      const div = element('div', undefined, 'tile');
      div.append(element('dt', t(label)), element('dd', text));
      return div;
    }));
  }

  let lastSnapshot;

  function renderLive(live) {
    tiles(live.values, lastSnapshot);
    const pressure = live.pressure;
    const pill = $('pressure-pill');
    pill.textContent = t(pressure.under_pressure ? 'pressure.shedding' : 'pressure.ok');
    pill.classList.toggle('bad', pressure.under_pressure);
    const reasons = Object.entries(pressure.shed.by_reason).map(([reason, n]) => `${reason}: ${count(n)}`).join(', ');
    $('pressure-text').textContent = t('pressure.shed', { count: count(pressure.shed.total), reasons: reasons ? ` (${reasons})` : '' });
    const thresholds = pressure.thresholds;
    const off = (value, format) => (value === 0 ? t('pressure.off') : format(value));
    table('pressure', [['col.measure', 'name'], ['col.now', 'now', null, true], ['col.limit', 'limit', null, true]], [
      { name: t('pressure.delay'), now: milliseconds(pressure.measured.event_loop_delay_ms), limit: off(thresholds.event_loop_delay_ms_max, milliseconds) },
      { name: t('pressure.heap'), now: bytes(pressure.measured.heap_used_bytes), limit: off(thresholds.heap_used_bytes_max, bytes) },
      { name: 'rss', now: bytes(pressure.measured.rss_bytes), limit: off(thresholds.rss_bytes_max, bytes) },
      { name: 'Retry-After', now: '', limit: t('unit.seconds', { value: count(thresholds.retry_after_seconds) }) },
    ], '');
    const pool = live.database.pool;
    table('pool', [['col.engine', 'engine'], ['col.open', 'total', count, true], ['col.idle', 'idle', count, true], ['col.waiting', 'waiting', count, true],
      ['col.max', 'max', count, true], ['col.acquireWait', 'acquire_wait_ms_mean', milliseconds, true], ['col.timeouts', 'acquire_timeouts', count, true]],
    [{ engine: live.database.engine, ...pool }], '');
    table('gc', [['col.kind', 'kind'], ['col.pauses', 'pauses', count, true], ['col.totalPause', 'pause_ms', milliseconds, true]],
      Object.entries(live.gc.by_kind).map(([kind, totals]) => ({ kind, ...totals })), t('empty.gc'));
    table('caches', [['col.cache', 'name'], ['col.entries', (row) => (row.size === null ? '–' : `${count(row.size)} / ${count(row.max)}`), null, true],
      ['col.bytes', (row) => (row.bytes === null ? '–' : `${bytes(row.bytes)} / ${bytes(row.bytes_max)}`), null, true],
      ['col.hitRatio', 'hit_ratio', ratio, true], ['col.hits', 'hits', count, true], ['col.misses', 'misses', count, true],
      ['col.evictions', 'evictions', count, true], ['col.invalidations', 'invalidations', count, true]],
    live.caches, t('empty.caches'));
    table('queues', [['col.queue', 'name'], ['col.depth', 'depth', count, true], ['col.inFlight', 'in_flight', count, true],
      ['col.throughput', 'throughput_per_second', rate, true], ['col.done', 'completed_total', count, true], ['col.failed', 'failed_total', count, true]],
    live.queues, t('empty.queues'));
    table('subscribers', [['col.stream', 'name'], ['col.subscribers', 'subscribers', count, true]],
      live.subscribers, t('empty.subscribers'));
    if (live.source_errors.length > 0) $('table-caches').prepend(element('p', t('error.sources', { sources: live.source_errors.join('; ') }), 'error'));
  }

  function renderSnapshot(snapshot) {
    lastSnapshot = snapshot;
    renderLive(snapshot);
    const system = snapshot.system;
    table('heap-spaces', [['col.space', 'name'], ['col.size', 'size_bytes', bytes, true], ['col.used', 'used_bytes', bytes, true],
      ['col.available', 'available_bytes', bytes, true], ['col.physical', 'physical_bytes', bytes, true]], system.heap_spaces, '');
    table('resources', [['col.kind', 'kind'], ['col.count', 'count', count, true]],
      Object.entries(system.active_resources).map(([kind, n]) => ({ kind, count: n })), t('empty.resources'));
    table('versions', [['col.component', 'name'], ['col.version', 'version']],
      [['pid', String(system.pid)], [t('row.uptime'), duration(system.uptime_seconds)], [t('row.heapLimit'), bytes(system.heap_limit_bytes)],
        ...Object.entries(system.versions)].map(([name, version]) => ({ name, version })), '');
    const statements = snapshot.statements;
    if (!statements.available) {
      $('table-statements').replaceChildren(element('p', t('error.notAvailable', { reason: statements.reason }), 'empty'));
    } else {
      table('statements', [['col.statement', 'query', null, 'query'], ['col.calls', 'calls', count, true], ['col.rows', 'rows', count, true],
        ['col.total', 'total_ms', milliseconds, true], ['col.mean', 'mean_ms', milliseconds, true]], statements.statements, t('empty.statements'));
    }
    const activity = snapshot.database_activity;
    const seconds3 = (value) => (missing(value) ? '–' : t('unit.seconds', { value: fixed(value, value < 10 ? 2 : 0) }));
    const panel = (id, data, columns, emptyText) => {
      if (!data.available) $(`table-${id}`).replaceChildren(element('p', t('error.notAvailableOn', { engine: activity.engine, reason: data.reason }), 'empty'));
      else table(id, columns, data.rows, emptyText);
    };
    panel('running', activity.running, [['pid', 'pid', null, true], ['col.state', 'state'], ['col.for', 'seconds', seconds3, true],
      ['col.transaction', 'transaction_seconds', seconds3, true], ['col.waitingOn', 'wait'], ['col.application', 'application'], ['col.query', 'query', null, 'query']],
    t('empty.running'));
    panel('locks', activity.locks, [['pid', 'pid', null, true], ['col.waitsFor', (row) => t('lock.on', { mode: row.mode, relation: row.relation ?? row.lock_type })],
      ['col.for', 'waiting_seconds', seconds3, true], ['col.blockedBy', (row) => row.blocked_by.join(', ')], ['col.query', 'query', null, 'query'],
      ['col.blockingQuery', 'blocking_query', null, 'query']], t('empty.locks'));
    panel('sizes', activity.sizes, [['col.relation', 'name'], ['col.kind', 'kind'], ['col.ofTable', 'table'], ['col.total', 'total_bytes', bytes, true],
      ['col.own', 'table_bytes', bytes, true], ['col.indexes', 'index_bytes', bytes, true], ['col.rowsEstimate', 'rows_estimate', count, true]], t('empty.sizes'));
    const workers = snapshot.workers;
    const seconds = (value) => (missing(value) ? '–' : t('unit.seconds', { value: fixed(value, 1) }));
    table('workers', [['col.worker', 'pid'], ['col.requests', 'requests', count, true], ['col.donations', 'donations_received', count, true],
      ['col.cpuTime', 'cpu_seconds', seconds, true], ['RSS', 'rss_bytes', bytes, true], ['col.heapUsed', 'heap_used_bytes', bytes, true],
      ['col.lag', (row) => row.event_loop_lag_p99_seconds * 1000, milliseconds, true], ['col.utilisation', 'event_loop_utilization', ratio, true],
      ['col.poolOpen', 'pool_connections', count, true], ['col.waiting', 'pool_waiting', count, true]],
    [...workers.workers, workers.total], '');
    if (workers.missing > 0) $('table-workers').prepend(element('p', t('error.workersMissing', { count: count(workers.missing) }), 'error'));
    $('profile-seconds').max = String(snapshot.profiler.cpu_profile_seconds_max);
    $('who').textContent = t('who', { pid: system.pid, uptime: duration(system.uptime_seconds) });
  }

  // ---- charts -----------------------------------------------------------------------------------------------
  function chartWidth(figure) {
    return Math.max(200, figure.clientWidth - 12);
  }

  function buildCharts() {
    const container = $('charts');
    container.replaceChildren();
    charts = CHARTS.map((spec) => {
      const figure = element('figure');
      const caption = element('figcaption', t(spec.title));
      caption.id = `chart-title-${spec.id}`;
      const target = element('div', undefined, 'chart');
      target.id = `chart-${spec.id}`;
      target.setAttribute('role', 'img');
      target.setAttribute('aria-labelledby', caption.id);
      figure.append(caption, target);
      container.append(figure);
      const format = FORMATS[spec.unit];
      const data = [[], ...spec.series.map(() => [])];
      // Canvas text and grid take the page's colours, so the axes read in the dark scheme too.
      const colours = getComputedStyle(document.documentElement);
      const axisColours = { stroke: colours.getPropertyValue('--muted').trim(), grid: { stroke: colours.getPropertyValue('--rule').trim(), width: 1 }, ticks: { stroke: colours.getPropertyValue('--rule').trim(), width: 1 } };
      const plot = new uPlot({
        width: chartWidth(figure),
        height: CHART_HEIGHT_PX,
        scales: { x: { time: true }, y: spec.range ? { range: spec.range } : { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, 1e-9) * 1.1] } },
        axes: [{ ...axisColours, values: (_u, splits) => {
          // Ticks closer than a minute apart show seconds too, else every tick of a young chart reads the same.
          const clockFormat = splits.length > 1 && splits[1] - splits[0] < 60 ? clockSeconds : clock;
          return splits.map((seconds) => clockFormat.format(seconds * 1000));
        } }, {
          ...axisColours, size: 70, values: (_u, splits) => splits.map((value) => format(value)),
          // Byte axes step in powers of two, so the ticks read 128 MiB, 256 MiB rather than 191 MiB.
          ...(spec.unit === 'bytes' ? { incrs: BYTE_INCREMENTS } : {}),
        }],
        series: [{ label: t('chart.time'), value: (_u, seconds) => (seconds === null ? '–' : clockSeconds.format(seconds * 1000)) }, ...spec.series.map(([, label], index) => ({
          label: t(label), stroke: COLOURS[index % COLOURS.length], width: 1.5, spanGaps: false,
          value: (_u, value) => format(value),
        }))],
      }, data, target);
      return { spec, plot, data, figure };
    });
    resizeObserver?.disconnect();
    resizeObserver = new ResizeObserver(() => {
      for (const chart of charts) chart.plot.setSize({ width: chartWidth(chart.figure), height: CHART_HEIGHT_PX });
    });
    resizeObserver.observe(container);
  }

  async function loadHistory() {
    const history = await (await api('/api/observer/history')).json();
    samplesMax = history.series_samples_max;
    lastSequence = history.sequence;
    for (const chart of charts) {
      chart.data = [history.series.time.slice(), ...chart.spec.series.map(([key]) => history.series[key].slice())];
      chart.plot.setData(chart.data);
    }
  }

  function appendSample(values) {
    for (const chart of charts) {
      chart.data[0].push(values.time);
      chart.spec.series.forEach(([key], index) => chart.data[index + 1].push(values[key]));
      if (chart.data[0].length > samplesMax) for (const column of chart.data) column.shift();
      chart.plot.setData(chart.data);
    }
  }

  // ---- the stream -------------------------------------------------------------------------------------------
  function handleEvent(block) {
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (type !== 'sample' || data === '') return;
    const live = JSON.parse(data);
    // A skipped event (this tab fell behind) leaves a hole: take the history again rather than draw a lie.
    if (lastSequence !== 0 && live.sequence > lastSequence + 1) {
      loadHistory().catch(() => {});
    } else if (live.values) {
      appendSample(live.values);
    }
    lastSequence = live.sequence;
    renderLive(live);
  }

  async function followStream() {
    const controller = new AbortController();
    streamController = controller;
    try {
      const response = await api('/api/observer/stream', { headers: { accept: 'text/event-stream' }, signal: controller.signal });
      $('stream-state').textContent = t('stream.live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          handleEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      if (error instanceof Unauthorised) return showSignIn(error.message);
    }
    if (controller.signal.aborted) return;
    $('stream-state').textContent = t('stream.reconnecting');
    setTimeout(() => {
      if (controller.signal.aborted) return;
      loadHistory().catch(() => {}).finally(() => { if (!controller.signal.aborted) followStream(); });
    }, RECONNECT_DELAY_MS);
  }

  // ---- profiling --------------------------------------------------------------------------------------------
  async function download(path, busyText) {
    const buttons = [$('record-profile'), $('heap-snapshot')];
    buttons.forEach((button) => { button.disabled = true; });
    $('profile-status').textContent = busyText;
    try {
      const response = await api(path, { method: 'POST' });
      const blob = await response.blob();
      const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') || '')?.[1] || 'amanah-profile';
      const url = URL.createObjectURL(blob);
      const link = element('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      $('profile-status').textContent = t('profiling.downloaded', { name, size: bytes(blob.size) });
    } catch (error) {
      if (error instanceof Unauthorised) return showSignIn(error.message);
      $('profile-status').textContent = t('profiling.failed', { message: error.message });
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  // ---- signing in and out -----------------------------------------------------------------------------------
  function stop() {
    streamController?.abort();
    clearInterval(snapshotTimer);
    resizeObserver?.disconnect();
    for (const chart of charts) chart.plot.destroy();
    charts = [];
    lastSequence = 0;
  }

  function showSignIn(message) {
    stop();
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    $('observer').hidden = true;
    $('sign-out').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = message || '';
    $('token').focus();
  }

  async function refreshSnapshot() {
    try {
      renderSnapshot(await (await api('/api/observer/snapshot')).json());
    } catch (error) {
      if (error instanceof Unauthorised) showSignIn(error.message);
    }
  }

  async function start() {
    const snapshot = await (await api('/api/observer/snapshot')).json();
    sessionStorage.setItem(TOKEN_KEY, token);
    $('signin').hidden = true;
    $('observer').hidden = false;
    $('sign-out').hidden = false;
    buildCharts();
    renderSnapshot(snapshot);
    await loadHistory();
    followStream();
    snapshotTimer = setInterval(refreshSnapshot, SNAPSHOT_REFRESH_MS);
  }

  async function begin() {
    try {
      await start();
    } catch (error) {
      showSignIn(t(error instanceof Unauthorised ? 'signin.notSignedIn' : 'signin.loadFailed', { message: error.message }));
    }
  }

  $('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    $('signin-error').textContent = '';
    begin();
  });
  $('sign-out').addEventListener('click', () => showSignIn(t('signin.signedOut')));
  $('record-profile').addEventListener('click', () => {
    const seconds = Number($('profile-seconds').value);
    download(`/api/observer/profile?seconds=${encodeURIComponent(seconds)}`, t('profiling.recording', { seconds: count(seconds) }));
  });
  $('heap-snapshot').addEventListener('click', () => download('/api/observer/heap-snapshot', t('profiling.heapBusy')));
  // The charts' canvas colours are read when they are built: a switch of the system's scheme builds them again.
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (charts.length === 0) return;
    for (const chart of charts) chart.plot.destroy();
    buildCharts();
    loadHistory().catch(() => {});
  });
  if (token) begin();
  window.addEventListener('pagehide', stop);
})();
