// Keeps the progress of queued and running jobs current: polls each one's JSON every two
// seconds and updates its bar and figures in place; reloads the page once a job ends, so its
// result, error and Retry button show. Without this file the page is still right at load.
(function () {
  "use strict";
  var ACTIVE = { queued: true, running: true };
  var number = new Intl.NumberFormat();

  function set(box, name, text) {
    var row = box.closest("tr, section") || document;
    row.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = text;
    });
  }

  function poll(box) {
    fetch(box.dataset.jobProgress, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) return;
        var bar = box.querySelector("progress");
        bar.max = job.total || 1;
        bar.value = job.status === "done" && !job.total ? 1 : job.done;
        set(box, "percent", job.percent);
        set(box, "done", number.format(job.done));
        set(box, "total", number.format(job.total));
        set(box, "rate", job.rate ? number.format(Math.round(job.rate)) : "—");
        set(box, "status", job.status_label || job.status);
        if (ACTIVE[job.status]) {
          window.setTimeout(function () { poll(box); }, 2000);
        } else if (ACTIVE[box.dataset.status]) {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 5000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-progress]").forEach(function (box) {
      if (ACTIVE[box.dataset.status]) window.setTimeout(function () { poll(box); }, 1000);
    });
  });
})();
