/* The board-pack list (templates/reports/list.html), loaded only while a pack is pending.
   Progress without reloading (a reload would wipe a half-typed request): poll the status
   endpoint and update each row in place; stop once nothing is queued or running. */
(function () {
  var table = document.getElementById("packs");
  if (!table || !window.fetch) { return; }
  function update(pack) {
    var row = document.getElementById("pack-" + pack.id);
    if (!row || row.dataset.status === pack.status) { return; }
    row.dataset.status = pack.status;
    var cell = row.querySelector(".pack-status");
    cell.textContent = "";
    var badge = document.createElement("span");
    badge.className = "badge badge-pack-" + pack.status;
    badge.textContent = pack.label;
    cell.appendChild(badge);
    if (pack.error) {
      var error = document.createElement("p");
      error.className = "small bad pack-error";
      error.textContent = pack.error + " Reload the page to retry.";
      cell.appendChild(error);
    }
    if (pack.download_url) {
      var link = document.createElement("a");
      link.className = "btn btn-small";
      link.href = pack.download_url;
      link.textContent = "Download PDF";
      var actions = row.querySelector(".pack-actions");
      actions.textContent = "";
      actions.appendChild(link);
    }
  }
  function poll() {
    fetch(table.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        data.packs.forEach(update);
        if (data.pending) { window.setTimeout(poll, 3000); }
        else { var help = document.getElementById("pending-help"); if (help) { help.hidden = true; } }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
})();
