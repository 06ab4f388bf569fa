// Management in the dashboard: the property's settings and api secret, a new property with its setup and first hit,
// the account (password, API tokens) and users. The words are the CLI's (bin/beacon property|key-event|user|token|
// password). Loaded before app.js; shares its global scope, so every top-level name here starts with "manage".
// No window.confirm: a destructive action asks inline, in the page, where a keyboard reaches it too.
'use strict';

const manageProp = (id) => '/api/v1/admin/properties/' + encodeURIComponent(id);

/** The IANA time zones the browser knows, with UTC and the current value even if it lacks them. */
function manageTimeZones(current) {
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch (e) { zones = []; }
  const all = new Set(['UTC', ...zones]);
  if (current) all.add(current);
  return [...all].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

function manageZoneSelect(id, name, current) {
  const s = el('select', { id, name });
  manageTimeZones(current).forEach((z) => s.append(el('option', { value: z }, z)));
  s.value = current || 'UTC';
  return s;
}

/** A labelled field: the label, the control, and the place its API error is shown (aria-describedby). */
function manageField(label, control, hint) {
  const err = el('span', { class: 'error field-error', id: control.id + '-error', role: 'alert' });
  control.setAttribute('aria-describedby', err.id);
  return el('div', { class: 'field', 'data-field': control.name || control.id },
    el('label', { for: control.id }, label), control, hint ? el('span', { class: 'muted small' }, hint) : '', err);
}

function manageInput(id, name, value, type, extra) {
  const i = el('input', Object.assign({ id, name, type: type || 'text' }, extra || {}));
  i.value = value == null ? '' : String(value);
  return i;
}

const manageList = (s) => String(s || '').split(',').map((x) => x.trim()).filter(Boolean);

/**
 * Chips with an × each and an input to add one (Enter or the Add button). Returns { node, values() }.
 * The input gets {@code id} so the field's label names it.
 */
function manageChips(id, values, what) {
  let items = [...values];
  const list = el('span', { class: 'chips', id: id + '-chips' });
  const input = el('input', { id, type: 'text', name: id });
  const draw = () => list.replaceChildren(...items.map((v) => {
    const x = el('button', { type: 'button', 'aria-label': 'Remove ' + what + ' ' + v }, '×');
    x.onclick = () => { items = items.filter((i) => i !== v); draw(); input.focus(); };
    return el('span', { class: 'chip', 'data-value': v }, v, x);
  }));
  const add = () => {
    manageList(input.value).forEach((v) => { if (!items.includes(v)) items.push(v); });
    input.value = ''; draw();
  };
  input.onkeydown = (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } };
  const addButton = el('button', { type: 'button', id: id + '-add' }, 'Add');
  addButton.onclick = add;
  draw();
  // Text typed but not added yet counts too: Save means what the person sees.
  return { node: el('span', { class: 'chip-editor' }, list, input, addButton), input,
    values: () => [...items, ...manageList(input.value).filter((v) => !items.includes(v))] };
}

/** Shows an API error next to the field it names (keyEvents[2] → keyEvents), else in {@code fallback}. */
function manageShowError(form, e, fallback) {
  form.querySelectorAll('.field-error').forEach((n) => { n.textContent = ''; });
  const field = String(e.field || '').replace(/\[\d+\]$/, '');
  const box = field && form.querySelector('.field[data-field="' + CSS.escape(field) + '"] .field-error');
  if (box) box.textContent = e.message;
  else fallback.textContent = e.message;
  if (box) fallback.textContent = 'Not saved: see ' + field + '.';
}

/**
 * The browser's own checks (required, number ranges) before a request: each message next to its field. False if any
 * failed; the API checks again and its errors are shown the same way.
 */
function manageValid(form, fallback) {
  let ok = true;
  form.querySelectorAll('.field-error').forEach((n) => { n.textContent = ''; });
  form.querySelectorAll('input, select').forEach((i) => {
    if (i.validity.valid) return;
    ok = false;
    const box = i.closest('.field') && i.closest('.field').querySelector('.field-error');
    if (box) box.textContent = i.validationMessage;
  });
  if (!ok) fallback.textContent = 'Not saved: see the marked fields.';
  return ok;
}

