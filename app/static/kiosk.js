// The kiosk: live search and sign-in through the JSON API, undo for a few seconds, a live count,
// and the rotating QR code. Plain ES5 and XMLHttpRequest so an old PC's browser runs it; without
// it the page's forms still work.
(function () {
  "use strict";

  function request(method, url, body, headers, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader("Accept", "application/json");
    for (var name in headers) { xhr.setRequestHeader(name, headers[name]); }
    if (body !== null) { xhr.setRequestHeader("Content-Type", "application/json"); }
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      done(xhr.status, data);
    };
    xhr.send(body === null ? null : JSON.stringify(body));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.appendChild(document.createTextNode(text)); }
    return node;
  }

  // The QR code (kiosk and the staff QR page): reload it twice per rotation, so the code shown
  // is always accepted (the server takes the current and the previous one).
  var qr = document.getElementById("kiosk-qr");
  if (qr) {
    var base = qr.getAttribute("src");
    var every = Math.max(2, Number(qr.getAttribute("data-rotate") || 30) / 2) * 1000;
    setInterval(function () { qr.setAttribute("src", base + "?t=" + new Date().getTime()); }, every);
  }

  var box = document.getElementById("kiosk");
  if (!box) { return; }
  var data = function (name) { return box.getAttribute("data-" + name); };
  var screening = data("screening");

  // The count, and a new screening opening (or this one closing): reload the page then.
  function poll() {
    request("GET", data("count-url"), null, {}, function (status, reply) {
      if (status === 200 && reply) {
        if ((reply.screening_id || "") !== screening) { window.location.reload(); return; }
        var count = document.getElementById("kiosk-count");
        if (count) { count.textContent = reply.count; }
      }
    });
  }
  setInterval(poll, 3000);
  if (!screening) { return; }

  var csrf = {"X-CSRFToken": data("csrf")};
  var search = document.getElementById("kiosk-q");
  var other = document.getElementById("kiosk-other");  // someone from another village: the township
  var results = document.getElementById("kiosk-results");
  var none = document.getElementById("kiosk-none");
  var result = document.getElementById("kiosk-result");
  var undoForm = document.getElementById("kiosk-undo");
  var undoLeft = document.getElementById("kiosk-undo-left");
  var errorBox = document.getElementById("kiosk-error");
  var timer = null;

  function showError(message) {
    errorBox.textContent = message || data("failed");
    errorBox.hidden = false;
  }

  function countdown(seconds) {
    clearInterval(timer);
    clearTimeout(timer);
    var left = seconds;
    undoForm.hidden = left <= 0;
    if (left <= 0) { return; }
    undoLeft.textContent = "(" + left + ")";
    timer = setInterval(function () {
      left -= 1;
      undoLeft.textContent = "(" + left + ")";
      if (left <= 0) { clearInterval(timer); undoForm.hidden = true; result.hidden = true; }
    }, 1000);
  }

  // `created`: signed in now (201). Undo only takes back a row this sign-in made, not one that
  // turned an earlier absent or excused mark into the sign-in (`replaced`: that mark is gone).
  function showResult(row, created) {
    document.getElementById("kiosk-name").textContent = row.name;
    document.getElementById("kiosk-state").textContent = created ? data("signed") : data("already");
    result.className = "kiosk-result " + (created ? "new" : "already");
    result.hidden = false;
    undoForm.setAttribute("action", data("undo-url").replace("ID", row.id));
    countdown(created && !row.replaced ? Number(data("undo-s")) : 0);
    if (!created) { timer = setTimeout(function () { result.hidden = true; }, 8000); }
  }

  function personForm(person) {
    var li = el("li");
    var form = el("form", "sign");
    form.method = "post";
    form.action = data("form-url");
    var fields = {csrf_token: data("csrf"), screening_id: screening, person_id: person.id};
    for (var name in fields) {
      var input = el("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    }
    var button = el("button", "person");
    button.appendChild(el("b", "", person.name));
    button.appendChild(document.createTextNode(" "));
    button.appendChild(el("small", "", person.village || ""));
    form.appendChild(button);
    li.appendChild(form);
    return li;
  }

  var asked = 0;
  function find() {
    var q = search.value.replace(/^\s+|\s+$/g, "");
    var ticket = ++asked;
    if (!q) { results.innerHTML = ""; none.hidden = true; return; }
    var url = data("people-url") + "?limit=20&screening=" + encodeURIComponent(screening) +
      "&q=" + encodeURIComponent(q) + (other && other.checked ? "&scope=township" : "");
    request("GET", url, null, {}, function (status, reply) {
      if (ticket !== asked || status !== 200 || !reply) { return; }
      results.innerHTML = "";
      for (var i = 0; i < reply.items.length; i++) { results.appendChild(personForm(reply.items[i])); }
      none.hidden = reply.items.length > 0;
    });
  }
  var typing = null;
  search.addEventListener("input", function () { clearTimeout(typing); typing = setTimeout(find, 150); });
  search.form.addEventListener("submit", function (event) { event.preventDefault(); find(); });
  if (other) { other.addEventListener("change", function () { find(); search.focus(); }); }

  // Signing in: a roster person or a walk-in, through the API.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("sign")) { return; }
    event.preventDefault();
    var body = {};
    if (form.elements.person_id) {
      body.person_id = form.elements.person_id.value;
    } else {
      body.walkin_name = form.elements.walkin_name.value;
      body.village = form.elements.village.value;
    }
    var buttons = form.getElementsByTagName("button");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    request("POST", data("sign-url"), body, csrf, function (status, reply) {
      for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
      if ((status === 201 || status === 200) && reply) {
        errorBox.hidden = true;
        showResult(reply, status === 201);
        search.value = "";
        if (other) { other.checked = false; }  // the next person starts with the own villages
        results.innerHTML = "";
        none.hidden = true;
        if (form.elements.walkin_name) {
          form.elements.walkin_name.value = "";
          document.getElementById("kiosk-walkin").open = false;
        }
        search.focus();
        poll();
      } else {
        showError(reply && reply.error ? reply.error.message : data("failed"));
      }
    });
  });

  undoForm.addEventListener("submit", function (event) {
    event.preventDefault();
    request("POST", undoForm.getAttribute("action"), {}, csrf, function (status, reply) {
      clearInterval(timer);
      result.hidden = true;
      undoForm.hidden = true;
      if (status === 200) {
        errorBox.hidden = true;
      } else {
        showError(reply && reply.error ? reply.error.message : data("failed"));
      }
      search.focus();
      poll();
    });
  });

  if (!result.hidden) {
    countdown(Number(data("undo-left")));
  }
})();
