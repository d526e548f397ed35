// Faces in the card's photo viewer (issue 21): when attachments.js opens a
// photo, GET /media/ID/faces; the boxes are drawn over the image (a toggle
// shows or hides them) and the crops are listed under it, each with its
// person's name and a link to the person's page. Positions are fractions of
// the image the boxes were found in, so they follow the image's displayed
// size. Text only through textContent and attributes.
(function () {
  'use strict';
  var viewer = document.querySelector('.att-viewer');
  if (!viewer) return;
  // The words come from the page (orbis.js). i18n-keys: js.faces.*
  var t = Orbis.t;
  var img = viewer.querySelector('.att-viewer-img');
  var stage = document.createElement('div');
  stage.className = 'att-faces-stage';
  img.parentNode.insertBefore(stage, img);
  stage.appendChild(img);
  var panel = document.createElement('div');
  panel.className = 'att-faces-panel';
  stage.after(panel);
  var shown = true;
  var current = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function clear() {
    stage.querySelectorAll('.att-face-box').forEach(function (b) {
      b.remove();
    });
    panel.replaceChildren();
  }

  function draw(data) {
    clear();
    if (!data || data.state !== 'done') {
      if (data && data.state === 'failed')
        panel.appendChild(el('div', 'text-danger small', t('faces.failed', { reason: data.error || '' })));
      else if (data) panel.appendChild(el('div', 'small text-light', data.state === 'running' ? t('faces.running') : t('faces.waiting')));
      return;
    }
    if (!data.faces.length) return panel.appendChild(el('div', 'small text-light', t('faces.none')));
    var size = data.size || { w: img.naturalWidth, h: img.naturalHeight };
    var toggle = el('button', 'btn btn-sm btn-outline-light att-faces-toggle', shown ? t('faces.hide') : t('faces.show'));
    toggle.type = 'button';
    toggle.setAttribute('aria-pressed', String(shown));
    toggle.addEventListener('click', function () {
      shown = !shown;
      stage.classList.toggle('att-faces-hidden', !shown);
      toggle.textContent = shown ? t('faces.hide') : t('faces.show');
      toggle.setAttribute('aria-pressed', String(shown));
    });
    panel.appendChild(toggle);
    var crops = el('div', 'att-face-crops');
    data.faces.forEach(function (f, i) {
      var box = el('div', 'att-face-box');
      box.dataset.faceId = String(f.id);
      box.style.left = (f.box.x / size.w) * 100 + '%';
      box.style.top = (f.box.y / size.h) * 100 + '%';
      box.style.width = (f.box.w / size.w) * 100 + '%';
      box.style.height = (f.box.h / size.h) * 100 + '%';
      var name = f.person ? f.person.name || t('faces.unnamed') : String(i + 1);
      box.appendChild(el('span', 'att-face-label', name));
      stage.appendChild(box);
      var item = el(f.person ? 'a' : 'span', 'att-face-crop');
      if (f.person) item.href = '/people/' + f.person.id;
      item.dataset.faceId = String(f.id);
      var c = el('img');
      c.src = f.crop;
      c.alt = name;
      c.width = 64;
      c.height = 64;
      item.appendChild(c);
      item.appendChild(el('span', 'small', name));
      crops.appendChild(item);
    });
    panel.appendChild(crops);
  }

  viewer.addEventListener('orbis:viewer-open', function (e) {
    var m = e.detail;
    current = m.id;
    clear();
    stage.classList.toggle('att-faces-hidden', !shown);
    if (!m.faces) return;
    fetch('/media/' + m.id + '/faces', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (current === m.id) draw(data);
      })
      .catch(function () {});
  });
})();
