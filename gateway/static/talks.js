/* Talks — small progressive enhancements; no dependencies.
 * Local dates:  <time class="local-date" datetime="YYYY-MM-DD">  → "May 4, 2024" in the reader's language.
 * Local times:  <time class="local-time" datetime="ISO 8601">    → "3 minutes ago", absolute time as title.
 * Preview:      <textarea data-preview-target="ID">              → the server's rendering of the Markdown in #ID.
 * Moderation:   .js-comment-approve / .js-comment-delete buttons → PUT / DELETE /api/1.0/comments/<id>,
 *               in place instead of posting their forms (/comment/<id>/approve|delete, which work without us).
 * Without JavaScript the server's text stays as it is. Messages are set with textContent only; the
 * one innerHTML is the preview, which is the server's sanitised HTML (the same renderer as comments). */
(function () {
  'use strict';

  var hasIntl = typeof Intl === 'object' && Intl !== null;

  function each(selector, fn) {
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) {
      fn(nodes[i]);
    }
  }

  function dateFormat(options, fallback) {
    try {
      return new Intl.DateTimeFormat(undefined, options);
    } catch (e) {
      return new Intl.DateTimeFormat(undefined, fallback);
    }
  }

  /* A calendar date: built and formatted in UTC so no time zone can move it a day. */
  function parseCalendarDate(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || '');
    if (!m) {
      return null;
    }
    var y = Number(m[1]);
    var mo = Number(m[2]);
    var d = Number(m[3]);
    var date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
      return null;
    }
    return date;
  }

  /* A timestamp: "2024-05-04T10:20:30Z", with an offset, or without one (then taken as UTC). */
  function parseTimestamp(text) {
    var s = (text || '').trim().replace(' ', 'T');
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) {
      return null;
    }
    if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) {
      s += 'Z';
    }
    var date = new Date(s);
    return isNaN(date.getTime()) ? null : date;
  }

  function localDates() {
    var fmt = null;
    each('time.local-date[datetime]', function (el) {
      var date = parseCalendarDate(el.getAttribute('datetime'));
      if (!date) {
        return;
      }
      if (!fmt) {
        fmt = dateFormat({ dateStyle: 'long', timeZone: 'UTC' },
                         { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
      }
      el.textContent = fmt.format(date);
    });
  }

  var UNITS = [
    ['year', 365 * 86400],
    ['month', 30 * 86400],
    ['week', 7 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60]
  ];

  function relative(rtf, seconds) {
    var abs = Math.abs(seconds);
    if (abs < 45) {
      return rtf.format(0, 'second');
    }
    for (var i = 0; i < UNITS.length; i++) {
      if (abs >= UNITS[i][1] * 0.95 || UNITS[i][0] === 'minute') {
        return rtf.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
      }
    }
    return rtf.format(0, 'second');
  }

  var absoluteFmt = null;
  var relativeFmt = null;

  function localTimes() {
    if (!Intl.RelativeTimeFormat) {
      return false;
    }
    var now = Date.now();
    var found = false;
    each('time.local-time[datetime]', function (el) {
      var date = parseTimestamp(el.getAttribute('datetime'));
      if (!date) {
        return;
      }
      found = true;
      if (!relativeFmt) {
        relativeFmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
        absoluteFmt = dateFormat({ dateStyle: 'long', timeStyle: 'short' },
                                 { year: 'numeric', month: 'long', day: 'numeric',
                                   hour: 'numeric', minute: '2-digit' });
      }
      el.textContent = relative(relativeFmt, Math.round((date.getTime() - now) / 1000));
      el.title = absoluteFmt.format(date);
    });
    return found;
  }

  /* ---- Calls to our own API: session cookie plus the page's CSRF token ---- */

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') || '' : '';
  }

  /* Resolves to {ok, status, data}; data is the parsed JSON answer, or null. Never rejects. */
  function api(method, path, payload) {
    var options = {
      method: method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() }
    };
    if (payload !== undefined) {
      options.body = JSON.stringify(payload);
    }
    return window.fetch(path, options).then(function (res) {
      return res.json().then(function (data) {
        return { ok: res.ok, status: res.status, data: data };
      }, function () {
        return { ok: false, status: res.status, data: null };
      });
    }, function () {
      return { ok: false, status: 0, data: null };
    });
  }

  function errorMessage(result, fallback) {
    var data = result.data;
    if (data && typeof data.message === 'string' && data.message) {
      return data.message;
    }
    return fallback;
  }

  /* ---- Live preview of a comment ---- */

  var PREVIEW_DELAY = 300;

  function setupPreview(textarea) {
    var panel = document.getElementById(textarea.getAttribute('data-preview-target'));
    if (!panel) {
      return;
    }
    var timer = null;
    var sent = 0;      /* sequence number of the last request sent */
    var shown = 0;     /* sequence number of the newest answer shown */

    function show(update) {
      panel.classList.remove('is-error');
      update();
      panel.hidden = false;
    }

    function refresh() {
      timer = null;
      var text = textarea.value;
      var seq = ++sent;
      if (!text.trim()) {
        shown = seq;
        panel.hidden = true;
        panel.textContent = '';
        return;
      }
      api('POST', '/api/1.0/preview', { body: text }).then(function (result) {
        if (seq < shown) {
          return; /* an older answer after a newer one */
        }
        shown = seq;
        if (result.ok && result.data && typeof result.data.html === 'string') {
          show(function () { panel.innerHTML = result.data.html; });
        } else {
          show(function () { panel.textContent = 'The preview is not available right now.'; });
          panel.classList.add('is-error');
        }
      });
    }

    textarea.addEventListener('input', function () {
      if (timer !== null) {
        window.clearTimeout(timer);
      }
      timer = window.setTimeout(refresh, PREVIEW_DELAY);
    });
    if (textarea.value.trim()) {
      refresh(); /* a form shown again with its text */
    }
  }

  function previews() {
    if (typeof window.fetch !== 'function') {
      return;
    }
    each('textarea[data-preview-target]', setupPreview);
  }

  /* ---- Moderation buttons ---- */

  function closest(el, selector) {
    if (el && el.nodeType !== 1) {
      el = el.parentElement;
    }
    return el && el.closest ? el.closest(selector) : null;
  }

  /* One fewer pending comment: each navbar badge counts down and hides at 0. */
  function decrementBadges() {
    each('.nav-badge', function (badge) {
      var n = parseInt(badge.getAttribute('data-count') || badge.textContent, 10);
      if (isNaN(n)) {
        return;
      }
      n = Math.max(0, n - 1);
      badge.setAttribute('data-count', String(n));
      var text = badge.firstChild;
      if (text && text.nodeType === 3) {
        text.nodeValue = String(n);
      }
      if (n === 0) {
        badge.hidden = true;
      }
    });
  }

  function changeTotal(delta) {
    each('[data-comment-total]', function (el) {
      var n = parseInt(el.getAttribute('data-comment-total'), 10);
      if (isNaN(n)) {
        return;
      }
      n = Math.max(0, n + delta);
      el.setAttribute('data-comment-total', String(n));
      el.textContent = String(n);
    });
  }

  function setStatus(article, text, isError) {
    var status = article && article.querySelector('.comment-status');
    if (!status) {
      return;
    }
    status.textContent = text;
    status.classList.toggle('is-error', !!isError);
  }

  function removeSelf(el) {
    if (el && el.parentNode) {
      el.parentNode.removeChild(el);
    }
  }

  function moderate(button, approve) {
    var id = button.getAttribute('data-comment-id');
    if (!/^\d+$/.test(id || '') || button.disabled) {
      return;
    }
    var article = closest(button, 'article.comment');
    var wasPending = !!(article && article.classList.contains('comment-pending'));
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    setStatus(article, '', false);
    api(approve ? 'PUT' : 'DELETE', '/api/1.0/comments/' + id).then(function (result) {
      button.removeAttribute('aria-busy');
      if (!result.ok) {
        button.disabled = false;
        setStatus(article, errorMessage(result, 'Something went wrong'), true);
        return;
      }
      if (wasPending) {
        decrementBadges();
      }
      if (approve) {
        /* live.js may have put the server's approved copy in its place meanwhile (and counted
         * it): that copy is the one to mark. */
        var current = document.getElementById('comment-' + id) || article;
        var counted = !!current && current !== article && !current.classList.contains('comment-pending');
        if (current) {
          current.classList.remove('comment-pending');
          removeSelf(current.querySelector('.comment-pending-badge'));
          removeSelf(current.querySelector('.js-comment-approve'));
        }
        var hadFocus = document.activeElement === button;
        var next = current && current.querySelector('.js-comment-delete');
        removeSelf(button);
        if (hadFocus && next) {
          next.focus(); /* keyboard users stay in the comment */
        }
        if (!counted) {
          changeTotal(1);
        }
        setStatus(current, 'Approved', false);
        return;
      }
      if (!wasPending) {
        changeTotal(-1);
      }
      if (!article) {
        return;
      }
      setStatus(article, 'Deleted', false);
      var buttons = article.querySelectorAll('button');
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].disabled = true;
      }
      article.classList.add('comment-deleted');
      window.setTimeout(function () { removeSelf(article); }, 1500);
    });
  }

  function moderation() {
    if (typeof window.fetch !== 'function') {
      return;
    }
    document.addEventListener('click', function (event) {
      var approve = closest(event.target, '.js-comment-approve');
      var remove = approve ? null : closest(event.target, '.js-comment-delete');
      if (approve || remove) {
        event.preventDefault();
        moderate(approve || remove, !!approve);
      }
    });
  }

  function start() {
    previews();
    moderation();
    document.addEventListener('talks:total', function (e) { changeTotal(e.detail); }); /* live.js */
    if (!hasIntl) {
      return;
    }
    localDates();
    document.addEventListener('talks:content', localTimes); /* comments added live (live.js) */
    if (localTimes()) {
      window.setInterval(localTimes, 60 * 1000);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
