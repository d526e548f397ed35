// A card field that takes a card number, with the cards matching what is
// typed offered in its <datalist> (number, title as the label). Fed by the
// JSON named in data-card-search (?q=…), which returns only cards the user
// may read. The field works without it: a typed number is accepted as is.
// CSP allows only scripts from 'self': no inline script anywhere.
(function () {
  'use strict';
  var WAIT_MS = 200;
  document.querySelectorAll('input[data-card-search]').forEach(function (input) {
    var list = document.getElementById(input.getAttribute('list'));
    if (!list) return;
    var timer = null;
    var asked = '';
    function fill(cards) {
      list.replaceChildren.apply(
        list,
        cards.map(function (c) {
          var o = document.createElement('option');
          o.value = c.number;
          o.label = c.title; // set as a property: never parsed as markup
          o.textContent = c.title;
          return o;
        }),
      );
    }
    function search() {
      var q = input.value.trim();
      if (q.length < 2 || q === asked) return;
      asked = q;
      fetch(input.dataset.cardSearch + '?q=' + encodeURIComponent(q), {
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      })
        .then(function (r) {
          return r.ok ? r.json() : { cards: [] };
        })
        .then(function (data) {
          if (input.value.trim() === q) fill(data.cards);
        })
        .catch(function () {
          asked = '';
        });
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(search, WAIT_MS);
    });
  });
})();