/** A button that asks in place before it acts: a second button confirms, another cancels. */
function manageConfirmButton(label, question, action, attrs) {
  const wrap = el('span', { class: 'confirm' });
  const first = el('button', Object.assign({ type: 'button' }, attrs || {}), label);
  const ask = () => {
    const yes = el('button', { type: 'button', class: 'danger confirm-yes' }, label);
    const no = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
    no.onclick = () => { wrap.onkeydown = null; wrap.replaceChildren(first); first.focus(); };
    yes.onclick = async () => { yes.disabled = true; wrap.onkeydown = null; try { await action(); } finally { wrap.replaceChildren(first); } };
    // Escape cancels, as it closes a dialog; the keyboard goes back to the button that asked.
    wrap.onkeydown = (e) => { if (e.key === 'Escape') { e.preventDefault(); no.onclick(); } };
    wrap.replaceChildren(el('span', { class: 'small' }, question + ' '), yes, no);
    yes.focus();
  };
  first.onclick = ask;
  wrap.append(first);
  return wrap;
}

/** Copies text; headless or denied clipboards say so instead of throwing. */
function manageCopyButton(label, text, status) {
  const b = el('button', { type: 'button', class: 'secondary' }, label);
  b.onclick = () => {
    const done = (msg) => { if (status) status.textContent = msg; };
    if (!navigator.clipboard) { done('Copy is not available here: select the text.'); return; }
    navigator.clipboard.writeText(typeof text === 'function' ? text() : text).then(() => done('Copied.'),
      () => done('The browser refused to copy: select the text.'));
  };
  return b;
}

/** The collector's base URL, read from the snippet the API answers (its script's src). */
function manageCollector(p) {
  const m = /src="([^"]+)\/beacon\.js"/.exec(p.snippet || '');
  return m ? m[1] : location.protocol + '//' + location.hostname + ':8080';
}

