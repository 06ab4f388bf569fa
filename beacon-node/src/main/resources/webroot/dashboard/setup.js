// The first run, opened by the setup link that bin/beacon up prints: /dashboard/#setup=CODE, CODE being the first
// administrator's generated one-time password. The code is the proof of ownership: whoever reaches the port first
// cannot claim the instance (as Grafana's admin/admin or an open registration would let them). Three steps: set the
// password (logs in with the code and changes it at once, so the code opens nothing afterwards), create the first
// property (manage.js's form), then its snippets and the live wait for its first hit. Loaded before app.js; shares
// its global scope, so every top-level name here starts with "setup".
'use strict';

/** The code of a setup link in the URL's hash (#setup=CODE), or null. */
function setupCodeInHash() {
  const m = /^#setup=([A-Za-z0-9_-]{8,256})$/.exec(location.hash);
  return m ? m[1] : null;
}

/** Marks the step being done (aria-current) and the ones done. */
function setupStep(name) {
  let before = true;
  document.querySelectorAll('#setup .steps li').forEach((li) => {
    const current = li.dataset.step === name;
    if (current) before = false;
    li.classList.toggle('done', before && !current);
    if (current) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
  });
}

/**
 * Opens the first-run page if the URL carries a setup link. Resolves true when the page is shown (the caller then
 * shows nothing else), false when there is no link or it was used already (the login page then says so).
 */
async function setupStart() {
  const code = setupCodeInHash();
  if (!code) return false;
  // Out of the address bar and the history at once: the code is a password until it is used.
  history.replaceState(null, '', location.pathname + location.search);
  const r = await fetch('/api/v1/setup', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code }), credentials: 'same-origin' });
  const json = await r.json().catch(() => ({}));
  if (!r.ok || !json.email) {
    showLogin();
    $('login-error').textContent = (json.error && json.error.message) || 'This setup link does not work: log in instead.';
    return true;
  }
  $('app').hidden = true; $('login').hidden = true; $('change-password').hidden = true; $('setup').hidden = false;
  setupStep('password');
  $('setup-email').value = json.email;
  $('setup-password').focus();
  $('setup-form').onsubmit = async (ev) => {
    ev.preventDefault();
    const pw = $('setup-password'); const again = $('setup-again');
    // The password rule is the account API's: 12-1024 characters (the browser checks the length first).
    if (!pw.validity.valid) { $('setup-error').textContent = 'The password needs at least 12 characters.'; pw.focus(); return; }
    if (pw.value !== again.value) { $('setup-error').textContent = 'The two passwords differ.'; again.focus(); return; }
    $('setup-submit').disabled = true;
    $('setup-error').textContent = '';
    try {
      // A session from the code, whose only right is to change the password; then the change, which ends the code.
      const login = await fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: json.email, password: code }), credentials: 'same-origin' });
      const session = await login.json().catch(() => ({}));
      if (!login.ok) throw new Error((session.error && session.error.message) || 'The setup link does not work any more.');
      state.csrf = session.csrfToken;
      await api('POST', '/api/v1/account/password', { currentPassword: code, newPassword: pw.value });
      pw.value = ''; again.value = '';
      await setupFirstProperty(json.email);
    } catch (e) {
      $('setup-error').textContent = e.message;
      $('setup-submit').disabled = false;
    }
  };
  return true;
}

/** Step 2 and 3: the first property, then its setup and first hit; then on to the dashboard. */
async function setupFirstProperty(email) {
  const who = await api('GET', '/api/v1/session');
  state.admin = !!who.admin; state.email = email;
  const list = await api('GET', '/api/v1/admin/properties');
  state.properties = list.properties || [];
  $('setup-form').hidden = true;
  setupStep('property');
  const next = $('setup-next');
  const done = el('p', { class: 'muted', role: 'status' }, 'Password set: from now on you log in as ' + email + ' with it.');
  const skip = el('button', { type: 'button', class: 'link', id: 'setup-skip' }, 'Skip: go to the dashboard');
  skip.onclick = () => setupFinish();
  next.replaceChildren(done);
  manageNewProperty(next, 'Create your first property', (p, setupCard) => {
    setupStep('snippet');
    skip.remove();
    const go = el('button', { type: 'button', id: 'setup-dashboard' }, 'Open the dashboard');
    go.onclick = () => setupFinish();
    setupCard.append(el('p', { class: 'muted small' }, 'The wait goes on while this page is open; the dashboard\'s Real-time tab shows every hit too.'), go);
  });
  next.append(skip);
  $('new-name').focus();
}

/** On to the dashboard: the new property's Real-time, where its hits show at once (the overview if none was made). */
function setupFinish() {
  if (state.closeStream) { state.closeStream(); state.closeStream = null; }
  $('setup').hidden = true;
  $('setup-next').replaceChildren();
  // Without a hashchange: start() reads the hash itself.
  history.replaceState(null, '', state.property ? '#realtime?p=' + encodeURIComponent(state.property) : '#overview');
  start();
}
