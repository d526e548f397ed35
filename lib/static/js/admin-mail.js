// /admin/mail: a running poll's progress and the counts, live, without a
// reload. Polls /admin/mail.json every 2 s while the page is open; the texts
// come translated from the server. The page works without it.
(function () {
  'use strict';
  var table = document.querySelector('[data-poll]');
  if (!table) return;
  var url = table.getAttribute('data-poll');
  function tick() {
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        data.mailboxes.forEach(function (m) {
          var row = table.querySelector('[data-mailbox="' + m.id + '"]');
          if (!row) return;
          var p = row.querySelector('[data-progress]');
          if (p) {
            p.hidden = !m.polling;
            if (p.textContent !== m.progress) p.textContent = m.progress;
          }
          var c = row.querySelector('[data-counts]');
          if (c && c.textContent !== m.counts) c.textContent = m.counts;
        });
      })
      .catch(function () {})
      .finally(function () {
        setTimeout(tick, 2000);
      });
  }
  setTimeout(tick, 2000);
})();
