// The title and people pickers (templates/_picker.html): without this script every button posts the form and
// the page comes back changed; with it, the search asks the JSON endpoint as one types, and add,
// up, down and remove act in the page. Keyboard: in the search box, arrows move through the
// results and Enter adds the one marked (or searches at once); the chosen list's buttons are
// ordinary buttons. The rows are cloned from <template>s the server rendered in the page's
// language, so this file holds no words.
(function () {
  function clock(seconds) {
    if (seconds === null || seconds === undefined || seconds === "" || isNaN(seconds)) return "—";
    var s = Math.round(Number(seconds));
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return Math.floor(s / 3600) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
  }

  function minutesOf(value) {
    var m = /^(\d{1,2}):(\d{2})/.exec(value || "");
    return m ? Number(m[1]) * 60 + Number(m[2]) : null;
  }

  function setUp(box) {
    if (box.dataset.ready) return;  // each picker macro loads this file: set up once
    box.dataset.ready = "1";
    var name = box.dataset.picker;
    var form = box.closest("form");
    var input = box.querySelector("input[type=search]");
    var results = box.querySelector("ul.results");
    var chosen = box.querySelector("ol.chosen");
    var slotFrom = (box.dataset.slotFrom || "").split(" ").filter(Boolean);
    var active = -1;
    var timer = null;
    var asked = 0;

    function clone(selector) {
      return box.querySelector("template." + selector).content.firstElementChild.cloneNode(true);
    }

    function notes(row, item) {
      if (item.held) row.querySelectorAll("[data-note=away]").forEach(function (n) { n.remove(); });
      if (item.approved) row.querySelectorAll("[data-note=refused]").forEach(function (n) { n.remove(); });
    }

    function chosenIds() {
      return Array.prototype.map.call(chosen.querySelectorAll("input[type=hidden]"),
        function (i) { return i.value; });
    }

    function slotSeconds() {
      if (slotFrom.length !== 2 || !form) return null;
      var start = minutesOf((form.elements[slotFrom[0]] || {}).value);
      var end = minutesOf((form.elements[slotFrom[1]] || {}).value);
      if (start === null || end === null) return null;
      var length = end - start;
      if (length < 0) length += 24 * 60;  // ends the next day
      return length ? length * 60 : null;
    }

    function text(root, selector, value) {  // a row's part, when this kind of row has it
      var el = root.querySelector(selector);
      if (el) el.textContent = value;
    }

    function refresh() {
      var total = 0;
      var rows = chosen.querySelectorAll("li");
      rows.forEach(function (li, n) {
        total += Number(li.dataset.duration || 0);
        var up = li.querySelector("button.up"), down = li.querySelector("button.down");
        if (up) up.disabled = n === 0;
        if (down) down.disabled = n === rows.length - 1;
      });
      box.querySelector(".empty").hidden = rows.length > 0;
      text(box, ".sum", clock(total));
      var slot = slotSeconds();
      var shown = box.querySelector(".slot");
      if (shown) {
        shown.textContent = clock(slot);
        box.querySelector(".over").hidden = !(slot && total > slot);
      }
    }

    function mark(n) {
      var buttons = results.querySelectorAll("button.add");
      buttons.forEach(function (b) { b.classList.remove("active"); b.removeAttribute("aria-selected"); });
      active = buttons.length ? Math.max(-1, Math.min(n, buttons.length - 1)) : -1;
      if (active >= 0) {
        buttons[active].classList.add("active");
        buttons[active].setAttribute("aria-selected", "true");
        buttons[active].scrollIntoView({block: "nearest"});
        input.setAttribute("aria-activedescendant", buttons[active].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function add(button) {
      var item = {id: button.dataset.id, name: button.dataset.name, duration: button.dataset.duration,
                  line: button.dataset.line, held: !!button.dataset.held,
                  approved: !!button.dataset.approved};
      if (chosenIds().indexOf(item.id) >= 0) return;
      var single = !!box.dataset.single;  // a picker of one: the new choice replaces the old
      if (single) chosen.textContent = "";
      var li = clone("chosen-row");
      li.dataset.id = item.id;
      if (item.duration !== undefined) li.dataset.duration = item.duration;
      li.querySelector("input[type=hidden]").value = item.id;
      li.querySelector(".name").textContent = item.name;
      text(li, ".duration", clock(item.duration));
      text(li, ".line", item.line || "");
      li.querySelectorAll("button").forEach(function (b) { b.value = b.value.split(":")[0] + ":" + item.id; });
      notes(li, item);
      chosen.appendChild(li);
      button.closest("li").remove();
      refresh();
      if (single) { search(); return; }  // the one replaced may be listed again
      mark(Math.min(active, results.querySelectorAll("button.add").length - 1));
    }

    function show(items, more) {
      results.textContent = "";
      items.forEach(function (item, n) {
        var li = clone("result-row");
        var b = li.querySelector("button");
        b.id = name + "-result-" + n;
        b.value = "add:" + item.id;
        b.dataset.id = item.id;
        b.dataset.name = item.name;
        b.dataset.duration = item.duration_s == null ? "" : item.duration_s;
        b.dataset.held = item.held_here ? "1" : "";
        b.dataset.approved = item.approved ? "1" : "";
        if (item.line !== undefined) b.dataset.line = item.line;
        li.querySelector(".name").textContent = item.name;
        text(li, ".duration", clock(item.duration_s));
        text(li, ".line", item.line || "");
        notes(li, {held: item.held_here, approved: item.approved});
        results.appendChild(li);
      });
      box.querySelector(".none").hidden = items.length > 0 || !input.value.trim();
      box.querySelector(".more").hidden = !more;
      mark(items.length && input.value.trim() ? 0 : -1);
    }

    function search() {
      var url = new URL(box.dataset.search, window.location.href);
      url.searchParams.set("q", input.value);
      chosenIds().forEach(function (id) { url.searchParams.append("leave_out", id); });
      var ticket = ++asked;
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (body) { if (ticket === asked) show(body.items, body.more); })
        .catch(function () { /* the Search button still posts the form */ });
    }

    results.querySelectorAll("button.add").forEach(function (b, n) { b.id = name + "-result-" + n; });

    box.addEventListener("click", function (event) {
      var button = event.target.closest("button[name='" + name + "_pick']");
      if (!button) return;
      event.preventDefault();
      var op = button.value.split(":")[0];
      if (op === "search") { search(); input.focus(); return; }
      if (op === "add") { add(button); return; }
      var li = button.closest("li");
      if (op === "remove") {
        var next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        search();  // it may be listed again
        if (next) next.querySelector("button.remove").focus(); else input.focus();
      } else if (op === "up" && li.previousElementSibling) {
        chosen.insertBefore(li, li.previousElementSibling);
        button.focus();
      } else if (op === "down" && li.nextElementSibling) {
        chosen.insertBefore(li.nextElementSibling, li);
        button.focus();
      }
      refresh();
    });

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });

    input.addEventListener("keydown", function (event) {
      var count = results.querySelectorAll("button.add").length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        mark(active + 1 < count ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        mark(active > 0 ? active - 1 : count - 1);
      } else if (event.key === "Enter") {
        event.preventDefault();  // never submits the whole form from the search box
        var marked = results.querySelectorAll("button.add")[active];
        if (marked) add(marked); else { clearTimeout(timer); search(); }
      } else if (event.key === "Escape") {
        mark(-1);
      }
    });

    slotFrom.forEach(function (field) {
      var el = form && form.elements[field];
      if (el) el.addEventListener("input", refresh);
    });
    refresh();
  }

  // One title for one form (attach a file to a title): the matches are buttons posting
  // title_id; typing lists them, arrows mark one, Enter posts the one marked (or the text).
  function setUpOne(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var input = form.querySelector("input[type=search]");
    var list = form.querySelector("ul.matches");
    var active = -1;
    var timer = null;
    var asked = 0;

    function buttons() { return list.querySelectorAll("button"); }

    function mark(n) {
      var all = buttons();
      all.forEach(function (b) { b.classList.remove("active"); });
      active = all.length ? Math.max(-1, Math.min(n, all.length - 1)) : -1;
      if (active >= 0) all[active].classList.add("active");
    }

    function search() {
      var url = new URL(form.dataset.pickOne, window.location.href);
      url.searchParams.set("q", input.value);
      var ticket = ++asked;
      if (!input.value.trim()) { list.textContent = ""; mark(-1); return; }
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (body) {
          if (ticket !== asked) return;
          list.textContent = "";
          body.items.forEach(function (item) {
            var li = document.createElement("li");
            var b = document.createElement("button");
            b.name = "title_id";
            b.value = item.id;
            b.formNoValidate = true;
            b.textContent = form.dataset.label.replace("%(name)s", item.name);
            li.appendChild(b);
            list.appendChild(li);
          });
          mark(body.items.length ? 0 : -1);
        })
        .catch(function () { /* the button still posts the text */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      var count = buttons().length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        mark(active + 1 < count ? active + 1 : 0);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        mark(active > 0 ? active - 1 : count - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        buttons()[active].click();
      }
    });
  }

  document.querySelectorAll("fieldset[data-picker]").forEach(setUp);
  document.querySelectorAll("form[data-pick-one]").forEach(setUpOne);
})();