/** The Settings tab: every setting of the property, saved with PATCH of what changed; the api secret. */
async function renderPropertySettings(main) {
  const id = state.property;
  const p = await api('GET', manageProp(id));
  if (p.apiSecret === undefined) {
    main.append(card('Tracking snippet', true, el('pre', { class: 'snippet' }, p.snippet)),
      card('Property settings', true, el('p', { class: 'muted' }, 'Only the property\'s admins see and change its settings.')));
    return;
  }
  const name = manageInput('set-name', 'name', p.name, 'text', { maxlength: '100', required: '' });
  const zone = manageZoneSelect('set-timeZone', 'timeZone', p.timeZone);
  const hosts = manageChips('set-allowedHostnames', p.allowedHostnames || [], 'hostname');
  const events = manageChips('set-keyEvents', p.keyEvents || [], 'key event');
  const dnt = el('input', { id: 'set-respectDnt', name: 'respectDnt', type: 'checkbox' }); dnt.checked = !!p.respectDnt;
  const cookieless = el('input', { id: 'set-cookieless', name: 'cookieless', type: 'checkbox' }); cookieless.checked = !!p.cookieless;
  const kept = manageInput('set-keptQueryParams', 'keptQueryParams', (p.keptQueryParams || []).join(', '));
  const retention = manageInput('set-retentionDays', 'retentionDays', p.retentionDays, 'number', { min: '1', max: '3650' });
  const timeout = manageInput('set-sessionTimeoutMinutes', 'sessionTimeoutMinutes', p.sessionTimeoutMinutes, 'number', { min: '5', max: '475' });
  const engaged = manageInput('set-engagedSessionSeconds', 'engagedSessionSeconds', p.engagedSessionSeconds, 'number', { min: '10', max: '60' });
  const plausible = manageInput('set-plausibleDomains', 'plausibleDomains', (p.plausibleDomains || []).join(', '));
  const streams = manageInput('set-streamIds', 'streamIds', (p.streamIds || []).join(', '));
  const status = el('p', { class: 'muted', id: 'settings-status', role: 'status' });
  const form = el('form', { class: 'settings', id: 'settings-form', novalidate: '' },
    manageField('Name', name),
    manageField('Time zone', zone, 'What a day is in every report.'),
    el('div', { class: 'field', 'data-field': 'allowedHostnames' }, el('label', { for: hosts.input.id }, 'Allowed hostnames'), hosts.node,
      el('span', { class: 'muted small' }, 'Hits from other hosts are refused (none: any host); referrers from them count as the site itself.'),
      el('span', { class: 'error field-error', role: 'alert' })),
    el('div', { class: 'field', 'data-field': 'keyEvents' }, el('label', { for: events.input.id }, 'Key events'), events.node,
      el('span', { class: 'muted small' }, 'Changing them rebuilds past days.'), el('span', { class: 'error field-error', role: 'alert' })),
    el('div', { class: 'field switch', 'data-field': 'respectDnt' }, dnt, el('label', { for: dnt.id }, 'Respect Do Not Track and Global Privacy Control'),
      el('span', { class: 'error field-error', role: 'alert' })),
    el('div', { class: 'field switch', 'data-field': 'cookieless' }, cookieless, el('label', { for: cookieless.id }, 'Cookieless (no client id stored in the browser)'),
      el('span', { class: 'error field-error', role: 'alert' })),
    manageField('Query parameters kept in page URLs', kept, 'Comma-separated; utm_* keeps a prefix, * keeps all, empty strips all.'),
    manageField('Raw hits retention (days)', retention, 'Empty: the node\'s default.'),
    manageField('Session timeout (minutes)', timeout, '5-475; changing it rebuilds past days.'),
    manageField('Engaged session after (seconds)', engaged, '10-60; changing it rebuilds past days.'),
    manageField('Plausible domains', plausible, 'Comma-separated, as data-domain names the site.'),
    manageField('Stream ids (gtag / Measurement Protocol)', streams, 'Comma-separated, e.g. G-XXXXXXXXXX.'),
    el('button', { type: 'submit', id: 'settings-save' }, 'Save'), status);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const num = (i) => (i.value.trim() === '' ? null : Number(i.value));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const now = { name: name.value.trim(), timeZone: zone.value, allowedHostnames: hosts.values(), keyEvents: events.values(),
      respectDnt: dnt.checked, cookieless: cookieless.checked, keptQueryParams: manageList(kept.value), retentionDays: num(retention),
      sessionTimeoutMinutes: num(timeout), engagedSessionSeconds: num(engaged), plausibleDomains: manageList(plausible.value),
      streamIds: manageList(streams.value) };
    // Only what changed: a property on the default query-parameter list keeps following it, and untouched settings
    // are not rewritten.
    const patch = {};
    Object.keys(now).forEach((k) => { if (!same(now[k], p[k] === undefined ? null : p[k])) patch[k] = now[k]; });
    form.querySelectorAll('.field-error').forEach((n) => { n.textContent = ''; });
    if (!manageValid(form, status)) return;
    if (!Object.keys(patch).length) { status.textContent = 'Nothing changed.'; return; }
    status.textContent = 'Saving…';
    try {
      const saved = await api('PATCH', manageProp(id), patch);
      Object.assign(p, saved);
      const hist = saved.historyRecompute;
      status.textContent = 'Saved.' + (hist ? (hist.error ? ' ' + hist.error : ' Past days from ' + hist.from + ' are being rebuilt.') : '');
      const listed = state.properties.find((x) => x.propertyId === id);
      if (listed) { Object.assign(listed, { name: saved.name, timeZone: saved.timeZone }); manageRefreshPicker(); }
    } catch (e) { manageShowError(form, e, status); }
  };
  main.append(card('Tracking snippet', true, el('pre', { class: 'snippet' }, p.snippet)),
    card('Property settings', true, form), manageAnnotationsCard(p), manageSecretCard(p), manageDangerCard(p),
    manageTrashCard());
}

/** Annotations: notes on days of the timeline, drawn on the overview's chart; listed, added and deleted here. */
function manageAnnotationsCard(p) {
  const path = '/api/v1/properties/' + encodeURIComponent(p.propertyId) + '/annotations';
  const list = el('ul', { class: 'trash', id: 'annotation-list' }, el('li', { class: 'muted' }, 'Loading…'));
  const status = el('p', { class: 'muted small', id: 'annotation-status', role: 'status' });
  const date = manageInput('annotation-date', 'date', new Date().toISOString().slice(0, 10), 'date', { required: '' });
  const title = manageInput('annotation-title', 'title', '', 'text', { maxlength: '150', required: '', autocomplete: 'off' });
  const description = manageInput('annotation-description', 'description', '', 'text', { maxlength: '1000', autocomplete: 'off' });
  const form = el('form', { class: 'settings', id: 'annotation-form', novalidate: '' },
    manageField('Date', date), manageField('Title', title), manageField('Description (optional)', description),
    el('button', { type: 'submit' }, 'Add annotation'));
  const load = async () => {
    try {
      const r = await api('GET', path);
      list.replaceChildren(...(r.annotations.length ? r.annotations.map((a) => {
        const del = el('button', { type: 'button', class: 'link', 'aria-label': 'Delete annotation ' + a.title }, 'Delete');
        del.onclick = async () => {
          try { await api('DELETE', path + '/' + a.id); status.textContent = 'Deleted.'; load(); } catch (e) { status.textContent = e.message; }
        };
        return el('li', { 'data-annotation': a.id }, el('span', { class: 'muted' }, a.date + ' '), a.title, ' ', del);
      }) : [el('li', { class: 'muted' }, 'None yet.')]));
    } catch (e) { list.replaceChildren(el('li', { class: 'muted' }, e.message)); }
  };
  form.onsubmit = async (e) => {
    e.preventDefault();
    form.querySelectorAll('.field-error').forEach((n) => { n.textContent = ''; });
    if (!manageValid(form, status)) return;
    try {
      await api('POST', path, { date: date.value, title: title.value, description: description.value || null });
      title.value = ''; description.value = ''; status.textContent = 'Added.'; load();
    } catch (err) { manageShowError(form, err, status); }
  };
  load();
  return card('Annotations', true, el('p', { class: 'muted small' }, 'Notes on days of the timeline ("new pricing page"), drawn on the overview\'s chart.'),
    list, form, status);
}

