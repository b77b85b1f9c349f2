/* Talks — small progressive enhancements; no dependencies.
 * Local dates:  <time class="local-date" datetime="YYYY-MM-DD">  → "May 4, 2024" in the reader's language.
 * Local times:  <time class="local-time" datetime="ISO 8601">    → "3 minutes ago", absolute time as title.
 * Without JavaScript the server's text stays as it is. */
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

  function start() {
    if (!hasIntl) {
      return;
    }
    localDates();
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
