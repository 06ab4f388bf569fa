// The user explorer (issue 21, item 6): one person's sessions and events from raw hits (runUserTimeline), searched by
// client id or user id, and for the property's administrators the erasure of that person (POST
// /api/v1/admin/erasures) after a confirm. The searched id is kept in memory only, never in the URL's hash: it is
// person data, and a hash ends up in bookmarks and shared links. Loaded before app.js and called from its render().
'use strict';

const explorerSearch = { kind: 'clientId', id: '' };

/** Whether the signed-in user administers the current property (the erasure API's condition). */
function administersProperty() {
  const p = (state.properties || []).find((x) => x.propertyId === state.property) || {};
  return !!state.admin || p.role === 'admin';
}

async function renderExplorer(main) {
  const kind = el('select', { id: 'explorer-kind', 'aria-label': 'Search by' },
    el('option', { value: 'clientId' }, 'Client id'), el('option', { value: 'userId' }, 'User id'));
  kind.value = explorerSearch.kind;
  const input = el('input', { id: 'explorer-id', type: 'search', maxlength: '256', required: '',
    'aria-label': 'Client id or user id', placeholder: 'e.g. 1234567.8901234' });
  input.value = explorerSearch.id;
  const form = el('form', { id: 'explorer-form', class: 'explorer-search' }, kind, input,
    el('button', { type: 'submit' }, 'Show timeline'));
  const out = el('div', { id: 'explorer-result' });
  main.append(card('User explorer', true, el('p', { class: 'muted small' },
    'One person\u2019s sessions and events of the last 90 days, from raw hits (bots left out). A user id joins every client that sent it.'),
  form, out));
  form.onsubmit = (ev) => {
    ev.preventDefault();
    explorerSearch.kind = kind.value; explorerSearch.id = input.value.trim();
    if (explorerSearch.id) showTimeline(out);
  };
  if (explorerSearch.id) await showTimeline(out);
}

async function showTimeline(out) {
  loading(out);
  const body = { [explorerSearch.kind]: explorerSearch.id };
  let t;
  try {
    t = await api('POST', '/api/v1/properties/' + encodeURIComponent(state.property) + ':runUserTimeline', body);
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)); return;
  }
  if (!t.person) { out.replaceChildren(el('p', { class: 'empty', id: 'explorer-empty' }, 'No events of this person in the last 90 days.')); return; }
  const p = t.person;
  const facts = [['Client ids', p.clientIds.join(', ')], ['User ids', p.userIds.join(', ') || '(none)'],
    ['First seen', p.firstSeen], ['Last seen', p.lastSeen], ['Sessions', p.sessions], ['Events', p.events],
    ['Country', p.country || '(not set)'], ['Device', p.deviceCategory || '(not set)']];
  const summary = el('dl', { class: 'person', id: 'explorer-person' }, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const parts = [summary];
  if (t.metadata && t.metadata.truncated) {
    parts.push(el('p', { class: 'muted small' }, 'Only the latest events are listed; the totals count them all.'));
  }
  if (administersProperty()) parts.push(eraseButton(out));
  // Newest session first, as a visitor log reads; events in each in the order they happened.
  const sessions = t.sessions.slice().reverse().map((s) => el('section', { class: 'card session', 'data-session': s.sessionId },
    el('h3', {}, s.start + ' \u2013 ' + s.end.slice(11)),
    el('p', { class: 'muted small' }, [s.engaged ? 'Engaged' : 'Not engaged', (s.source || '(not set)') + ' / ' + (s.medium || '(not set)'),
      s.channelGroup, 'landing ' + (s.landingPage || '(not set)'), s.deviceCategory, s.browser, s.country,
      'client ' + s.clientId].filter((x) => x).join(' \u00b7 ')),
    el('ol', { class: 'events' }, s.events.map((e) => el('li', {}, el('time', {}, e.ts.slice(11, 19)), ' ', el('strong', {}, e.name),
      e.pagePath ? ' ' + e.pagePath : '', e.pageTitle ? ' \u2014 ' + e.pageTitle : '',
      e.params ? ' ' + Object.entries(e.params).map(([k, v]) => k + '=' + v).join(', ') : '')))));
  out.replaceChildren(...parts, ...sessions);
}

/** "Erase this person": the existing erasure API, by the id searched for, after a confirm. */
function eraseButton(out) {
  const status = el('span', { class: 'muted small', role: 'status', id: 'explorer-erase-status' });
  const button = el('button', { type: 'button', class: 'danger', id: 'explorer-erase' }, 'Erase this person');
  button.onclick = async () => {
    const what = (explorerSearch.kind === 'userId' ? 'user id ' : 'client id ') + explorerSearch.id;
    if (!window.confirm('Erase every hit of ' + what + ' from every store of this property? This cannot be undone.')) return;
    button.disabled = true; status.textContent = 'Erasing…';
    try {
      const r = await api('POST', '/api/v1/admin/erasures', { property: state.property, [explorerSearch.kind]: explorerSearch.id });
      status.textContent = 'Erased ' + r.rowsErased + ' raw hits; the reports are being rebuilt.';
      out.querySelectorAll('section.session').forEach((s) => s.remove());
    } catch (e) {
      status.textContent = e.message; button.disabled = false;
    }
  };
  return el('p', {}, button, ' ', status);
}
