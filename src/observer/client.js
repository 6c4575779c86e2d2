/* global window, document, sessionStorage, fetch, TextDecoderStream, AbortController, ResizeObserver, uPlot,
   setTimeout, setInterval, clearInterval */
// The observer page's script, served as it is (no build step). It signs in with an admin token kept in this
// tab's sessionStorage, loads the snapshot and the last 15 minutes of samples, then follows the server's event
// stream: one sample a second, appended to every chart. The stream is read with fetch() because EventSource
// cannot send an Authorization header. Every value from the server is put in the page as text, never as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'amanah.observer.token';
  const SNAPSHOT_REFRESH_MS = 10_000;
  const RECONNECT_DELAY_MS = 2_000;
  const CHART_HEIGHT_PX = 190;
  // Okabe–Ito: told apart with the common forms of colour blindness, and dark enough on white.
  const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#7a5c00', '#56B4E9', '#000000'];

  const CHARTS = [
    { id: 'cpu', title: 'CPU (% of one core)', unit: 'percent', series: [['cpu_user_percent', 'user'], ['cpu_system_percent', 'system']] },
    { id: 'memory', title: 'Memory', unit: 'bytes', series: [['rss_bytes', 'rss'], ['heap_total_bytes', 'heap total'], ['heap_used_bytes', 'heap used'], ['external_bytes', 'external'], ['array_buffers_bytes', 'array buffers']] },
    { id: 'event-loop-delay', title: 'Event-loop delay', unit: 'ms', series: [['event_loop_delay_p50_ms', 'p50'], ['event_loop_delay_p99_ms', 'p99'], ['event_loop_delay_max_ms', 'max']] },
    { id: 'event-loop-utilization', title: 'Event-loop utilisation', unit: 'ratio', range: [0, 1], series: [['event_loop_utilization', 'utilisation']] },
    { id: 'gc', title: 'GC pauses', unit: 'ms', series: [['gc_pause_ms', 'total per second'], ['gc_pause_ms_max', 'longest']] },
    { id: 'requests', title: 'HTTP requests per second', unit: 'rate', series: [['requests_per_second', 'requests'], ['shed_per_second', 'shed (503)']] },
    { id: 'latency', title: 'HTTP latency', unit: 'ms', series: [['latency_p50_ms', 'p50'], ['latency_p90_ms', 'p90'], ['latency_p99_ms', 'p99']] },
    { id: 'status', title: 'HTTP status codes per second', unit: 'rate', series: [['status_2xx_per_second', '2xx'], ['status_3xx_per_second', '3xx'], ['status_4xx_per_second', '4xx'], ['status_5xx_per_second', '5xx']] },
    { id: 'pool', title: 'Database pool and active resources', unit: 'count', series: [['pool_total', 'pool open'], ['pool_idle', 'pool idle'], ['pool_waiting', 'waiting'], ['active_resources', 'active resources']] },
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
  function bytes(value) {
    if (missing(value)) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let amount = value;
    let unit = 0;
    while (Math.abs(amount) >= 1024 && unit < units.length - 1) { amount /= 1024; unit += 1; }
    return `${amount.toFixed(amount < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
  }
  const milliseconds = (value) => (missing(value) ? '–' : `${value.toFixed(value < 10 ? 2 : 1)} ms`);
  const percent = (value) => (missing(value) ? '–' : `${value.toFixed(1)} %`);
  const ratio = (value) => (missing(value) ? '–' : value.toFixed(3));
  const count = (value) => (missing(value) ? '–' : Math.round(value).toLocaleString('en'));
  const rate = (value) => (missing(value) ? '–' : `${value.toFixed(value < 10 ? 1 : 0)}/s`);
  const FORMATS = { bytes, ms: milliseconds, percent, ratio, count, rate };
  function duration(seconds) {
    const s = Math.floor(seconds);
    const days = Math.floor(s / 86_400);
    const hours = Math.floor((s % 86_400) / 3_600);
    const minutes = Math.floor((s % 3_600) / 60);
    return days > 0 ? `${days} d ${hours} h` : hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min ${s % 60} s`;
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
    for (const [label, , , numeric] of columns) head.append(element('th', label, numeric === true ? 'num' : ''));
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
      ['CPU user', percent(v.cpu_user_percent)], ['CPU system', percent(v.cpu_system_percent)],
      ['RSS', bytes(v.rss_bytes)], ['Heap used / total', `${bytes(v.heap_used_bytes)} / ${bytes(v.heap_total_bytes)}`],
      ['External', bytes(v.external_bytes)], ['Array buffers', bytes(v.array_buffers_bytes)],
      ['Event-loop delay p50 / p99', `${milliseconds(v.event_loop_delay_p50_ms)} / ${milliseconds(v.event_loop_delay_p99_ms)}`],
      ['Event-loop delay max', milliseconds(v.event_loop_delay_max_ms)], ['Event-loop utilisation', ratio(v.event_loop_utilization)],
      ['GC pauses (last second)', `${count(v.gc_pauses)} · ${milliseconds(v.gc_pause_ms)}`], ['Active resources', count(v.active_resources)],
      ['HTTP requests', rate(v.requests_per_second)],
    ];
    if (snapshot) {
      items.push(['Uptime', duration(snapshot.system.uptime_seconds)], ['Node', snapshot.system.versions.node], ['Cores', String(snapshot.system.cores)]);
    }
    $('tiles').replaceChildren(...items.map(([label, text]) => {
      const div = element('div', undefined, 'tile');
      div.append(element('dt', label), element('dd', text));
      return div;
    }));
  }

  let lastSnapshot;

  function renderLive(live) {
    tiles(live.values, lastSnapshot);
    const pressure = live.pressure;
    const pill = $('pressure-pill');
    pill.textContent = pressure.under_pressure ? 'SHEDDING LOAD' : 'OK';
    pill.classList.toggle('bad', pressure.under_pressure);
    const reasons = Object.entries(pressure.shed.by_reason).map(([reason, n]) => `${reason}: ${n}`).join(', ');
    $('pressure-text').textContent = `${count(pressure.shed.total)} requests shed since start${reasons ? ` (${reasons})` : ''}`;
    const thresholds = pressure.thresholds;
    const off = (value, format) => (value === 0 ? 'off' : format(value));
    table('pressure', [['measure', 'name'], ['now', 'now', null, true], ['sheds above', 'limit', null, true]], [
      { name: 'event-loop delay (mean, 1 s)', now: milliseconds(pressure.measured.event_loop_delay_ms), limit: off(thresholds.event_loop_delay_ms_max, milliseconds) },
      { name: 'heap used', now: bytes(pressure.measured.heap_used_bytes), limit: off(thresholds.heap_used_bytes_max, bytes) },
      { name: 'rss', now: bytes(pressure.measured.rss_bytes), limit: off(thresholds.rss_bytes_max, bytes) },
      { name: 'Retry-After', now: '', limit: `${thresholds.retry_after_seconds} s` },
    ], '');
    const pool = live.database.pool;
    table('pool', [['engine', 'engine'], ['open', 'total', count, true], ['idle', 'idle', count, true], ['waiting', 'waiting', count, true],
      ['max', 'max', count, true], ['acquire wait', 'acquire_wait_ms_mean', milliseconds, true], ['timeouts', 'acquire_timeouts', count, true]],
    [{ engine: live.database.engine, ...pool }], '');
    table('gc', [['kind', 'kind'], ['pauses', 'pauses', count, true], ['total pause', 'pause_ms', milliseconds, true]],
      Object.entries(live.gc.by_kind).map(([kind, totals]) => ({ kind, ...totals })), 'No garbage collection yet.');
    table('caches', [['cache', 'name'], ['entries', (row) => (row.size === null ? '–' : `${count(row.size)} / ${count(row.max)}`), null, true],
      ['bytes', (row) => (row.bytes === null ? '–' : `${bytes(row.bytes)} / ${bytes(row.bytes_max)}`), null, true],
      ['hit ratio', 'hit_ratio', ratio, true], ['hits', 'hits', count, true], ['misses', 'misses', count, true],
      ['evictions', 'evictions', count, true], ['invalidations', 'invalidations', count, true]],
    live.caches, 'No cache reports to the observer yet: a cache shows here once it is handed in with app.observer.addSources({ caches }).');
    table('queues', [['queue', 'name'], ['depth', 'depth', count, true], ['in flight', 'in_flight', count, true],
      ['throughput', 'throughput_per_second', rate, true], ['done', 'completed_total', count, true], ['failed', 'failed_total', count, true]],
    live.queues, 'No queue or pipeline reports to the observer yet: hook app.observer.addSources({ queues }).');
    table('subscribers', [['stream', 'name'], ['subscribers', 'subscribers', count, true]],
      live.subscribers, 'No live stream reports to the observer yet: hook app.observer.addSources({ subscribers }).');
    if (live.source_errors.length > 0) $('table-caches').prepend(element('p', `Sources failing: ${live.source_errors.join('; ')}`, 'error'));
  }

  function renderSnapshot(snapshot) {
    lastSnapshot = snapshot;
    renderLive(snapshot);
    const system = snapshot.system;
    table('heap-spaces', [['space', 'name'], ['size', 'size_bytes', bytes, true], ['used', 'used_bytes', bytes, true],
      ['available', 'available_bytes', bytes, true], ['physical', 'physical_bytes', bytes, true]], system.heap_spaces, '');
    table('resources', [['kind', 'kind'], ['count', 'count', count, true]],
      Object.entries(system.active_resources).map(([kind, n]) => ({ kind, count: n })), 'None.');
    table('versions', [['component', 'name'], ['version', 'version']],
      [['pid', String(system.pid)], ['uptime', duration(system.uptime_seconds)], ['heap limit', bytes(system.heap_limit_bytes)],
        ...Object.entries(system.versions)].map(([name, version]) => ({ name, version })), '');
    const statements = snapshot.statements;
    if (!statements.available) {
      $('table-statements').replaceChildren(element('p', `Not available: ${statements.reason}.`, 'empty'));
    } else {
      table('statements', [['statement', 'query', null, 'query'], ['calls', 'calls', null, true], ['rows', 'rows', null, true],
        ['total', 'total_ms', milliseconds, true], ['mean', 'mean_ms', milliseconds, true]], statements.statements, 'No statements recorded yet.');
    }
    const activity = snapshot.database_activity;
    const seconds3 = (value) => (missing(value) ? '–' : `${value.toFixed(value < 10 ? 2 : 0)} s`);
    const panel = (id, data, columns, emptyText) => {
      if (!data.available) $(`table-${id}`).replaceChildren(element('p', `Not available on ${activity.engine}: ${data.reason}.`, 'empty'));
      else table(id, columns, data.rows, emptyText);
    };
    panel('running', activity.running, [['pid', 'pid', null, true], ['state', 'state'], ['for', 'seconds', seconds3, true],
      ['transaction', 'transaction_seconds', seconds3, true], ['waiting on', 'wait'], ['application', 'application'], ['query', 'query', null, 'query']],
    'No other query is running now.');
    panel('locks', activity.locks, [['pid', 'pid', null, true], ['waits for', (row) => `${row.mode} on ${row.relation ?? row.lock_type}`],
      ['for', 'waiting_seconds', seconds3, true], ['blocked by', (row) => row.blocked_by.join(', ')], ['query', 'query', null, 'query'],
      ['blocking query', 'blocking_query', null, 'query']], 'No backend is waiting for a lock.');
    panel('sizes', activity.sizes, [['relation', 'name'], ['kind', 'kind'], ['of table', 'table'], ['total', 'total_bytes', bytes, true],
      ['own', 'table_bytes', bytes, true], ['indexes', 'index_bytes', bytes, true], ['rows (estimate)', 'rows_estimate', count, true]], 'No tables.');
    const workers = snapshot.workers;
    const seconds = (value) => (missing(value) ? '–' : `${value.toFixed(1)} s`);
    table('workers', [['worker (pid)', 'pid'], ['requests', 'requests', count, true], ['donations', 'donations_received', count, true],
      ['CPU time', 'cpu_seconds', seconds, true], ['RSS', 'rss_bytes', bytes, true], ['heap used', 'heap_used_bytes', bytes, true],
      ['event-loop lag p99', (row) => row.event_loop_lag_p99_seconds * 1000, milliseconds, true], ['utilisation', 'event_loop_utilization', ratio, true],
      ['pool open', 'pool_connections', count, true], ['waiting', 'pool_waiting', count, true]],
    [...workers.workers, workers.total], '');
    if (workers.missing > 0) $('table-workers').prepend(element('p', `${workers.missing} worker(s) did not answer in time and are left out.`, 'error'));
    $('profile-seconds').max = String(snapshot.profiler.cpu_profile_seconds_max);
    $('who').textContent = `pid ${system.pid} · up ${duration(system.uptime_seconds)}`;
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
      const caption = element('figcaption', spec.title);
      caption.id = `chart-title-${spec.id}`;
      const target = element('div', undefined, 'chart');
      target.id = `chart-${spec.id}`;
      target.setAttribute('role', 'img');
      target.setAttribute('aria-labelledby', caption.id);
      figure.append(caption, target);
      container.append(figure);
      const format = FORMATS[spec.unit];
      const data = [[], ...spec.series.map(() => [])];
      const plot = new uPlot({
        width: chartWidth(figure),
        height: CHART_HEIGHT_PX,
        scales: { x: { time: true }, y: spec.range ? { range: spec.range } : { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, 1e-9) * 1.1] } },
        axes: [{}, {
          size: 70, values: (_u, splits) => splits.map((value) => format(value)),
          // Byte axes step in powers of two, so the ticks read 128 MiB, 256 MiB rather than 191 MiB.
          ...(spec.unit === 'bytes' ? { incrs: BYTE_INCREMENTS } : {}),
        }],
        series: [{}, ...spec.series.map(([, label], index) => ({
          label, stroke: COLOURS[index % COLOURS.length], width: 1.5, spanGaps: false,
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
      $('stream-state').textContent = 'live, one sample a second';
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
    $('stream-state').textContent = 'reconnecting…';
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
      $('profile-status').textContent = `Downloaded ${name} (${bytes(blob.size)}).`;
    } catch (error) {
      if (error instanceof Unauthorised) return showSignIn(error.message);
      $('profile-status').textContent = `Failed: ${error.message}`;
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
      showSignIn(error instanceof Unauthorised ? `Not signed in: ${error.message}` : `Could not load the observer: ${error.message}`);
    }
  }

  $('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    $('signin-error').textContent = '';
    begin();
  });
  $('sign-out').addEventListener('click', () => showSignIn('Signed out.'));
  $('record-profile').addEventListener('click', () => {
    const seconds = Number($('profile-seconds').value);
    download(`/api/observer/profile?seconds=${encodeURIComponent(seconds)}`, `Recording a CPU profile for ${seconds} s…`);
  });
  $('heap-snapshot').addEventListener('click', () => download('/api/observer/heap-snapshot', 'Taking a heap snapshot…'));
  if (token) begin();
  window.addEventListener('pagehide', stop);
})();
