// The comment box's @mentions: typing "@" and a few letters offers the people
// who may read this card (the JSON named in data-mentions-url, ?q=…, which
// lists only active users who may read the card); choosing one writes
// "@their.address " into the text. Arrow keys move, Enter or Tab choose,
// Escape closes. The box works without it: a typed @address is a mention all
// the same (the server checks it). CSP allows only scripts from 'self'.
// i18n-keys: js.mentions.*
(function () {
  'use strict';
  var WAIT_MS = 150;
  var AT = /(^|[^\w@.+-])@([\w.%+@-]{0,100})$/;

  function setUp(area) {
    var box = document.createElement('div');
    box.className = 'list-group position-absolute shadow-sm mention-choices';
    box.setAttribute('role', 'listbox');
    box.setAttribute('aria-label', window.Orbis ? window.Orbis.t('mentions.label') : '');
    box.hidden = true;
    box.id = area.id + '-mentions';
    area.setAttribute('aria-controls', box.id);
    area.setAttribute('aria-autocomplete', 'list');
    area.parentNode.insertBefore(box, area.nextSibling);
    var choices = [];
    var active = -1;
    var timer = null;
    var asked = null;

    function token() {
      var before = area.value.slice(0, area.selectionStart);
      var m = AT.exec(before);
      return m ? { start: before.length - m[2].length - 1, q: m[2] } : null;
    }
    function close() {
      box.hidden = true;
      choices = [];
      active = -1;
      area.removeAttribute('aria-activedescendant');
    }
    function mark(i) {
      active = i;
      Array.prototype.forEach.call(box.children, function (el, j) {
        el.classList.toggle('active', j === i);
        el.setAttribute('aria-selected', String(j === i));
      });
      if (i >= 0) area.setAttribute('aria-activedescendant', box.children[i].id);
    }
    function choose(i) {
      var t = token();
      var c = choices[i];
      if (!t || !c) return close();
      var text = '@' + c.handle + ' ';
      var end = area.selectionStart;
      area.value = area.value.slice(0, t.start) + text + area.value.slice(end);
      var caret = t.start + text.length;
      area.setSelectionRange(caret, caret);
      close();
      area.focus();
    }
    function show(users) {
      choices = users;
      box.replaceChildren.apply(
        box,
        users.map(function (u, i) {
          var item = document.createElement('button');
          item.type = 'button';
          item.id = box.id + '-' + i;
          item.className = 'list-group-item list-group-item-action py-1 small';
          item.setAttribute('role', 'option');
          item.setAttribute('data-handle', u.handle);
          var name = document.createElement('span');
          name.textContent = u.name; // text, never markup
          var handle = document.createElement('span');
          handle.className = 'text-body-secondary ms-2';
          handle.textContent = '@' + u.handle;
          item.append(name, handle);
          item.addEventListener('mousedown', function (e) {
            e.preventDefault(); // keep the caret in the text
            choose(i);
          });
          return item;
        }),
      );
      box.hidden = users.length === 0;
      mark(users.length ? 0 : -1);
    }
    function ask() {
      var t = token();
      if (!t) return close();
      if (t.q === asked) return;
      asked = t.q;
      fetch(area.dataset.mentionsUrl + '?q=' + encodeURIComponent(t.q), {
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      })
        .then(function (r) {
          return r.ok ? r.json() : { users: [] };
        })
        .then(function (data) {
          var now = token();
          if (now && now.q === t.q) show(data.users || []);
        })
        .catch(close);
    }
    area.addEventListener('input', function () {
      clearTimeout(timer);
      asked = null;
      if (!token()) return close();
      timer = setTimeout(ask, WAIT_MS);
    });
    area.addEventListener('keydown', function (e) {
      if (box.hidden) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        var n = choices.length;
        mark((active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
      } else if ((e.key === 'Enter' || e.key === 'Tab') && active >= 0) {
        e.preventDefault();
        choose(active);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        close();
      }
    });
    area.addEventListener('blur', function () {
      setTimeout(close, 100);
    });
  }

  document.querySelectorAll('textarea[data-mentions-url]').forEach(setUp);
  // A live page (live.js) brought new comments with their edit boxes.
  document.addEventListener('orbis:live', function () {
    document.querySelectorAll('textarea[data-mentions-url]:not([aria-controls])').forEach(setUp);
  });
})();
