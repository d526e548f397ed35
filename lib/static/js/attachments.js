// The card's attachments panel: upload (several files, drag and drop, one
// request per file, a progress bar over all of them from XMLHttpRequest's
// upload events), the gallery rendered
// from JSON, live state while images are processed (polls attachments.json
// every 1.5 s while one is queued or processing, or its faces are waiting
// or being found), and a full-size viewer (faces.js draws the faces in it).
// Everything user-supplied goes through textContent / attributes, never
// innerHTML. CSP allows only scripts from 'self': no inline script anywhere.
(function () {
  'use strict';
  var root = document.querySelector('.orbis-attachments');
  if (!root) return;
  var POLL_MS = 1500;
  var gallery = root.querySelector('.att-gallery');
  var empty = root.querySelector('.att-empty');
  var form = root.querySelector('.att-upload');
  var viewer = document.querySelector('.att-viewer');
  var items = JSON.parse(root.dataset.items || '[]');
  var fieldLabels = {};
  JSON.parse(root.dataset.fields || '[]').forEach(function (f) {
    fieldLabels[f.name] = f.label;
  });
  var timer = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // The words come from the page (orbis.js). i18n-keys: js.attachments.*
  var t = Orbis.t;
  function sizeText(n) {
    if (n >= 1048576)
      return t('attachments.mb', { size: Orbis.number(n / 1048576, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
    return t('attachments.kb', { size: Orbis.number(Math.max(1, Math.round(n / 1024))) });
  }

  function renderItem(m) {
    var fig = el('figure', 'att-item');
    fig.dataset.mediaId = String(m.id);
    fig.dataset.state = m.state;
    var box;
    if (m.thumb) {
      box = el('button', 'att-thumb');
      box.type = 'button';
      box.title = t('attachments.open', { name: m.name });
      if (m.color) box.style.backgroundColor = m.color; // placeholder while the thumbnail loads
      var img = el('img');
      img.src = m.thumb;
      img.alt = m.name;
      img.loading = 'lazy';
      box.appendChild(img);
      box.addEventListener('click', function () {
        openViewer(m);
      });
    } else if (m.state === 'queued' || m.state === 'processing') {
      box = el('div', 'att-thumb att-pending');
      var spin = el('div', 'spinner-border spinner-border-sm text-secondary');
      spin.setAttribute('role', 'status');
      box.appendChild(spin);
    } else {
      box = el(
        'a',
        'att-thumb att-file',
        m.state === 'failed' ? t('attachments.failed') : (m.name.split('.').pop() || 'file').toUpperCase(),
      );
      box.href = m.original;
    }
    fig.appendChild(box);
    var cap = el('figcaption', 'small');
    var name = el('a', 'd-block text-truncate', m.name);
    name.href = m.original;
    name.title = t('attachments.download', { size: sizeText(m.size) });
    cap.appendChild(name);
    var meta = [];
    if (m.field && fieldLabels[m.field]) meta.push(fieldLabels[m.field]);
    if (m.width && m.height) meta.push(m.width + '×' + m.height);
    if (m.takenAt) meta.push(t('attachments.taken', { at: m.takenAt }));
    if (m.camera) meta.push(m.camera);
    if (m.gps) meta.push('GPS ' + m.gps.lat.toFixed(5) + ', ' + m.gps.lon.toFixed(5));
    if (meta.length) cap.appendChild(el('div', 'att-meta', meta.join(' · ')));
    if (m.state === 'queued' || m.state === 'processing')
      cap.appendChild(
        el('div', 'text-body-secondary att-state', m.state === 'queued' ? t('attachments.queued') : t('attachments.processing')),
      );
    if (m.state === 'failed')
      cap.appendChild(
        el('div', 'text-danger att-state', t('attachments.notProcessed', { reason: m.error || t('attachments.unknownReason') })),
      );
    if (m.faces) cap.appendChild(facesLine(m.faces));
    if (root.dataset.removeUrl) {
      var remove = el('button', 'btn btn-link btn-sm p-0 text-danger att-remove', t('attachments.remove'));
      remove.type = 'button';
      remove.title = t('attachments.removeTitle', { name: m.name });
      remove.addEventListener('click', function () {
        removeItem(m, remove);
      });
      cap.appendChild(remove);
    }
    fig.appendChild(cap);
    return fig;
  }

  // Recognition (issue 21): the tile says how many faces, or how far it got.
  function facesLine(f) {
    var line = el('div', 'att-faces small');
    line.dataset.facesState = f.state;
    if (f.state === 'done') line.textContent = t('faces.count', { count: f.faces });
    else if (f.state === 'failed') {
      line.classList.add('text-danger');
      line.textContent = t('faces.failed', { reason: f.error || t('attachments.unknownReason') });
    } else {
      line.classList.add('text-body-secondary');
      line.textContent = f.state === 'running' ? t('faces.running') : t('faces.waiting');
    }
    return line;
  }

  // Removing a file: POST …/attachments/ID/delete with the CSRF header; the gallery drops it on success.
  function removeItem(m, button) {
    if (!window.confirm(t('attachments.removeConfirm', { name: m.name }))) return;
    button.disabled = true;
    fetch(root.dataset.removeUrl + m.id + '/delete', {
      method: 'POST',
      headers: { accept: 'application/json', 'X-CSRF-Token': root.dataset.csrf },
      credentials: 'same-origin',
    })
      .then(function (r) {
        if (!r.ok) throw new Error(t('attachments.removeFailed', { status: String(r.status) }));
        items = items.filter(function (i) {
          return i.id !== m.id;
        });
        render();
      })
      .catch(function (err) {
        button.disabled = false;
        window.alert(err.message);
      });
  }

  function render() {
    gallery.replaceChildren.apply(gallery, items.map(renderItem));
    empty.classList.toggle('d-none', items.length > 0);
    schedule();
  }

  function pending() {
    return items.some(function (m) {
      return m.state === 'queued' || m.state === 'processing' || (m.faces && (m.faces.state === 'waiting' || m.faces.state === 'running'));
    });
  }

  function schedule() {
    if (timer || !pending()) return;
    timer = setTimeout(poll, POLL_MS);
  }

  function poll() {
    timer = null;
    fetch(root.dataset.pollUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.json() : Promise.reject(new Error(String(r.status)));
      })
      .then(function (data) {
        var before = JSON.stringify(items);
        items = data.media;
        if (JSON.stringify(items) !== before) render();
        else schedule();
      })
      .catch(function () {
        timer = setTimeout(poll, POLL_MS * 4);
      });
  }

  // --- viewer -------------------------------------------------------------
  var viewerImg = viewer && viewer.querySelector('.att-viewer-img');
  var viewerCaption = viewer && viewer.querySelector('.att-viewer-caption');
  var lastFocus = null;
  function openViewer(m) {
    if (!viewer) return;
    lastFocus = document.activeElement;
    if (m.color) viewer.style.setProperty('--att-color', m.color);
    viewerImg.src = m.full;
    viewerImg.alt = m.name;
    viewerCaption.textContent = m.name + (m.width ? ' · ' + m.width + '×' + m.height : '');
    viewer.hidden = false;
    viewer.querySelector('.att-viewer-close').focus();
    // faces.js draws the face boxes and crops of this photo.
    viewer.dispatchEvent(new CustomEvent('orbis:viewer-open', { detail: m }));
  }
  function closeViewer() {
    if (!viewer || viewer.hidden) return;
    viewer.hidden = true;
    viewerImg.removeAttribute('src');
    if (lastFocus) lastFocus.focus();
  }
  if (viewer) {
    viewer.addEventListener('click', function (e) {
      if (e.target !== viewerImg && !e.target.closest('.att-faces-panel, .att-face-box')) closeViewer();
    });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') closeViewer();
    });
  }

  // --- upload -------------------------------------------------------------
  if (form) {
    var input = form.querySelector('.att-input');
    var drop = form.querySelector('.att-drop');
    var bar = form.querySelector('.att-progress');
    var barInner = bar.querySelector('.progress-bar');
    var errorBox = form.querySelector('.att-error');
    var target = form.querySelector('.att-target');
    var maxBytes = Number(form.dataset.maxMb) * 1048576;

    function showError(text) {
      errorBox.textContent = text;
      errorBox.classList.toggle('d-none', !text);
    }

    // One request per file, one after the other: a proxy's limit holds per
    // request (nginx's client_max_body_size), so three 20 MB files must not
    // travel as one 60 MB body. The bar shows the progress over all files.
    function upload(fileList) {
      var files = Array.prototype.slice.call(fileList);
      if (!files.length) return;
      var big = files.filter(function (f) {
        return f.size > maxBytes;
      });
      if (big.length)
        return showError(
          big
            .map(function (f) {
              return f.name;
            })
            .join(', ') +
            ': larger than ' +
            form.dataset.maxMb +
            ' MB; nothing was uploaded.',
        );
      showError('');
      var url = form.dataset.uploadUrl + (target && target.value ? '?field=' + encodeURIComponent(target.value) : '');
      var total =
        files.reduce(function (n, f) {
          return n + f.size;
        }, 0) || 1;
      var done = 0;
      var failures = [];
      function progress(current, fraction) {
        var pct = Math.min(100, Math.round(((done + current.size * fraction) / total) * 100));
        barInner.style.width = pct + '%';
        var percent = Orbis.number(pct / 100, { style: 'percent' });
        barInner.textContent =
          files.length > 1 ? t('attachments.fileOf', { n: files.indexOf(current) + 1, total: files.length }) + ' · ' + percent : percent;
      }
      function finish() {
        bar.classList.add('d-none');
        input.value = '';
        showError(failures.join(' '));
      }
      function next(i) {
        if (i >= files.length) return finish();
        var file = files[i];
        var data = new FormData();
        data.append('files', file, file.name);
        var xhr = new XMLHttpRequest();
        xhr.open('POST', url);
        xhr.setRequestHeader('X-CSRF-Token', form.dataset.csrf);
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.responseType = 'json';
        progress(file, 0);
        xhr.upload.addEventListener('progress', function (e) {
          if (e.lengthComputable) progress(file, e.loaded / e.total);
        });
        xhr.addEventListener('load', function () {
          if (xhr.status === 201 && xhr.response) {
            items = items.concat(xhr.response.media);
            render();
          } else {
            // Orbis's JSON error (or nginx's 413 page for JSON): its message says what to do.
            failures.push(
              file.name + ': ' + ((xhr.response && xhr.response.error) || t('attachments.uploadFailed', { status: String(xhr.status) })),
            );
          }
          done += file.size;
          next(i + 1);
        });
        xhr.addEventListener('error', function () {
          failures.push(file.name + ': ' + t('attachments.interrupted'));
          done += file.size;
          next(i + 1);
        });
        xhr.send(data);
      }
      bar.classList.remove('d-none');
      barInner.style.width = '0%';
      barInner.textContent = '';
      next(0);
    }

    input.addEventListener('change', function () {
      upload(input.files);
    });
    ['dragenter', 'dragover'].forEach(function (t) {
      drop.addEventListener(t, function (e) {
        e.preventDefault();
        drop.classList.add('att-over');
      });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      drop.addEventListener(t, function () {
        drop.classList.remove('att-over');
      });
    });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      upload(e.dataTransfer.files);
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      upload(input.files);
    });
  }

  render();
})();
