// The queue page: polls the player's status each second and sends the buttons to the API.
(function () {
  var box = document.getElementById("player");
  if (!box) return;
  var base = box.dataset.base;  // ".../api/v1/player/"
  function send(path, body) {
    return fetch(base + path, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf},
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json(); }).then(function (st) {
      // A refusal (a title not approved here: 422) or a warning is said in plain words.
      var said = document.getElementById("queue-message");
      var text = st && st.error ? st.error.message : (st && st.warnings || []).join(" ");
      said.textContent = text || "";
      said.hidden = !text;
      render(st);
    });
  }
  function clock(s) {
    s = Math.max(0, Math.round(s || 0));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function render(st) {
    if (!st || st.error) return;
    var now = st.current;
    document.getElementById("now-title").textContent = now ? now.name : box.dataset.idle;
    var bar = document.getElementById("now-progress");
    bar.max = now && now.length_s ? now.length_s : 1;
    bar.value = now ? now.position_s || 0 : 0;
    document.getElementById("now-time").textContent = now ? clock(now.position_s) + " / " + clock(now.length_s) : "0:00 / 0:00";
    var stateName = {idle: box.dataset.stateIdle, playing: box.dataset.statePlaying, paused: box.dataset.statePaused};
    document.getElementById("player-state").textContent = stateName[st.state] || st.state;
    var list = document.getElementById("queue");
    var row = document.getElementById("queue-row");
    list.textContent = "";
    st.queue.forEach(function (item, i) {
      var li = row.content.firstElementChild.cloneNode(true);
      li.querySelector(".name").textContent = item.name;
      li.querySelector(".dur").textContent = item.duration_s ? clock(item.duration_s) : "";
      if (i === st.index && !st.screening_id) li.classList.add("current");
      li.querySelector(".up").onclick = function () { if (i > 0) send("queue", {move: {from: i, to: i - 1}}); };
      li.querySelector(".down").onclick = function () { if (i < st.queue.length - 1) send("queue", {move: {from: i, to: i + 1}}); };
      li.querySelector(".remove").onclick = function () { send("queue", {remove: i}); };
      list.appendChild(li);
    });
    document.getElementById("queue-empty").hidden = st.queue.length > 0;
    var next = document.getElementById("next-screening");
    var upcoming = st.next_screening;
    next.textContent = upcoming ? box.dataset.nextLabel + " " + upcoming.starts_local + " " + upcoming.topic : "";
    var ready = document.getElementById("next-readiness");
    var check = upcoming && upcoming.readiness;
    ready.hidden = !check;
    if (check) {
      ready.className = "readiness " + check.status;
      ready.textContent = (check.status === "ready" ? box.dataset.ready : box.dataset.atRisk) +
        (check.problems.length ? ": " + check.problems.join("; ") : "");
    }
    var fault = document.getElementById("player-fault");
    fault.hidden = st.available || !!document.getElementById("player-unavailable");
    fault.textContent = st.available ? "" : box.dataset.unavailable + " " + (st.reason_shown || "");
  }
  box.querySelectorAll("button[data-action]").forEach(function (b) {
    b.onclick = function () { send(b.dataset.action); };
  });
  box.querySelectorAll("button.add").forEach(function (b) {
    b.onclick = function () { send("queue", {items: [{file_id: b.dataset.file}]}); };
  });
  document.getElementById("volume").onchange = function (e) { send("volume", {volume: Number(e.target.value)}); };
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(render)
      .finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