/** The Measurement Protocol api secret: masked, shown on request, copied, rotated after an inline confirmation. */
function manageSecretCard(p) {
  const value = el('code', { id: 'api-secret', 'data-masked': 'true' }, '••••••••••••');
  let shown = false;
  const status = el('span', { class: 'muted small', id: 'secret-status', role: 'status' });
  const toggle = el('button', { type: 'button', class: 'secondary', id: 'secret-show' }, 'Show');
  const draw = () => { value.textContent = shown ? p.apiSecret : '••••••••••••'; value.dataset.masked = String(!shown); toggle.textContent = shown ? 'Hide' : 'Show'; };
  toggle.onclick = () => { shown = !shown; draw(); };
  const rotate = manageConfirmButton('Rotate secret', 'Senders using the old secret are refused at once.', async () => {
    try {
      const r = await api('POST', manageProp(p.propertyId) + '/secret');
      p.apiSecret = r.apiSecret; draw(); status.textContent = 'Rotated: update your Measurement Protocol senders.';
    } catch (e) { status.textContent = e.message; }
  }, { id: 'secret-rotate' });
  return card('Measurement Protocol api secret', true, el('div', { class: 'secret' }, value, toggle,
    manageCopyButton('Copy', () => p.apiSecret, status), rotate), status);
}

/** Refills the property picker from state.properties. */
function manageRefreshPicker() {
  $('property').replaceChildren(...state.properties.map((x) => el('option', { value: x.propertyId }, x.name + ' (' + x.propertyId + ')')));
  if (state.property) $('property').value = state.property;
}

/** The setup snippets of a property: Beacon's tracker, gtag, GA4 MP and Plausible's tracker. */
function manageSetup(p, domain) {
  const c = manageCollector(p);
  const snippet = (title, id, text, hint) => {
    const status = el('span', { class: 'muted small', role: 'status' });
    return el('div', { class: 'setup', 'data-setup': id }, el('h3', {}, title), hint ? el('p', { class: 'muted small' }, hint) : '',
      el('pre', { class: 'snippet' }, text), el('div', {}, manageCopyButton('Copy', text, status), ' ', status));
  };
  const site = 'https://' + (domain || 'example.com') + '/';
  return [
    snippet("Beacon's tracker", 'beacon', p.snippet, 'In every page\'s <head>.'),
    snippet('gtag.js (keep your tag)', 'gtag', "gtag('config', 'G-XXXXXXXXXX', { transport_url: '" + c + "' });",
      'Add your measurement id to the property\'s stream ids (Settings), so its hits land here.'),
    snippet('GA4 Measurement Protocol', 'mp', 'curl -X POST "' + c + '/mp/collect?measurement_id=' + p.propertyId + '&api_secret=' + p.apiSecret
      + '" \\\n  -H "Content-Type: application/json" \\\n  -d \'{"client_id":"123.456","events":[{"name":"page_view","params":{"page_location":"' + site + '"}}]}\''),
    snippet("Plausible's tracker", 'plausible', '<script defer data-domain="' + (domain || 'example.com') + '" data-api="' + c
      + '/api/event" src="https://plausible.io/js/script.js"></script>', 'Add the domain to the property\'s Plausible domains (Settings).'),
  ];
}

/**
 * Waits live for the property's first hit on the realtime stream: "Waiting for the first hit…", then "Received a
 * page_view from /pricing (DE / desktop) at 14:05".
 */
