// A report page in the browser: the console's staff token from sessionStorage, the same page asked for again with
// it, and the server-rendered <main> (figures escaped on the server) put in place. The CSV and JSON links need
// the token too, so they are fetched with it and saved as a file.
'use strict';
/* global document, window, sessionStorage, fetch, DOMParser, Blob, Element */
(() => {
  const token = sessionStorage.getItem('amanah.staffToken');
  const status = document.getElementById('report-status');
  if (!token) {
    status.hidden = true;
    document.getElementById('report-signed-out').hidden = false;
    return;
  }
  const headers = { authorization: `Bearer ${token}` };
  const fail = (text) => { status.textContent = text; };
  fetch(window.location.href, { headers }).then(async (response) => {
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    if (!response.ok) {
      let problem = {};
      try { problem = JSON.parse(page.body.textContent); } catch { /* not problem+json */ }
      fail(problem.detail || problem.title || String(response.status));
      return;
    }
    document.title = page.title;
    document.querySelector('header.top').replaceWith(page.querySelector('header.top'));
    document.getElementById('main').replaceWith(page.getElementById('main'));
    showTimesInViewersZone(page.body.dataset.locale);
  }, (error) => fail(String(error)));

  /** The server writes instants in UTC; the browser's Intl knows the viewer's own zone. */
  function showTimesInViewersZone(locale) {
    const format = new Intl.DateTimeFormat(locale || undefined, { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    for (const time of document.querySelectorAll('#main time[datetime]')) {
      const instant = new Date(time.getAttribute('datetime'));
      if (!Number.isNaN(instant.getTime())) time.textContent = format.format(instant);
    }
  }

  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href^="/api/reports/"]') : null;
    if (!link) return;
    event.preventDefault();
    fetch(link.getAttribute('href'), { headers }).then(async (response) => {
      const blob = new Blob([await response.arrayBuffer()], { type: response.headers.get('content-type') || 'application/octet-stream' });
      const file = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') || '');
      const save = document.createElement('a');
      save.href = URL.createObjectURL(blob);
      save.download = file ? file[1] : 'report.json';
      save.click();
      URL.revokeObjectURL(save.href);
    }, (error) => fail(String(error)));
  });
})();
