// Poll a scan job and update its progress bar; reload the page when it ends to show the summary.
(function () {
  var box = document.getElementById("scan-job");
  if (!box) return;
  var status = document.getElementById("scan-status").dataset.status;
  if (status !== "queued" && status !== "running") return;
  function tick() {
    fetch(box.dataset.url, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        var bar = document.getElementById("scan-progress");
        bar.max = job.bytes_total || 1;
        bar.value = job.bytes_done;
        document.getElementById("scan-files").textContent = job.files_done + " / " + job.files_total;
        // A new state is shown by reloading: the server renders it in the page's language.
        if (job.status === status) setTimeout(tick, 1000);
        else window.location.reload();
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