function manageAwaitFirstHit(propertyId, box) {
  box.textContent = 'Waiting for the first hit…';
  const source = new EventSource('/api/v1/properties/' + encodeURIComponent(propertyId) + '/realtime/stream');
  const top = (list) => ((list || [])[0] || {}).value;
  source.addEventListener('snapshot', (e) => {
    const s = JSON.parse(e.data);
    if (!(s.pageViews > 0 || s.events > 0)) return;
    // "(not set)" (a country unknown for a local address) says nothing to the reader: left out.
    const known = (v) => v && v !== '(not set)';
    const page = known(top(s.topPages)) ? top(s.topPages) : 'a visitor';
    const who = [top(s.topCountries), top(s.topDevices)].filter(known).join(' / ');
    const at = new Date(s.asOf || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    box.textContent = 'Received ' + (s.pageViews > 0 ? 'a page_view' : 'an event') + ' from ' + page + (who ? ' (' + who + ')' : '') + ' at ' + at;
    box.classList.add('received');
    source.close();
  });
  source.onerror = () => { if (!box.classList.contains('received')) box.textContent = 'Waiting for the first hit… (reconnecting)'; };
  state.closeStream = () => source.close();
}

/** New property: name, domain, time zone, key events; then its setup and the wait for its first hit. */
function renderNewProperty(main) {
  manageNewProperty(main, 'New property');
  main.append(manageTrashCard());
}

/**
 * The new-property form in {@code container}, titled {@code title}: once created, the card becomes the property's
 * setup (the four snippets) with the live wait for its first hit, and {@code onCreated(p, setupCard)} may add to it.
 * Shared by the New property tab and the first-run page (setup.js).
 */
function manageNewProperty(container, title, onCreated) {
  const name = manageInput('new-name', 'name', '', 'text', { maxlength: '100', required: '', autocomplete: 'off' });
  const domain = manageInput('new-domain', 'allowedHostnames', '', 'text', { placeholder: 'example.com', autocapitalize: 'off', autocomplete: 'off' });
  let guess = 'UTC';
  try { guess = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (e) { guess = 'UTC'; }
  const zone = manageZoneSelect('new-timeZone', 'timeZone', guess);
  const events = manageInput('new-keyEvents', 'keyEvents', '', 'text', { placeholder: 'sign_up, purchase', autocomplete: 'off' });
  const status = el('p', { class: 'muted', id: 'new-status', role: 'status' });
  const form = el('form', { class: 'settings', id: 'new-property-form', novalidate: '' },
    manageField('Name', name), manageField('Domain', domain, 'Hits are accepted from this host (and counted as the site itself).'),
    manageField('Time zone', zone, 'What a day is in every report.'), manageField('Key events', events, 'Comma-separated event names.'),
    el('button', { type: 'submit', id: 'new-create' }, 'Create property'), status);

  form.onsubmit = async (ev) => {
    ev.preventDefault();
    if (!manageValid(form, status)) return;
    const host = domain.value.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/[/:].*$/, '');
    status.textContent = 'Creating…';
    try {
      const p = await api('POST', '/api/v1/admin/properties', { name: name.value.trim(), timeZone: zone.value,
        allowedHostnames: host ? [host] : [], keyEvents: manageList(events.value) });
      form.querySelectorAll('.field-error').forEach((n) => { n.textContent = ''; });
      status.textContent = 'Created ' + p.name + ' (' + p.propertyId + ').';
      state.properties = state.properties.concat([Object.assign({ role: 'admin' }, p)]);
      state.property = p.propertyId;
      manageRefreshPicker();
      labelsFor(p.propertyId).catch(() => {});
      const live = el('p', { id: 'first-hit', class: 'first-hit', role: 'status' });
      const setup = card('Set up ' + p.name + ' (' + p.propertyId + ')', true, live,
        el('p', {}, 'Send hits whichever way your site does already:'), el('div', { class: 'setups' }, manageSetup(p, host)));
      setup.id = 'new-setup';
      formCard.replaceWith(setup);
      manageAwaitFirstHit(p.propertyId, live);
      if (onCreated) onCreated(p, setup);
      // The keyboard's place was the Create button, now gone: the new card's heading takes it.
      const heading = setup.querySelector('h2');
      heading.tabIndex = -1; heading.focus();
    } catch (e) { manageShowError(form, e, status); }
  };
  const formCard = card(title, true, form);
  container.append(formCard);
}

/** Account: change password; API tokens (list, create and show once, revoke). */
async function renderAccount(main) {
  const cur = manageInput('acct-current', 'currentPassword', '', 'password', { autocomplete: 'current-password' });
  const nw = manageInput('acct-new', 'newPassword', '', 'password', { autocomplete: 'new-password', minlength: '12' });
  const again = manageInput('acct-again', 'newPasswordAgain', '', 'password', { autocomplete: 'new-password', minlength: '12' });
  const pwStatus = el('p', { class: 'muted', role: 'status' });
  const pwForm = el('form', { class: 'settings', id: 'password-change-form', novalidate: '' },
    manageField('Current password', cur), manageField('New password', nw, 'At least 12 characters.'), manageField('New password again', again),
    el('button', { type: 'submit' }, 'Change password'), pwStatus);
  pwForm.onsubmit = async (ev) => {
    ev.preventDefault();
    if (!manageValid(pwForm, pwStatus)) return;
    if (nw.value !== again.value) { manageShowError(pwForm, { field: 'newPasswordAgain', message: 'The new passwords differ.' }, pwStatus); return; }
    try {
      await api('POST', '/api/v1/account/password', { currentPassword: cur.value, newPassword: nw.value });
      [cur, nw, again].forEach((i) => { i.value = ''; });
      pwForm.querySelectorAll('.field-error').forEach((n) => { n.textContent = ''; });
      pwStatus.textContent = 'Password changed.';
    } catch (e) { manageShowError(pwForm, e, pwStatus); }
  };

  const list = el('div', { id: 'tokens', class: 'scroll' });
  const tname = manageInput('token-name', 'name', '', 'text', { maxlength: '100' });
  const scope = el('select', { id: 'token-scope', name: 'scope' }, el('option', { value: 'read' }, 'read'), el('option', { value: 'admin' }, 'admin'));
  const expires = manageInput('token-expires', 'expiresAt', '', 'date');
  const tStatus = el('p', { class: 'muted', role: 'status' });
  const shown = el('div', { id: 'token-new' });
  const tForm = el('form', { class: 'settings', id: 'token-form', novalidate: '' },
    manageField('Name', tname), manageField('Scope', scope, 'read: reports only; admin: also settings and users.'),
    manageField('Expires', expires, 'Empty: the default lifetime.'), el('button', { type: 'submit' }, 'Create token'), tStatus, shown);
  const load = async () => {
    const r = await api('GET', '/api/v1/tokens');
    const tokens = r.tokens || [];
    list.replaceChildren(tokens.length ? el('table', { class: 'plain' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Scope'), el('th', {}, 'Created'), el('th', {}, 'Expires'), el('th', {}, el('span', { class: 'sr-only' }, 'Actions')))),
      el('tbody', {}, tokens.map((t) => el('tr', { 'data-token': t.id }, el('td', {}, t.name), el('td', {}, t.scope),
        el('td', {}, (t.createdAt || '').slice(0, 10)), el('td', {}, t.expired ? 'expired' : (t.expiresAt || '').slice(0, 10)),
        el('td', {}, manageConfirmButton('Revoke', 'Revoke ' + t.name + '?', async () => {
          try { await api('DELETE', '/api/v1/tokens/' + encodeURIComponent(t.id)); tStatus.textContent = 'Revoked ' + t.name + '.'; await load(); }
          catch (e) { tStatus.textContent = e.message; }
        }, { class: 'secondary', 'aria-label': 'Revoke token ' + t.name })))))) : el('p', { class: 'empty' }, 'No API tokens.'));
  };
  tForm.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const body = { name: tname.value.trim(), scope: scope.value };
      if (expires.value) body.expiresAt = expires.value;
      const t = await api('POST', '/api/v1/tokens', body);
      tForm.querySelectorAll('.field-error').forEach((n) => { n.textContent = ''; });
      tname.value = ''; expires.value = '';
      const copied = el('span', { class: 'muted small', role: 'status' });
      shown.replaceChildren(el('p', {}, 'Your new token, shown this once:'), el('pre', { class: 'snippet', id: 'token-value' }, t.token),
        manageCopyButton('Copy', t.token, copied), ' ', copied);
      tStatus.textContent = 'Created ' + t.name + '.';
      await load();
    } catch (e) { manageShowError(tForm, e, tStatus); }
  };
  main.append(card('Change password', false, pwForm), card('API tokens', false, list, el('h3', {}, 'New token'), tForm));
  await load();
}

