// Orbis: progressive enhancements. Pages work without it.
(function () {
  'use strict';
  // Forms that ask for confirmation: <form data-confirm="Are you sure?">
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // The words scripts show, in the page's language: the layout renders the
  // catalog's `js` area as JSON (<script type="application/json" id="orbis-i18n">,
  // data, not code: CSP allows it). Orbis.t('jobs.states.done'),
  // Orbis.t('attachments.of', { n: 2, total: 3 }); with { count } the plural
  // form comes from Intl.PluralRules of <html lang>. Numbers go through
  // Orbis.number (Intl.NumberFormat), never by hand.
  var lang = document.documentElement.lang || 'en';
  var strings = {};
  var source = document.getElementById('orbis-i18n');
  try {
    if (source) strings = JSON.parse(source.textContent || '{}');
  } catch (e) {
    strings = {};
  }
  var plurals = new Intl.PluralRules(lang);
  function lookup(key) {
    return key.split('.').reduce(function (node, part) {
      return node && typeof node === 'object' ? node[part] : undefined;
    }, strings);
  }
  function t(key, params) {
    var text = lookup(key);
    if (params && typeof params.count === 'number') {
      var form = lookup(key + '_' + plurals.select(params.count));
      text = typeof form === 'string' ? form : lookup(key + '_other');
    }
    if (typeof text !== 'string') return key;
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, function (m, name) {
      var v = params ? params[name] : undefined;
      return v === undefined || v === null ? m : typeof v === 'number' ? number(v) : String(v);
    });
  }
  function number(n, options) {
    return new Intl.NumberFormat(lang, options).format(n);
  }
  window.Orbis = { lang: lang, t: t, number: number };
})();
