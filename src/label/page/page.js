// The labelling page's script, inlined by server.ts under a CSP nonce. Plain browser JavaScript.
// Query text goes into the page through textContent only, so markup in a query shows as text.
'use strict';
(() => {
  const RATER_KEY = 'hybrid-eval.label.rater';
  const token = new URLSearchParams(location.search).get('token') || '';
  const $ = (id) => document.getElementById(id);
  let batch = [];
  let index = 0;
  let rater = '';
  let saving = false;
  let done = 0;

  function api(path, init) {
    const headers = Object.assign({ 'x-label-token': token }, init && init.body ? { 'content-type': 'application/json' } : {});
    return fetch(path, Object.assign({}, init, { headers })).then(async (response) => {
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
      return body;
    });
  }

  function show(section) {
    for (const id of ['rater-form', 'labelling', 'done']) $(id).hidden = id !== section;
  }

  function setStatus(text, isError) {
    $('status').textContent = text;
    $('status').className = isError ? 'error' : '';
  }

  function fatal(text) {
    $('fatal').textContent = text;
    $('fatal').hidden = false;
  }

  async function loadBatch() {
    const body = await api(`/api/batch?token=${encodeURIComponent(token)}&rater=${encodeURIComponent(rater)}`);
    batch = body.batch;
    done = body.done;
    index = 0;
    $('rater-label').textContent = `Rater: ${rater}`;
    $('change-rater').hidden = false;
    if (batch.length === 0) {
      $('progress').textContent = `${done} labelled`;
      show('done');
      return;
    }
    render();
  }

  function render() {
    const item = batch[index];
    $('progress').textContent = `Item ${index + 1} of ${batch.length} in this batch · ${done} labelled`;
    $('labelling').dataset.itemId = item.id;
    $('item-label').textContent = `(${item.id})`;
    $('query-text').textContent = item.text;
    for (const button of document.querySelectorAll('.choices button')) button.classList.remove('chosen');
    setStatus('', false);
    show('labelling');
  }

  async function choose(label) {
    if (saving || batch.length === 0 || $('labelling').hidden) return;
    saving = true;
    const item = batch[index];
    const button = document.querySelector(`.choices button[data-label="${label}"]`);
    if (button) button.classList.add('chosen');
    try {
      await api(`/api/labels?token=${encodeURIComponent(token)}`, { method: 'POST', body: JSON.stringify({ rater, itemId: item.id, label }) });
      done += 1;
      index += 1;
      if (index >= batch.length) await loadBatch();
      else render();
    } catch (error) {
      setStatus(`Not saved: ${error.message}. Press the key again to retry.`, true);
    } finally {
      saving = false;
    }
  }

  function start(name) {
    rater = name.trim();
    if (rater === '') return;
    try {
      localStorage.setItem(RATER_KEY, rater);
    } catch {
      // Private windows may refuse storage; the name then lasts for this page only.
    }
    loadBatch().catch((error) => fatal(`Cannot load items: ${error.message}`));
  }

  $('rater-start').addEventListener('click', () => start($('rater-input').value));
  $('rater-input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') start($('rater-input').value);
  });
  $('change-rater').addEventListener('click', () => {
    $('rater-input').value = rater;
    show('rater-form');
    $('rater-input').focus();
  });
  for (const button of document.querySelectorAll('.choices button')) {
    button.addEventListener('click', () => choose(button.dataset.label));
  }
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
    const label = { 1: 'simple', 2: 'medium', 3: 'complex', s: 'skip' }[event.key];
    if (label) {
      event.preventDefault();
      choose(label);
    }
  });

  let saved = '';
  try {
    saved = localStorage.getItem(RATER_KEY) || '';
  } catch {
    saved = '';
  }
  if (saved) start(saved);
  else {
    show('rater-form');
    $('rater-input').focus();
  }
})();