/** Users (administrators): list, create, disable/enable, delete, grant or revoke a role on the current property. */
async function renderUsers(main) {
  const list = el('div', { id: 'users', class: 'scroll' });
  const status = el('p', { class: 'muted', id: 'users-status', role: 'status' });
  const email = manageInput('user-email', 'email', '', 'email', { autocomplete: 'off' });
  const pw = manageInput('user-password', 'password', '', 'password', { autocomplete: 'new-password', minlength: '12' });
  const admin = el('input', { id: 'user-admin', name: 'admin', type: 'checkbox' });
  const cStatus = el('p', { class: 'muted', role: 'status' });
  const form = el('form', { class: 'settings', id: 'user-form', novalidate: '' },
    manageField('Email', email), manageField('First password', pw, 'At least 12 characters; they choose their own at the first login.'),
    el('div', { class: 'field switch', 'data-field': 'admin' }, admin, el('label', { for: admin.id }, 'Administrator (all properties, users)')),
    el('button', { type: 'submit' }, 'Create user'), cStatus);
  const prop = state.properties.find((x) => x.propertyId === state.property);
  const act = async (fn, done) => { try { await fn(); status.textContent = done; await load(); } catch (e) { status.textContent = e.message; } };
  const load = async () => {
    const r = await api('GET', '/api/v1/admin/users');
    list.replaceChildren(el('table', { class: 'plain' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Email'), el('th', {}, 'Kind'), el('th', {}, 'Status'), el('th', {}, 'Actions'))),
      el('tbody', {}, (r.users || []).map((u) => {
        const path = '/api/v1/admin/users/' + encodeURIComponent(u.email);
        const toggle = el('button', { type: 'button', class: 'secondary', 'data-action': u.disabled ? 'enable' : 'disable' }, u.disabled ? 'Enable' : 'Disable');
        toggle.setAttribute('aria-label', (u.disabled ? 'Enable ' : 'Disable ') + u.email);
        toggle.onclick = () => act(() => api('PATCH', path, { disabled: !u.disabled }), (u.disabled ? 'Enabled ' : 'Disabled ') + u.email + '.');
        // A flex box inside the cell: a cell that is itself one leaves the table's layout.
        // Administrators cannot disable or delete themselves (the API refuses it): no such buttons on their own row.
        const self = u.email === state.email;
        const actions = el('div', { class: 'actions' }, self ? '' : toggle);
        if (prop) {
          const role = el('select', { 'aria-label': 'Role of ' + u.email + ' on ' + prop.name },
            el('option', { value: 'viewer' }, 'viewer'), el('option', { value: 'admin' }, 'admin'));
          const grant = el('button', { type: 'button', class: 'secondary', 'aria-label': 'Grant ' + u.email + ' a role on ' + prop.name }, 'Grant');
          grant.onclick = () => act(() => api('PUT', manageProp(prop.propertyId) + '/roles/' + encodeURIComponent(u.email), { role: role.value }),
            'Granted ' + role.value + ' on ' + prop.name + ' to ' + u.email + '.');
          const revoke = el('button', { type: 'button', class: 'secondary', 'aria-label': 'Revoke the role of ' + u.email + ' on ' + prop.name }, 'Revoke');
          revoke.onclick = () => act(() => api('DELETE', manageProp(prop.propertyId) + '/roles/' + encodeURIComponent(u.email)),
            'Revoked the role of ' + u.email + ' on ' + prop.name + '.');
          actions.append(role, grant, revoke);
        }
        if (!self) actions.append(manageConfirmButton('Delete', 'Delete ' + u.email + ' and their tokens?',
          () => act(() => api('DELETE', path), 'Deleted ' + u.email + '.'), { class: 'secondary', 'aria-label': 'Delete ' + u.email }));
        return el('tr', { 'data-user': u.email }, el('td', {}, u.email), el('td', {}, u.admin ? 'administrator' : 'user'),
          el('td', { class: 'user-status' }, u.disabled ? 'disabled' : u.passwordChangeRequired ? 'must change password' : 'active'),
          el('td', { class: 'actions-cell' }, actions));
      }))));
  };
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const u = await api('POST', '/api/v1/admin/users', { email: email.value.trim(), password: pw.value, admin: admin.checked, mustChangePassword: true });
      form.querySelectorAll('.field-error').forEach((n) => { n.textContent = ''; });
      email.value = ''; pw.value = ''; admin.checked = false;
      cStatus.textContent = 'Created ' + u.email + '.';
      await load();
    } catch (e) { manageShowError(form, e, cStatus); }
  };
  main.append(card('Users' + (prop ? ' (roles on ' + prop.name + ')' : ''), true, list, status), card('Create user', false, form));
  await load();
}

