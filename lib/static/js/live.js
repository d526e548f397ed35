// Live pages: the card page, its edit form, the list and the board show other
// people's changes without a reload. The page polls its card's or type's mark
// (data-live-url on <body>, app/web/controllers/live.ts) every second while
// it is shown, every 10 s while hidden; when the mark moved, the card page,
// the list and the board fetch themselves again and swap the parts marked
// data-live-part, and the edit form says that the card changed under the
// user (their input stays; the save still gets the conflict page).
//
// A part the user is working in is not swapped (a field they changed, the
// focus, an open menu, a tile being dragged): it is swapped on a later poll.
// Without this script every page works as before, a reload shows the changes.
(function () {
  'use strict';
  var body = document.body;
  var url = body.getAttribute('data-live-url');
  if (!url || !window.fetch || !window.DOMParser) return;
  var mode = body.getAttribute('data-live');
  var mark = body.getAttribute('data-live-mark') || '';
  var SHOWN_MS = 1000;
  var HIDDEN_MS = 10000;
  var timer = null;
  var stale = false;
  var stopped = false;
  var notice = document.querySelector('[data-live-changed]');
  var formVersion = notice ? Number(notice.getAttribute('data-version')) : 0;

  function changedFields(part) {
    var fields = part.querySelectorAll('input, textarea, select');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === 'hidden') continue;
      if (f.tagName === 'SELECT') {
        // With no option marked selected, a single select starts on its first one.
        var marked = false;
        for (var k = 0; k < f.options.length; k++) if (f.options[k].defaultSelected) marked = true;
        for (var j = 0; j < f.options.length; j++) {
          var initial = marked ? f.options[j].defaultSelected : !f.multiple && j === 0;
          if (f.options[j].selected !== initial) return true;
        }
      } else if (f.type === 'checkbox' || f.type === 'radio') {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.value !== f.defaultValue) return true;
    }
    return false;
  }
  function busy(part) {
    var active = document.activeElement;
    if (active && active !== body && part.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return true;
    return Boolean(part.querySelector('details[open], .board-dragging, [aria-busy="true"]')) || changedFields(part);
  }

  /** Swaps each part of this page for the same part of `doc` (unless the user works in it); `flash`: its messages too. */
  function apply(doc, flash) {
    stale = false;
    var parts = document.querySelectorAll('[data-live-part]');
    for (var i = 0; i < parts.length; i++) {
      var old = parts[i];
      var name = old.getAttribute('data-live-part');
      var fresh = doc.querySelector('[data-live-part="' + name + '"]');
      if (!fresh || fresh.innerHTML === old.innerHTML) continue;
      if (busy(old)) {
        stale = true;
        continue;
      }
      old.replaceWith(document.importNode(fresh, true));
    }
    var messages = flash && doc.querySelector('[data-live-flash]');
    var here = document.querySelector('[data-live-flash]');
    if (messages && here) here.replaceWith(document.importNode(messages, true));
    document.dispatchEvent(new CustomEvent('orbis:live'));
  }

  function refresh() {
    return fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'text/html' } })
      .then(function (r) {
        return r.ok ? r.text() : Promise.reject(new Error(String(r.status)));
      })
      .then(function (html) {
        apply(new DOMParser().parseFromString(html, 'text/html'), false);
      });
  }

  function schedule() {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(poll, document.hidden ? HIDDEN_MS : SHOWN_MS);
  }

  function poll() {
    timer = null;
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (r) {
        // Gone, or no longer ours to read, or signed out: the page stays as it is, a reload tells why.
        if (r.status === 404 || r.status === 401 || r.status === 403) stopped = true;
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        // A null mark: the answering process heard of nothing yet; it is no change.
        var moved = data && data.mark && data.mark !== mark;
        if (moved) mark = data.mark;
        if (mode === 'edit') {
          if (notice && data && data.version > formVersion) notice.hidden = false;
          return;
        }
        if (moved || stale) return refresh();
      })
      .catch(function () {
        return undefined;
      })
      .then(schedule);
  }

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && timer) {
      clearTimeout(timer);
      poll();
    }
  });
  window.Orbis = window.Orbis || {};
  window.Orbis.live = { apply: apply };
  schedule();
})();
