/* Beacon tracker: GA4 web wire format (/g/collect v=2) plus _rid, a GUID per hit so retries collapse.
   <script async src="https://COLLECTOR/beacon.js" data-property="B-XXXX" [data-cookieless="true"] [data-respect-dnt]></script>
   data-cookieless: no cookie or localStorage (the collector gives the hits a daily id). */
(function (w, d, n) {
  var s = d.currentScript || d.querySelector('script[data-property]');
  if (!s || w.__beacon) return;
  w.__beacon = 1;
  var tid = s.getAttribute('data-property'), url = new URL(s.src).origin + '/g/collect',
    stateless = s.hasAttribute('data-cookieless') && s.getAttribute('data-cookieless') !== 'false', ls = null, mem = {}, T = 18e5,
    et = 0, vis = d.visibilityState === 'visible' ? Date.now() : 0, last = location.href, seg = 0, pv = 0;
  if (s.hasAttribute('data-respect-dnt') && (n.doNotTrack === '1' || w.doNotTrack === '1' || n.globalPrivacyControl)) {
    w.beacon = function () {};
    return;
  }
  try { if (!stateless) { ls = w.localStorage; ls.setItem('_bcn', '1'); ls.removeItem('_bcn'); } } catch (e) { ls = null; }
  function get(k) {
    if (stateless) return mem[k];
    if (ls) return ls.getItem(k);
    var m = d.cookie.match('(?:^|; )' + k + '=([^;]*)');
    return m ? decodeURIComponent(m[1]) : null;
  }
  function set(k, v) {
    if (stateless) mem[k] = v;
    else if (ls) ls.setItem(k, v);
    else d.cookie = k + '=' + encodeURIComponent(v) + ';path=/;max-age=63072000;SameSite=Lax';
  }
  function rnd() { return Math.floor(Math.random() * 2147483647); }
  function guid() {
    if (w.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === 'x' ? r : (r & 3 | 8)).toString(16);
    });
  }
  var cid = get('_bcn_cid'), fv = 0;
  if (!cid) { cid = rnd() + '.' + Math.floor(Date.now() / 1e3); set('_bcn_cid', cid); fv = 1; }
  function session() {
    var now = Date.now(), st = (get('_bcn_s') || '').split('.'), ss = 0;
    if (!st[0] || now - (+st[2] || 0) > T) { st = [Math.floor(now / 1e3), (+st[1] || 0) + 1]; ss = 1; seg = 0; pv = 0; }
    st[2] = now;
    set('_bcn_s', st.join('.'));
    return { id: st[0], n: st[1], start: ss };
  }
  function engaged() {
    var t = et + (vis ? Date.now() - vis : 0);
    if (vis) vis = Date.now();
    et = 0;
    return t;
  }
  function send(en, params, beaconOnly) {
    var ses = session(), q = ['v=2', 'tid=' + encodeURIComponent(tid), 'cid=' + encodeURIComponent(cid),
      'sid=' + ses.id, 'sct=' + ses.n, 'ul=' + encodeURIComponent((n.language || '').toLowerCase()),
      'sr=' + screen.width + 'x' + screen.height, 'dl=' + encodeURIComponent(location.href.split('#')[0]),
      'dt=' + encodeURIComponent(d.title), 'en=' + encodeURIComponent(en), '_rid=' + guid()];
    if (d.referrer) q.push('dr=' + encodeURIComponent(d.referrer));
    if (ses.start) q.push('_ss=1');
    if (fv) { q.push('_fv=1'); fv = 0; }
    if (en === 'page_view' && ++pv > 1) seg = 1;
    var t = engaged();
    if (t > 0) q.push('_et=' + t);
    if (seg || t > 1e4) { seg = 1; q.push('seg=1'); }
    for (var k in params || {}) {
      var v = params[k];
      q.push((typeof v === 'number' ? 'epn.' : 'ep.') + encodeURIComponent(k) + '=' + encodeURIComponent(v));
    }
    var u = url + '?' + q.join('&');
    if (!(n.sendBeacon && n.sendBeacon(u)) && !beaconOnly && w.fetch) fetch(u, { method: 'POST', keepalive: true, mode: 'no-cors' });
  }
  function page() { send('page_view'); last = location.href; }
  function nav() { if (location.href !== last) page(); }
  ['pushState', 'replaceState'].forEach(function (m) {
    var o = history[m];
    history[m] = function () { var r = o.apply(this, arguments); nav(); return r; };
  });
  w.addEventListener('popstate', nav);
  d.addEventListener('click', function (e) {
    var a = e.target && e.target.closest && e.target.closest('a[href]');
    if (a && a.host && a.host !== location.host) send('click', { link_url: a.href, link_domain: a.hostname, outbound: 'true' });
  }, true);
  d.addEventListener('visibilitychange', function () {
    if (d.visibilityState === 'hidden') { if (vis) { et += Date.now() - vis; vis = 0; } if (et > 0) send('user_engagement', null, 1); }
    else vis = Date.now();
  });
  var queue = (w.beacon && w.beacon.q) || [];
  w.beacon = function (cmd, name, params) { if (cmd === 'event') send(name, params); };
  queue.forEach(function (a) { w.beacon.apply(null, a); });
  page();
})(window, document, navigator);
