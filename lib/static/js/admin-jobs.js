// /admin/jobs and /admin/jobs/:id: live state and progress without a reload.
// Polls /admin/jobs.json?ids=… every 1.5 s for the jobs on the page that are
// not finished, and updates in place: state badge, progress bar, attempts,
// started/finished times, error, the counts per state, and which action
// (retry/cancel) is offered. The page works without it (a reload shows the
// same). CSP allows only scripts from 'self': no inline script anywhere.
(function () {
  'use strict';
  var INTERVAL_MS = 1500;
  // Must match app/web/templates/admin/job-macros.njk.
  var STATE_CLASS = {
    waiting: 'text-bg-secondary',
    queued: 'text-bg-info',
    running: 'text-bg-primary',
    done: 'text-bg-success',
    failed: 'text-bg-danger',
    cancelled: 'text-bg-warning',
  };
  var FINAL = { done: true, failed: true, cancelled: true };

  var elements = {};
  document.querySelectorAll('[data-job-id]').forEach(function (el) {
    elements[el.dataset.jobId] = el;
  });

  function text(el, value) {
    if (el && el.textContent !== value) el.textContent = value;
  }

  function pending() {
    return Object.keys(elements).filter(function (id) {
      var badge = elements[id].querySelector('[data-job-state]');
      return badge && !FINAL[badge.dataset.jobState];
    });
  }

  function update(el, job) {
    var badge = el.querySelector('[data-job-state]');
    var was = badge ? badge.dataset.jobState : null;
    if (badge && was !== job.state) {
      Object.keys(STATE_CLASS).forEach(function (s) {
        badge.classList.remove(STATE_CLASS[s]);
      });
      badge.classList.add(STATE_CLASS[job.state] || 'text-bg-secondary');
      badge.dataset.jobState = job.state;
      badge.textContent = window.Orbis ? Orbis.t('jobs.states.' + job.state) : job.state; // i18n-keys: js.jobs.states.*
    }
    var bar = el.querySelector('[data-job-progress] progress');
    if (bar) {
      if (job.percent !== null) bar.value = job.percent;
      else if (job.state === 'running')
        bar.removeAttribute('value'); // indeterminate
      else bar.value = 0;
    }
    text(el.querySelector('[data-job-progress-text]'), job.label); // the server's progressLabel()
    text(el.querySelector('[data-job-attempts]'), job.attempts + '/' + job.maxAttempts);
    text(el.querySelector('[data-job-started]'), job.started);
    text(el.querySelector('[data-job-finished]'), job.finished);
    var error = el.querySelector('[data-job-error]');
    if (error && job.error && !error.textContent.trim()) error.textContent = job.error;
    // Offer only the actions the new state allows.
    document.querySelectorAll('form[data-job-action][action^="/admin/jobs/' + job.id + '/"]').forEach(function (form) {
      form.hidden = form.dataset.jobAction.split(' ').indexOf(job.state) < 0;
    });
    if (job.final && was !== job.state && el.dataset.jobReloadWhenFinal === 'yes') window.location.reload();
  }

  function updateCounts(counts) {
    Object.keys(counts).forEach(function (state) {
      text(document.querySelector('[data-state-count="' + state + '"] [data-count]'), String(counts[state]));
    });
  }

  var timer = null;
  function poll() {
    var ids = pending();
    if (!ids.length || document.hidden) return schedule();
    fetch('/admin/jobs.json?ids=' + ids.join(','), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        if (res.status === 401 || res.status === 403) throw new Error('stop'); // signed out: stop polling
        return res.ok ? res.json() : null;
      })
      .then(function (data) {
        if (data) {
          data.jobs.forEach(function (job) {
            if (elements[job.id]) update(elements[job.id], job);
          });
          updateCounts(data.counts);
        }
        schedule();
      })
      .catch(function (err) {
        if (err && err.message !== 'stop') schedule();
      });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(poll, INTERVAL_MS);
  }

  if (Object.keys(elements).length) schedule();
})();
