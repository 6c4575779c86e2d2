// The hawl page in the browser: the console's staff token from sessionStorage, one request to the report, the
// rows written with textContent, never parsed as markup.
'use strict';
/* global document, window, sessionStorage, fetch, URLSearchParams */
(() => {
  const token = sessionStorage.getItem('amanah.staffToken');
  const messages = JSON.parse(document.getElementById('hawl-messages').textContent);
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(window.location.search);
  if (params.get('fund')) $('f-fund').value = params.get('fund');
  if (params.get('as_of')) $('f-as-of').value = params.get('as_of');
  if (!token) { $('hawl-signed-out').hidden = false; return; }
  const query = new URLSearchParams({ fund: $('f-fund').value });
  if ($('f-as-of').value) query.set('as_of', $('f-as-of').value);
  fetch(`/api/distribution/hawl?${query}`, { headers: { authorization: `Bearer ${token}` } }).then(async (response) => {
    const body = await response.json();
    if (!response.ok) { $('hawl-error').textContent = body.detail || body.title; return; }
    const rows = $('hawl-rows');
    if (body.campaigns.length === 0) { $('hawl-error').textContent = messages.empty; return; }
    for (const item of body.campaigns) {
      const tr = document.createElement('tr');
      for (const [text, number] of [[item.name, false], [item.currency, false], [item.undistributed, true], [item.over_hawl, true], [item.oldest_undistributed_at ? item.oldest_undistributed_at.slice(0, 10) : '', false]]) {
        const td = document.createElement('td');
        td.textContent = text;
        if (number) td.className = 'number';
        tr.append(td);
      }
      rows.append(tr);
    }
  }, (error) => { $('hawl-error').textContent = String(error); });
})();
