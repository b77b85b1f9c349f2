/* Talks — live comments on a talk's last page of comments: <section data-live-url="…"
 * data-live-after="N"> opens that Server-Sent Events stream (GET /talk/<id>/live) and adds each
 * comment where the page lists them, without a reload. Each event's html is the server's own
 * rendering of the page's comment partial (the Markdown already sanitised, as in the page), so
 * it goes in as it is: a comment already on the page is replaced (a pending one that was
 * approved), a new one is added at the end. The visitor's own comment under "Waiting for
 * review" (#own-comments) leaves that section once approved and joins the list (the section
 * goes when nothing is left in it). "badge" events set the navbar's Moderate counts.
 * The browser resumes a dropped stream with Last-Event-ID; a "reload" event says the stream
 * cannot resume without missing something (its place is older than the server keeps), and the
 * page loads again. Without JavaScript or EventSource the page stays as the server sent it. */
(function () {
  'use strict';

  function parse(text) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }

  function element(html) {
    var template = document.createElement('template');
    template.innerHTML = String(html).trim();
    return template.content.firstElementChild;
  }

  /* The page's comment counts are talks.js's to keep (it also moves them on in-page moderation). */
  function addTotal(delta) {
    document.dispatchEvent(new CustomEvent('talks:total', {detail: delta}));
  }

  /* Takes an approved comment out of the visitor's "Waiting for review" section; true if it
   * was there. */
  function leaveOwn(old) {
    var own = document.getElementById('own-comments');
    if (!own || !own.contains(old)) {
      return false;
    }
    old.parentNode.removeChild(old);
    if (!own.querySelector('.comment')) {
      own.parentNode.removeChild(own);
    }
    return true;
  }

  function addComment(section, list, data) {
    var article = data && typeof data.id === 'number' ? element(data.html) : null;
    if (!article || article.id !== 'comment-' + data.id) {
      return;
    }
    var visible = !article.classList.contains('comment-pending');
    var old = document.getElementById(article.id);
    if (old && visible && leaveOwn(old)) {
      old = null;
    }
    if (old && visible && !old.classList.contains('comment-pending')) {
      return; /* approved in this page already (its "Approved" status stays) */
    }
    if (old) {
      if (visible && old.classList.contains('comment-pending')) {
        addTotal(1);
      }
      old.parentNode.replaceChild(article, old);
    } else {
      list.appendChild(article);
      if (visible) {
        addTotal(1);
      }
    }
    var empty = section.querySelector('.comments-empty');
    if (empty) {
      empty.parentNode.removeChild(empty);
    }
    document.dispatchEvent(new CustomEvent('talks:content'));
  }

  /* The Moderate link's badge (pending for /moderate, pending_all for /moderate-admin). */
  function setBadge(href, count) {
    var link = document.querySelector('.navbar a.nav-link[href="' + href + '"]');
    if (!link || typeof count !== 'number') {
      return;
    }
    var badge = link.querySelector('.nav-badge');
    if (!badge && count > 0) {
      badge = document.createElement('span');
      badge.className = 'badge rounded-pill text-bg-danger nav-badge';
      badge.appendChild(document.createTextNode(''));
      var hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ' comments waiting';
      badge.appendChild(hidden);
      link.appendChild(document.createTextNode(' '));
      link.appendChild(badge);
    }
    if (badge) {
      badge.firstChild.nodeValue = String(count);
      badge.setAttribute('data-count', String(count));
      badge.hidden = count === 0;
    }
  }

  function start() {
    var section = document.querySelector('[data-live-url]');
    var list = section && section.querySelector('.comment-list');
    if (!list || typeof window.EventSource !== 'function') {
      return;
    }
    var url = section.getAttribute('data-live-url');
    var after = section.getAttribute('data-live-after');
    if (after) {
      url += '?after=' + encodeURIComponent(after);
    }
    var source = new EventSource(url);
    source.addEventListener('message', function (event) {
      addComment(section, list, parse(event.data));
    });
    source.addEventListener('reload', function () {
      source.close();
      window.location.reload();
    });
    source.addEventListener('badge', function (event) {
      var counts = parse(event.data) || {};
      setBadge('/moderate', counts.pending);
      setBadge('/moderate-admin', counts.pending_all);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
