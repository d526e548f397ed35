// /admin/types: the preview follows the definition as it is typed (the
// server reads the draft and answers its form and process, or its problems);
// a problem's line number puts the cursor on that line. Without script, the
// "Check" button shows the same.
(() => {
  const form = document.querySelector('form[data-preview]');
  const text = document.getElementById('definition');
  const target = () => document.getElementById('type-preview');
  if (!form || !text) return;
  let timer = null;
  let asked = 0;
  const refresh = () => {
    const n = ++asked;
    const body = new URLSearchParams({ _csrf: form.elements._csrf.value, name: form.dataset.name, definition: text.value });
    fetch(form.dataset.preview, { method: 'POST', body, headers: { Accept: 'text/html' }, credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : null))
      .then((html) => {
        if (html === null || n !== asked || !target()) return;
        const box = document.createElement('div');
        box.innerHTML = html;
        const next = box.querySelector('#type-preview');
        if (next) target().replaceWith(next);
      })
      .catch(() => undefined);
  };
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  });
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[data-line]');
    if (!a) return;
    e.preventDefault();
    const line = Number(a.dataset.line);
    const lines = text.value.split('\n');
    const start = lines.slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0);
    text.focus();
    text.setSelectionRange(start, start + (lines[line - 1] || '').length);
  });
})();
