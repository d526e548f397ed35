// The import page (/cards/:type/import): sends the chosen CSV file with the
// CSRF header (a multipart body carries no readable _csrf field) and opens
// the import's page; while the import runs, polls its status every second and
// moves the progress bar, then reloads to show the result. CSP allows only
// scripts from 'self': no inline script anywhere.
(function () {
  'use strict';
  var form = document.querySelector('[data-import-upload]');
  if (form) {
    var box = document.querySelector('[data-import-error]');
    var fail = function (message) {
      box.textContent = message;
      box.classList.remove('d-none');
    };
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var input = form.querySelector('input[type=file]');
      if (!input.files.length) return fail(Orbis.t('imports.chooseFile')); // i18n-keys: js.imports.*
      var button = form.querySelector('button[type=submit]');
      button.disabled = true;
      var body = new FormData();
      body.append('files', input.files[0]);
      fetch(form.action, {
        method: 'POST',
        body: body,
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': form.dataset.csrf, Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest' },
      })
        .then(function (res) {
          return res.json().then(function (data) {
            if (res.ok && data.url) return window.location.assign(data.url);
            var fields = data.fields || {};
            fail([data.error, fields.files].filter(Boolean).join(' '));
            button.disabled = false;
          });
        })
        .catch(function () {
          fail(Orbis.t('imports.uploadFailed'));
          button.disabled = false;
        });
    });
  }

  var status = document.querySelector('[data-import-status]');
  if (status) {
    var bar = status.querySelector('progress');
    var label = status.querySelector('[data-import-label]');
    var poll = function () {
      fetch(status.dataset.importStatus, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (res) {
          return res.json();
        })
        .then(function (s) {
          bar.value = s.percent;
          label.textContent = s.label;
          if (s.final) window.location.reload();
          else setTimeout(poll, 1000);
        })
        .catch(function () {
          setTimeout(poll, 3000);
        });
    };
    setTimeout(poll, 1000);
  }
})();
