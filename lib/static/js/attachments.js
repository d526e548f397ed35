// The card's attachments panel: upload (several files, drag and drop, one
// request per file, a progress bar over all of them from XMLHttpRequest's
// upload events), the gallery rendered
// from JSON, live state while images are processed (polls attachments.json
// every 1.5 s while one is queued or processing), and a full-size viewer.
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
  JSON.parse(root.dataset.fields || '[]').forEach(function (f) { fieldLabels[f.name] = f.label; });
  var timer = null;
  // The page's language: texts come from the template (data-texts), "{name}" marks a value.
  var texts = JSON.parse(root.dataset.texts || '{}');
  function say(key, fallback, values) {
    var s = texts[key] || fallback;
    Object.keys(values || {}).forEach(function (k) { s = s.split('{' + k + '}').join(values[k]); });
    return s;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function sizeText(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
    return Math.max(1, Math.round(n / 1024)) + ' kB';
  }

  function renderItem(m) {
    var fig = el('figure', 'att-item');
    fig.dataset.mediaId = String(m.id);
    fig.dataset.state = m.state;
    var box;
    if (m.thumb) {
      box = el('button', 'att-thumb');
      box.type = 'button';
      box.title = say('open', 'Open {name}', { name: m.name });
      if (m.color) box.style.backgroundColor = m.color; // placeholder while the thumbnail loads
      var img = el('img');
      img.src = m.thumb;
      img.alt = m.name;
      img.loading = 'lazy';
      box.appendChild(img);
      box.addEventListener('click', function () { openViewer(m); });
    } else if (m.state === 'queued' || m.state === 'processing') {
      box = el('div', 'att-thumb att-pending');
      var spin = el('div', 'spinner-border spinner-border-sm text-secondary');
      spin.setAttribute('role', 'status');
      box.appendChild(spin);
    } else {
      box = el('a', 'att-thumb att-file', m.state === 'failed' ? say('failed', 'Failed') : (m.name.split('.').pop() || 'file').toUpperCase());
      box.href = m.original;
    }
    fig.appendChild(box);
    var cap = el('figcaption', 'small');
    var name = el('a', 'd-block text-truncate', m.name);
    name.href = m.original;
    name.title = say('download', 'Download the original ({size})', { size: sizeText(m.size) });
    cap.appendChild(name);
    var meta = [];
    if (m.field && fieldLabels[m.field]) meta.push(fieldLabels[m.field]);
    if (m.width && m.height) meta.push(m.width + '×' + m.height);
    if (m.takenAt) meta.push('taken ' + m.takenAt);
    if (m.camera) meta.push(m.camera);
    if (m.gps) meta.push('GPS ' + m.gps.lat.toFixed(5) + ', ' + m.gps.lon.toFixed(5));
    if (meta.length) cap.appendChild(el('div', 'att-meta', meta.join(' · ')));
    if (m.state === 'queued' || m.state === 'processing') cap.appendChild(el('div', 'text-body-secondary att-state', m.state === 'queued' ? say('waiting', 'Waiting to be processed…') : say('processing', 'Processing…')));
    if (m.state === 'failed') cap.appendChild(el('div', 'text-danger att-state', say('couldNotProcess', 'Could not be processed: {reason}', { reason: m.error || say('unknownReason', 'unknown reason') })));
    if (root.dataset.removeUrl) {
      var remove = el('button', 'btn btn-link btn-sm p-0 text-danger att-remove', say('remove', 'Remove'));
      remove.type = 'button';
      remove.title = say('removeTitle', 'Remove {name} from this card', { name: m.name });
      remove.addEventListener('click', function () { removeItem(m, remove); });
      cap.appendChild(remove);
    }
    fig.appendChild(cap);
    return fig;
  }

  // Removing a file: POST …/attachments/ID/delete with the CSRF header; the gallery drops it on success.
  function removeItem(m, button) {
    if (!window.confirm(say('removeConfirm', 'Remove {name} from this card?', { name: m.name }))) return;
    button.disabled = true;
    fetch(root.dataset.removeUrl + m.id + '/delete', { method: 'POST', headers: { accept: 'application/json', 'X-CSRF-Token': root.dataset.csrf }, credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error(say('notRemoved', 'The file could not be removed ({status}).', { status: r.status }));
        items = items.filter(function (i) { return i.id !== m.id; });
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
    return items.some(function (m) { return m.state === 'queued' || m.state === 'processing'; });
  }

  function schedule() {
    if (timer || !pending()) return;
    timer = setTimeout(poll, POLL_MS);
  }

  function poll() {
    timer = null;
    fetch(root.dataset.pollUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(String(r.status))); })
      .then(function (data) {
        var before = JSON.stringify(items);
        items = data.media;
        if (JSON.stringify(items) !== before) render();
        else schedule();
      })
      .catch(function () { timer = setTimeout(poll, POLL_MS * 4); });
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
  }
  function closeViewer() {
    if (!viewer || viewer.hidden) return;
    viewer.hidden = true;
    viewerImg.removeAttribute('src');
    if (lastFocus) lastFocus.focus();
  }
  if (viewer) {
    viewer.addEventListener('click', function (e) { if (e.target !== viewerImg) closeViewer(); });
    document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeViewer(); });
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
      var big = files.filter(function (f) { return f.size > maxBytes; });
      if (big.length) return showError(big.map(function (f) { return f.name; }).join(', ') + ': larger than ' + form.dataset.maxMb + ' MB; nothing was uploaded.');
      showError('');
      var url = form.dataset.uploadUrl + (target && target.value ? '?field=' + encodeURIComponent(target.value) : '');
      var total = files.reduce(function (n, f) { return n + f.size; }, 0) || 1;
      var done = 0;
      var failures = [];
      function progress(current, fraction) {
        var pct = Math.min(100, Math.round(((done + current.size * fraction) / total) * 100));
        barInner.style.width = pct + '%';
        barInner.textContent = files.length > 1 ? (files.indexOf(current) + 1) + ' of ' + files.length + ' · ' + pct + '%' : pct + '%';
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
            failures.push(file.name + ': ' + ((xhr.response && xhr.response.error) || 'the upload failed (' + xhr.status + ').'));
          }
          done += file.size;
          next(i + 1);
        });
        xhr.addEventListener('error', function () {
          failures.push(file.name + ': the upload was interrupted. Check the connection and try again.');
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

    input.addEventListener('change', function () { upload(input.files); });
    ['dragenter', 'dragover'].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add('att-over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove('att-over'); });
    });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      upload(e.dataTransfer.files);
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); upload(input.files); });
  }

  render();
})();
