// Portal front-end helpers. No dependencies and CSP-safe: no eval, no inline
// handlers, no inline styles. Load after htmx.min.js and htmx-ext-sse.js, all
// three with `defer`, so the htmx settings below apply before htmx starts.
// Every feature also works (or degrades quietly) when htmx is absent.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  // --- htmx configuration ---------------------------------------------------
  var htmx = window.htmx;
  if (htmx && htmx.config) {
    // htmx 2 does not swap 4xx/5xx by default. Validation errors (422) must
    // re-render the form, and other error fragments should be shown too.
    // 422 is an expected answer, so it is not flagged as an error; the rest
    // still fire htmx:responseError.
    htmx.config.responseHandling = [
      { code: '204', swap: false },
      { code: '[23]..', swap: true },
      { code: '422', swap: true },
      { code: '[45]..', swap: true, error: true },
      { code: '...', swap: false }
    ];
    // The CSP allows no inline <style> and no eval: portal.css styles
    // .htmx-indicator, and hx-on / js: expressions are not used.
    htmx.config.includeIndicatorStyles = false;
    htmx.config.allowEval = false;
    // No hx-* attribute is inherited (the body's hx-boost excepted, through
    // hx-inherit): a boosted link inside a form with hx-target="this" would
    // otherwise load the next page into that form. Every element says what
    // it targets and swaps.
    htmx.config.disableInheritance = true;
  }

  // --- CSRF header on every htmx request -----------------------------------
  document.addEventListener('htmx:configRequest', function (e) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var token = meta && meta.getAttribute('content');
    if (token) e.detail.headers['X-CSRF-Token'] = token;
  });
  // The token is bound to the session, so it changes on sign-in. A boosted
  // navigation swaps the body but keeps this page's <head>: take the new
  // token from every full page the server sends.
  document.addEventListener('htmx:afterRequest', function (e) {
    var xhr = e.detail && e.detail.xhr;
    var text = xhr && typeof xhr.responseText === 'string' ? xhr.responseText : '';
    var m = /<meta name="csrf-token" content="([^"]*)">/.exec(text.slice(0, 4096));
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (m && meta) meta.setAttribute('content', m[1]);
  });

  // --- Live updates (server-sent events) -----------------------------------
  // A message pushed over the stream that is already on the page (the
  // sender's own, shown by its form's response) is not added twice.
  document.addEventListener('htmx:sseBeforeMessage', function (e) {
    var m = /^\s*<[a-z]+[^>]*?\sid="([^"]+)"/.exec((e.detail && e.detail.data) || '');
    if (m && document.getElementById(m[1])) e.preventDefault();
  });
  // The same message may also come the other way round: pushed over the
  // stream before the sender's own form response lands. Its out-of-band copy
  // is then skipped.
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var frag = e.detail && e.detail.fragment;
    var first = frag && frag.firstElementChild;
    // An out-of-band replacement of an element by its new self (e.g. the
    // menu's unread badge) always applies.
    var target = e.detail && e.detail.target;
    if (target && first && target.id === first.id) return;
    if (first && first.id && document.getElementById(first.id)) e.detail.shouldSwap = false;
  });
  // When a stream opens again after a drop, events may have been missed:
  // parts of the page listening for "portal:resync" fetch themselves anew.
  var opened = typeof WeakSet === 'function' ? new WeakSet() : null;
  document.addEventListener('htmx:sseOpen', function (e) {
    if (!opened || !htmx) return;
    if (opened.has(e.target)) htmx.trigger(document.body, 'portal:resync');
    opened.add(e.target);
  });

  // A page kept in the back/forward cache would keep its event stream
  // open: six such pages use up the browser's connections to this host
  // and the next page never loads. The stream is closed when the page is
  // put away, and a page brought back is loaded afresh (it missed events).
  window.addEventListener('pagehide', function (e) {
    if (!e.persisted || !htmx) return;
    var live = document.querySelectorAll('[sse-connect]');
    for (var i = 0; i < live.length; i++) htmx.trigger(live[i], 'htmx:beforeCleanupElement');
  });
  window.addEventListener('pageshow', function (e) {
    if (e.persisted && document.querySelector('[sse-connect]')) location.reload();
  });

  // --- SLA countdowns -------------------------------------------------------
  // The server renders the initial text and decides the colour class; this only
  // keeps the text current between server updates.
  function span(ms) {
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return d + 'd ' + h + 'h';
    if (h) return h + 'h ' + m + 'm';
    if (m) return m + 'm ' + (s % 60) + 's';
    return (s % 60) + 's';
  }

  function parseDeadline(v) {
    // Go's RFC3339Nano has up to 9 fractional digits; Date.parse is only
    // guaranteed to accept 3 (Safari returns NaN otherwise).
    return Date.parse(String(v).trim().replace(/(\.\d{3})\d+/, '$1'));
  }

  // A clock that runs in business hours only comes with the stretches of
  // working time ahead (data-open: "start-end …" in Unix seconds) and the
  // business time it had left (data-left, seconds) when the server read it
  // (data-at). It counts down inside those stretches and stands still, saying
  // so, outside them; past the last stretch it waits for the server.
  function openWindows(el) {
    if (!el.portalWindows) {
      el.portalWindows = el.getAttribute('data-open').split(' ').map(function (w) {
        var p = w.split('-');
        return [Number(p[0]) * 1000, Number(p[1]) * 1000];
      });
    }
    return el.portalWindows;
  }

  function businessTimer(el, now) {
    var wins = openWindows(el);
    var at = Number(el.getAttribute('data-at')) * 1000;
    var left = Number(el.getAttribute('data-left')) * 1000;
    if (isNaN(at) || isNaN(left)) return null;
    var open = false;
    for (var i = 0; i < wins.length; i++) {
      var s = Math.max(wins[i][0], at), e = Math.min(wins[i][1], now);
      if (e > s) left -= e - s;
      if (wins[i][0] <= now && now < wins[i][1]) open = true;
    }
    var why = el.querySelector('.sla-why');
    if (why && why.hidden !== open) why.hidden = open; // "paused outside business hours"
    return left >= 0 ? span(left) + ' left' : 'overdue by ' + span(-left);
  }

  function tickTimers() {
    var now = Date.now();
    var timers = document.querySelectorAll('[data-deadline]');
    for (var i = 0; i < timers.length; i++) {
      var el = timers[i];
      var out = el.querySelector('.sla-text') || el;
      var text;
      if (el.hasAttribute('data-paused')) {
        continue; // the server's text says why
      } else if (el.hasAttribute('data-open')) {
        text = businessTimer(el, now);
        if (text === null) continue; // keep the server's text
      } else {
        var due = parseDeadline(el.getAttribute('data-deadline'));
        if (isNaN(due)) continue; // keep the server's text
        var left = due - now;
        text = left >= 0 ? span(left) + ' left' : 'overdue by ' + span(-left);
      }
      if (out.textContent !== text) out.textContent = text;
    }
  }
  // Re-scanning every tick picks up timers added by any swap (htmx or SSE);
  // afterSettle just avoids a stale second after a swap.
  setInterval(tickTimers, 1000);
  document.addEventListener('htmx:afterSettle', tickTimers);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', tickTimers);
  else tickTimers();

  // --- Inside a frame on another site ---------------------------------------
  // A browser that keeps this site's cookies from a frame on another site
  // cannot keep anyone signed in there: the sign-in would fail silently. The
  // probe cookie is set the way the session cookie is (over https and framed:
  // SameSite=None; Secure; Partitioned, see handlers/frame_cookies.go; over
  // http: SameSite=Lax); if it does not stick, the sign-in card says so and
  // offers a new tab.
  function frameNotice() {
    if (window.self === window.top) return;
    var card = document.querySelector('main.auth .auth-card');
    if (!card || document.getElementById('frame-notice')) return;
    var probe = 'portal_frame_probe=1';
    var attrs = location.protocol === 'https:' ? '; SameSite=None; Secure; Partitioned' : '; SameSite=Lax';
    document.cookie = probe + '; path=/' + attrs;
    var works = document.cookie.indexOf(probe) >= 0;
    document.cookie = probe + '; path=/; max-age=0' + attrs;
    if (works) return;
    var note = document.createElement('div');
    note.id = 'frame-notice';
    note.className = 'flash flash-info stack';
    note.setAttribute('role', 'status');
    var p = document.createElement('p');
    p.textContent = 'Your browser does not let this portal keep you signed in inside another website.';
    var a = document.createElement('a');
    a.href = location.href;
    a.target = '_blank';
    a.rel = 'noopener';
    a.className = 'btn btn-primary';
    a.textContent = 'Open the portal in a new tab';
    note.appendChild(p);
    note.appendChild(a);
    card.insertBefore(note, card.firstChild);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', frameNotice);
  else frameNotice();
  document.addEventListener('htmx:afterSettle', frameNotice);

  // --- Copy buttons: <button data-copy-target="#id"> ------------------------
  function copyText(text, source) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    // Fallback for plain-http deployments: select a (hidden) field and copy.
    return new Promise(function (resolve, reject) {
      var field = source;
      if (!field.matches('input, textarea')) {
        field = document.createElement('textarea');
        field.className = 'sr-only';
        field.value = text;
        document.body.appendChild(field);
      }
      field.select();
      var ok = document.execCommand('copy');
      if (field !== source) field.remove();
      if (ok) resolve(); else reject(new Error('copy failed'));
    });
  }

  function setLabel(btn, text) {
    if (!btn.hasAttribute('data-label')) btn.setAttribute('data-label', btn.textContent);
    btn.textContent = text;
    clearTimeout(btn.portalCopyTimer);
    btn.portalCopyTimer = setTimeout(function () {
      btn.textContent = btn.getAttribute('data-label');
    }, 1500);
  }

  document.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('button[data-copy-target]');
    if (!btn) return;
    e.preventDefault();
    var target = null;
    try { target = document.querySelector(btn.getAttribute('data-copy-target')); } catch (err) { /* bad selector */ }
    if (!target) return;
    var text = target.matches('input, textarea, select') ? target.value : target.textContent.trim();
    copyText(text, target).then(
      function () { setLabel(btn, 'Copied'); },
      function () { setLabel(btn, 'Press Ctrl+C to copy'); }
    );
  });

  // --- Messenger composer ---------------------------------------------------
  // Enter is a new line, as in any text box; Ctrl+Enter (⌘+Enter on a Mac)
  // sends. A form with several submit buttons (e.g. "Reply" and "Internal
  // note") is ambiguous: the shortcut only sends if one button is marked
  // data-enter-submit, so a note is never sent by accident as a reply.
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || e.isComposing || e.keyCode === 229) return;
    var ta = e.target;
    if (!ta || ta.tagName !== 'TEXTAREA') return;
    var form = ta.closest('form.composer');
    if (!form) return;
    var buttons = form.querySelectorAll('button:not([type=button]):not([type=reset]), input[type=submit]');
    var marked = form.querySelector('[data-enter-submit]');
    if (buttons.length > 1 && !marked) return;
    e.preventDefault();
    if (!ta.value.trim()) return; // nothing to send
    // click() so htmx records which button submitted the form.
    if (marked) marked.click();
    else if (form.requestSubmit) form.requestSubmit();
    else if (buttons[0]) buttons[0].click();
  });

  document.addEventListener('htmx:afterRequest', function (e) {
    var elt = e.detail && e.detail.elt;
    var form = elt && elt.closest && elt.closest('form.composer');
    var status = e.detail.xhr ? e.detail.xhr.status : 0;
    // htmx counts 422 as successful (it swaps); the text must survive that.
    if (form && e.detail.successful && status >= 200 && status < 300) form.reset();
  });
})();
