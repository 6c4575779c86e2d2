// The distribution room's staff pages in the browser: the console's staff token from sessionStorage, the same page
// asked for again with it and its server-rendered header and <main> put in place (rows escaped on the server),
// and every form sent to the JSON API with the token. A refusal's title (in the page's language) and code are
// written with textContent at the field the problem names, or at the form's own error line.
'use strict';
/* global document, window, sessionStorage, fetch, DOMParser, FormData, HTMLFormElement */
(() => {
  const TOKEN_KEY = 'amanah.staffToken';
  const token = sessionStorage.getItem(TOKEN_KEY);
  const $ = (id) => document.getElementById(id);
  let texts = JSON.parse($('distribution-messages').textContent);

  if (!token) {
    $('room-status').hidden = true;
    $('room-signed-out').hidden = false;
    return;
  }
  const headers = { authorization: `Bearer ${token}` };

  /** "Title (code): detail", the title in the page's language; a message of the script's own is the detail alone. */
  const problemText = (problem) => {
    const head = `${texts.errors[problem.code] || problem.title || ''}${problem.code ? ` (${problem.code})` : ''}`;
    return `${head}${problem.detail ? `${head ? ': ' : ''}${problem.detail}` : ''}`;
  };

  /** The page again, with the token: its header and <main> replace the current ones. */
  async function load(announcement) {
    const response = await fetch(window.location.href, { headers });
    const text = await response.text();
    if (!response.ok) {
      let problem = {};
      try { problem = JSON.parse(text); } catch { /* not problem+json */ }
      const status = $('room-status') || $('announcer');
      if (status) status.textContent = problemText(problem) || String(response.status);
      // In the shell, the refusal is the page: its heading says what it is (an unknown mustahik, a forbidden token).
      const heading = $('room-status') && document.querySelector('#main h1');
      const title = texts.errors[problem.code] || problem.title;
      if (heading && title) { heading.textContent = title; document.title = `amanah: ${title}`; }
      return;
    }
    const page = new DOMParser().parseFromString(text, 'text/html');
    document.title = page.title;
    document.querySelector('header.top').replaceWith(page.querySelector('header.top'));
    document.getElementById('main').replaceWith(page.getElementById('main'));
    texts = JSON.parse(page.getElementById('distribution-messages').textContent);
    if (announcement) $('announcer').textContent = announcement;
  }

  /** A form's fields as the API's body: checkboxes named asnaf are a list, social a boolean, empty optionals left out. */
  function bodyOf(form) {
    const data = new FormData(form);
    const body = {};
    for (const [name, value] of data.entries()) {
      if (name === 'asnaf' && form.querySelector('input[type="checkbox"][name="asnaf"]')) (body.asnaf ??= []).push(value);
      else if (name === 'social') body.social = true;
      else if (value !== '') body[name] = value.trim();
    }
    if (form.querySelector('input[type="checkbox"][name="asnaf"]') && body.asnaf === undefined) body.asnaf = [];
    if (form.querySelector('select[name="asnaf"]') && body.asnaf === undefined) body.asnaf = null;
    if (form.querySelector('input[name="social"]') && body.social === undefined) body.social = false;
    return body;
  }

  /** The value a control was rendered with, as the page last had it from the server. */
  const renderedValue = (control) => (control.tagName === 'SELECT'
    ? ([...control.options].find((option) => option.defaultSelected) || control.options[0] || { value: '' }).value
    : control.defaultValue.trim());

  /**
   * An edit form's body (data-changed="only"): only the fields whose value differs from the one rendered. A cleared
   * optional field is sent as null (evidence notes: none); a cleared required one as '' for the API to refuse at it.
   */
  function changesOf(form) {
    const body = {};
    const boxes = [...form.querySelectorAll('input[type="checkbox"][name="asnaf"]')];
    const checked = boxes.filter((box) => box.checked).map((box) => box.value);
    if (checked.join() !== boxes.filter((box) => box.defaultChecked).map((box) => box.value).join()) body.asnaf = checked;
    for (const control of form.querySelectorAll('input[name]:not([type="checkbox"]):not([type="hidden"]), select[name], textarea[name]')) {
      const value = control.value.trim();
      if (value !== renderedValue(control)) body[control.name] = value === '' && !control.required ? null : value;
    }
    // The version the page was rendered with, so a change made meanwhile refuses this one (mustahik_changed).
    const version = form.querySelector('input[type="hidden"][name="expected_updated_at"]');
    if (version && Object.keys(body).length > 0) body.expected_updated_at = version.value;
    return body;
  }

  /** Shows a refusal at its field (problem.field, or a validation error's path), else at the form's error line. */
  function showProblem(form, problem) {
    for (const node of form.querySelectorAll('.field-error')) node.textContent = '';
    for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
    const fallback = form.dataset.error ? $(form.dataset.error) : form.querySelector('p.field-error[role="alert"]');
    if (fallback) fallback.textContent = '';
    const paths = [problem.field, ...(problem.errors || []).map((item) => String(item.path || '').replace(/^\//, '').split('/')[0]
      || ((item.message || '').match(/'([a-z_]+)'/) || [])[1])].filter(Boolean);
    const target = paths.map((name) => form.querySelector(`#f-${name}-error`)).find(Boolean);
    (target || fallback).textContent = problemText(problem);
    const input = target ? $(target.id.replace(/-error$/, '')) : null;
    if (input) { input.setAttribute('aria-invalid', 'true'); if (typeof input.focus === 'function') input.focus(); }
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
    event.preventDefault();
    // A form with two steps (reject or cancel, with one reason) names each step's endpoint on its button.
    const button = event.submitter || form.querySelector('button[type="submit"]');
    const step = button && button.dataset.api ? button.dataset : form.dataset;
    const changedOnly = form.dataset.changed === 'only';
    const body = changedOnly ? changesOf(form) : bodyOf(form);
    // An approval's form has no field at all; only an edit form with nothing changed has nothing to send.
    if (changedOnly && Object.keys(body).length === 0) { showProblem(form, { detail: texts.messages['record.unchanged'] }); return; }
    if (button) button.disabled = true;
    fetch(step.api, { method: form.dataset.method || 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (response) => {
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) { if (button) button.disabled = false; showProblem(form, answer); return; }
      await load(texts.messages[step.done] || '');
    }, () => { if (button) button.disabled = false; showProblem(form, { detail: texts.messages['error.network'] }); });
  });

  load('').catch((error) => { const status = $('room-status'); if (status) status.textContent = String(error); });
})();