/**
 * Danger zone: deleting the property moves it to the trash for 35 days (GA4's), restorable from the "Deleted
 * properties" list. An inline dialog asks to type the property id (Plausible asks for the domain): the Delete button
 * stays disabled until it matches, and the API checks it again.
 */
function manageDangerCard(p) {
  const status = el('p', { class: 'muted small', id: 'delete-status', role: 'status' });
  const open = el('button', { type: 'button', class: 'danger', id: 'delete-property' }, 'Delete property');
  const box = el('div', { class: 'danger-zone' }, el('p', { class: 'small' }, 'Deleting moves the property to the trash:'
    + ' its hits are refused and its reports stop at once; an admin can restore it within 35 days, then it is gone.'), open);
  open.onclick = () => {
    const typed = manageInput('delete-confirm', 'confirm', '', 'text', { autocomplete: 'off', spellcheck: 'false' });
    const yes = el('button', { type: 'button', class: 'danger', id: 'delete-confirm-yes', disabled: '' }, 'Delete ' + p.propertyId);
    const no = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const dialog = el('div', { class: 'confirm-dialog', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'delete-title' },
      el('p', { id: 'delete-title' }, 'Delete ' + p.name + '? Type its id, ' + p.propertyId + ', to confirm.'),
      manageField('Property id', typed), yes, no);
    typed.oninput = () => { yes.disabled = typed.value.trim() !== p.propertyId; };
    typed.onkeydown = (e) => { if (e.key === 'Enter' && !yes.disabled) yes.click(); if (e.key === 'Escape') no.click(); };
    no.onclick = () => { dialog.replaceWith(open); open.focus(); };
    yes.onclick = async () => {
      yes.disabled = true;
      try {
        const r = await api('DELETE', manageProp(p.propertyId), { confirm: typed.value.trim() });
        state.properties = state.properties.filter((x) => x.propertyId !== p.propertyId);
        state.property = state.properties.length ? state.properties[0].propertyId : null;
        manageRefreshPicker();
        status.textContent = 'Deleted ' + p.propertyId + ': in the trash until ' + r.purgeAfter.slice(0, 10) + '.';
        dialog.replaceWith(el('p', { class: 'small' }, 'This property is deleted.'));
        const trash = document.getElementById('trash-card');
        if (trash) trash.replaceWith(manageTrashCard());
      } catch (e) { status.textContent = e.message; yes.disabled = false; }
    };
    open.replaceWith(dialog);
    typed.focus();
  };
  return card('Danger zone', true, box, status);
}

