// The rating page's script, inlined by server.ts under a CSP nonce. Plain browser JavaScript (the
// project's TypeScript config has no DOM types). Every piece of data goes into the page through
// textContent, never innerHTML, so a query holding markup shows as text.
'use strict';
(() => {
  const RATER_KEY = 'hybrid-eval.spotcheck.rater';
  const token = new URLSearchParams(location.search).get('token') || '';
  const $ = (id) => document.getElementById(id);

  /** @type {{ id: string, position: number, query: string, answers: [string, string], rating: null | { scores: [number|null, number|null], preference: string|null } }[]} */
  let items = [];
  let index = 0;
  let focus = 0;
  let draft = { scores: [null, null], preference: null };
  let rater = '';
  let saving = false;

  function api(path, init) {
    const headers = Object.assign({ 'x-spotcheck-token': token }, init && init.body ? { 'content-type': 'application/json' } : {});
    return fetch(path, Object.assign({}, init, { headers })).then(async (response) => {
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
      return body;
    });
  }

  function show(section) {
    for (const id of ['rater-form', 'rating', 'done']) $(id).hidden = id !== section;
  }

  function setStatus(text, isError) {
    const status = $('status');
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  function fatal(text) {
    const element = $('fatal');
    element.textContent = text;
    element.hidden = false;
  }

  // Both answers scored; an imported rating may lack the preference, which the page then asks for.
  function isRated(item) {
    return item.rating !== null && item.rating.scores[0] !== null && item.rating.scores[1] !== null;
  }

  function ratedCount() {
    return items.filter(isRated).length;
  }

  function firstUnrated(from) {
    for (let step = 0; step < items.length; step++) {
      const at = (from + step) % items.length;
      if (!isRated(items[at])) return at;
    }
    return -1;
  }

  function load(newIndex) {
    index = newIndex;
    const item = items[index];
    const rating = item.rating;
    draft = rating
      ? { scores: [rating.scores[0] ?? null, rating.scores[1] ?? null], preference: rating.preference ?? null }
      : { scores: [null, null], preference: null };
    focus = 0;
    setStatus(isRated(item) ? 'Already rated: change anything and press Enter to save again.' : '', false);
    show('rating');
    render();
    window.scrollTo(0, 0);
  }

  function render() {
    const item = items[index];
    $('progress').textContent = `Item ${index + 1} of ${items.length} · ${ratedCount()} rated`;
    $('rater-label').textContent = `Rater: ${rater}`;
    $('change-rater').hidden = false;
    $('rating').dataset.itemId = item.id;
    $('item-label').textContent = `(item ${item.position}, ${item.id})`;
    $('query-text').textContent = item.query;
    for (const answer of [0, 1]) {
      $(`answer-${answer}-text`).textContent = item.answers[answer];
      $(`answer-${answer}`).classList.toggle('focused', focus === answer);
    }
    for (const button of document.querySelectorAll('[data-score]')) {
      const answer = Number(button.dataset.answer);
      button.setAttribute('aria-pressed', String(draft.scores[answer] === Number(button.dataset.score)));
    }
    for (const button of document.querySelectorAll('[data-preference]')) {
      button.setAttribute('aria-pressed', String(draft.preference === button.dataset.preference));
    }
  }

  function setScore(answer, score) {
    draft.scores[answer] = score;
    // After Answer 1 is scored, move on to Answer 2 if it still needs a score.
    if (answer === 0 && draft.scores[1] === null) focus = 1;
    render();
  }

  function setPreference(preference) {
    draft.preference = preference;
    render();
  }

  async function save() {
    if (saving) return;
    const missing = [];
    if (draft.scores[0] === null) missing.push('a score for Answer 1');
    if (draft.scores[1] === null) missing.push('a score for Answer 2');
    if (draft.preference === null) missing.push('a preference (a, b or t)');
    if (missing.length > 0) {
      setStatus(`Not saved yet: still needs ${missing.join(', ')}.`, true);
      return;
    }
    saving = true;
    setStatus('Saving…', false);
    const item = items[index];
    try {
      await api('/api/ratings', {
        method: 'POST',
        body: JSON.stringify({ rater, itemId: item.id, scores: draft.scores, preference: draft.preference }),
      });
      item.rating = { scores: [draft.scores[0], draft.scores[1]], preference: draft.preference };
      const next = firstUnrated((index + 1) % items.length);
      if (next === -1) {
        $('progress').textContent = `All ${items.length} items rated`;
        show('done');
      } else {
        load(next);
        setStatus(`Saved item ${item.position}.`, false);
      }
    } catch (error) {
      setStatus(`Not saved: ${error.message}. Press Enter to try again.`, true);
    } finally {
      saving = false;
    }
  }

  function move(step) {
    if (items.length === 0) return;
    load((index + step + items.length) % items.length);
  }

  async function start() {
    show(null);
    setStatus('', false);
    try {
      const body = await api(`/api/items?rater=${encodeURIComponent(rater)}`);
      items = body.items;
    } catch (error) {
      fatal(`Could not load the items: ${error.message}`);
      return;
    }
    if (items.length === 0) {
      fatal('There is nothing to rate in this sample.');
      return;
    }
    const next = firstUnrated(0);
    if (next === -1) {
      $('progress').textContent = `All ${items.length} items rated`;
      $('rater-label').textContent = `Rater: ${rater}`;
      $('change-rater').hidden = false;
      show('done');
    } else {
      load(next);
    }
  }

  function askRater() {
    $('change-rater').hidden = true;
    $('rater-input').value = rater;
    show('rater-form');
    $('rater-input').focus();
  }

  function chooseRater() {
    const name = $('rater-input').value.trim();
    if (name === '') {
      $('rater-input').focus();
      return;
    }
    rater = name;
    localStorage.setItem(RATER_KEY, rater);
    start();
  }

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target instanceof HTMLInputElement) {
      if (event.key === 'Enter') {
        event.preventDefault();
        chooseRater();
      }
      return;
    }
    if ($('rating').hidden) return;
    const key = event.key;
    let handled = true;
    if (key >= '1' && key <= '5' && key.length === 1) setScore(focus, Number(key));
    else if (key === 'Tab') {
      focus = 1 - focus;
      render();
    } else if (key === 'ArrowLeft') {
      focus = 0;
      render();
    } else if (key === 'ArrowRight') {
      focus = 1;
      render();
    } else if (key === 'a' || key === 'A') setPreference('1');
    else if (key === 'b' || key === 'B') setPreference('2');
    else if (key === 't' || key === 'T') setPreference('tie');
    else if (key === 'Enter') save();
    else if (key === 'n' || key === 'N') move(1);
    else if (key === 'p' || key === 'P') move(-1);
    else handled = false;
    if (handled) event.preventDefault();
  });

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button') : null;
    if (!button) return;
    if (button.dataset.score) {
      focus = Number(button.dataset.answer);
      setScore(focus, Number(button.dataset.score));
    } else if (button.dataset.preference) setPreference(button.dataset.preference);
    else if (button.id === 'save') save();
    else if (button.id === 'next') move(1);
    else if (button.id === 'previous') move(-1);
    else if (button.id === 'review') load(0);
    else if (button.id === 'change-rater') askRater();
    else if (button.id === 'rater-start') chooseRater();
  });

  for (const answer of [0, 1]) {
    $(`answer-${answer}`).addEventListener('mousedown', () => {
      focus = answer;
      render();
    });
  }

  rater = (localStorage.getItem(RATER_KEY) || '').trim();
  if (rater === '') askRater();
  else start();
})();
