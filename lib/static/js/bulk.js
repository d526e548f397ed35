// Bulk work: the list's bulk form and a run's result page. Pages work
// without it. On the list: "select all on this page" ticks every row, the
// form says how many are selected, a delete asks first. On the result page:
// the progress bar moves without a reload (polls the run's progress.json
// every second, as /admin/jobs polls its JSON) and the page reloads once the
// run finished, to show the outcome per card. CSP: no inline script.
// i18n-keys: js.bulk.*
(function () {
  'use strict';
  var form = document.getElementById('bulk-form');
  if (form) {
    var page = document.querySelector('[data-bulk-page]');
    var all = form.querySelector('[data-bulk-all]');
    var count = form.querySelector('[data-bulk-count]');
    var rows = function () {
      return Array.prototype.slice.call(document.querySelectorAll('[data-bulk-row]'));
    };
    var show = function () {
      var ticked = rows().filter(function (r) {
        return r.checked;
      }).length;
      if (page) {
        page.checked = ticked > 0 && ticked === rows().length;
        page.indeterminate = ticked > 0 && ticked < rows().length;
      }
      if (count && all && all.checked) count.textContent = Orbis.t('bulk.allMatching');
      else if (count) count.textContent = Orbis.t('bulk.selected', { count: ticked });
    };
    if (page)
      page.addEventListener('change', function () {
        rows().forEach(function (r) {
          r.checked = page.checked;
        });
        show();
      });
    document.addEventListener('change', function (e) {
      if (e.target && (e.target.hasAttribute('data-bulk-row') || e.target === all)) show();
    });
    form.addEventListener('submit', function (e) {
      var button = e.submitter;
      if (button && button.dataset.bulkConfirm && !window.confirm(button.dataset.bulkConfirm)) e.preventDefault();
    });
    show();
  }

  var run = document.querySelector('[data-bulk-run]');
  if (run && run.dataset.finished === 'no') {
    var bar = run.querySelector('[data-bulk-bar]');
    var text = run.querySelector('[data-bulk-progress-text]');
    var poll = function () {
      fetch(run.dataset.progressUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (res) {
          if (res.status === 401 || res.status === 403 || res.status === 404) throw new Error('stop');
          return res.ok ? res.json() : null;
        })
        .then(function (data) {
          if (data) {
            if (bar) bar.value = data.percent;
            if (text && text.textContent !== data.label) text.textContent = data.label;
            var done = run.querySelector('[data-testid="bulk-done"]');
            var refused = run.querySelector('[data-testid="bulk-refused-count"]');
            if (done) done.textContent = data.doneLabel;
            if (refused) refused.textContent = data.refusedLabel;
            if (data.finished) return window.location.reload();
            if (data.state === 'failed' || data.state === 'cancelled') return window.location.reload();
          }
          setTimeout(poll, 1000);
        })
        .catch(function (err) {
          if (err && err.message !== 'stop') setTimeout(poll, 1000);
        });
    };
    setTimeout(poll, 1000);
  }
})();