/** The deleted properties the user administers, each restorable until its purge date. */
function manageTrashCard() {
  const list = el('ul', { class: 'trash', id: 'trash-list' }, el('li', { class: 'muted' }, 'Loading…'));
  const status = el('p', { class: 'muted small', id: 'trash-status', role: 'status' });
  const c = card('Deleted properties', true, list, status);
  c.id = 'trash-card';
  api('GET', '/api/v1/admin/properties?deleted=true').then((r) => {
    const rows = r.properties || [];
    if (!rows.length) { list.replaceChildren(el('li', { class: 'muted' }, 'None: the trash is empty.')); return; }
    list.replaceChildren(...rows.map((d) => {
      const restore = el('button', { type: 'button', class: 'secondary', 'data-restore': d.propertyId }, 'Restore');
      restore.onclick = async () => {
        restore.disabled = true;
        try {
          const back = await api('POST', manageProp(d.propertyId) + '/restore');
          state.properties = state.properties.concat([Object.assign({ role: 'admin' }, back)]);
          if (!state.property) state.property = back.propertyId;
          manageRefreshPicker();
          restore.closest('li').remove();
          status.textContent = 'Restored ' + back.name + ' (' + back.propertyId + ').';
        } catch (e) { status.textContent = e.message; restore.disabled = false; }
      };
      return el('li', { 'data-deleted': d.propertyId }, d.name + ' (' + d.propertyId + '), deleted '
        + d.deletedAt.slice(0, 10) + ', gone after ' + d.purgeAfter.slice(0, 10) + ' ', restore);
    }));
  }, (e) => { list.replaceChildren(el('li', { class: 'error' }, e.message)); });
  return c;
}
