// Reviewer workspace: zoom and rotate document images, show/hide field boxes, and keep the
// decision form's reason codes and sides in step with the chosen outcome. No dependencies.
(function () {
  "use strict";
  document.querySelectorAll(".document").forEach(function (panel) {
    var svg = panel.querySelector(".document-image");
    if (!svg) return;
    var state = { zoom: 1, rotate: 0 };
    var width = parseInt(svg.dataset.width, 10), height = parseInt(svg.dataset.height, 10);
    var rotator = svg.querySelector(".rotator");
    // Rotation happens inside the SVG (the boxes turn with the image and the viewBox follows);
    // zoom widens the SVG inside a scrolling frame, so every part stays reachable.
    var turns = {
      0: ["0 0 " + width + " " + height, ""],
      90: ["0 0 " + height + " " + width, "translate(" + height + ",0) rotate(90)"],
      180: ["0 0 " + width + " " + height, "translate(" + width + "," + height + ") rotate(180)"],
      270: ["0 0 " + height + " " + width, "translate(0," + width + ") rotate(270)"]
    };
    function apply() {
      svg.setAttribute("viewBox", turns[state.rotate][0]);
      rotator.setAttribute("transform", turns[state.rotate][1]);
      svg.style.width = (state.zoom * 100) + "%";
      svg.style.maxHeight = state.zoom > 1 ? "none" : "";
      svg.dataset.zoom = String(state.zoom);
      svg.dataset.rotate = String(state.rotate);
    }
    panel.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        state.zoom = Math.min(8, Math.max(0.25, state.zoom * parseFloat(button.dataset.zoom)));
        apply();
      });
    });
    panel.querySelectorAll("[data-rotate]").forEach(function (button) {
      button.addEventListener("click", function () {
        state.rotate = (state.rotate + parseInt(button.dataset.rotate, 10)) % 360;
        apply();
      });
    });
    panel.querySelectorAll("[data-reset]").forEach(function (button) {
      button.addEventListener("click", function () { state.zoom = 1; state.rotate = 0; apply(); });
    });
    panel.querySelectorAll("[data-toggle-boxes]").forEach(function (box) {
      box.addEventListener("change", function () {
        panel.querySelector(".boxes").style.display = box.checked ? "" : "none";
      });
    });
    // Hovering a row of the comparison table highlights its box on the image.
    panel.querySelectorAll("tr[data-field]").forEach(function (row) {
      var rects = panel.querySelectorAll('rect[data-field="' + row.dataset.field + '"]');
      row.addEventListener("mouseenter", function () { rects.forEach(function (r) { r.classList.add("hover"); }); });
      row.addEventListener("mouseleave", function () { rects.forEach(function (r) { r.classList.remove("hover"); }); });
    });
  });

  // The language picker (base.html) changes the language as soon as one is chosen; its button
  // does the same without JavaScript. The choice is kept in Django's language cookie.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var button = select.form && select.form.querySelector(".language-go");
    if (button) button.hidden = true;
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The workspace columns fill the window below the header (see reviewer.css, --ws-top).
  var workspace = document.querySelector(".workspace");
  if (workspace) {
    var placeColumns = function () {
      var top = workspace.getBoundingClientRect().top + window.scrollY;
      workspace.style.setProperty("--ws-top", Math.max(0, Math.round(top)) + "px");
    };
    placeColumns();
    window.addEventListener("resize", placeColumns);
  }

  var form = document.getElementById("decision-form");
  if (form) {
    var outcomeInputs = form.querySelectorAll('input[name="outcome"]');
    var sides = form.querySelector(".requested-kinds");
    function sync() {
      var chosen = form.querySelector('input[name="outcome"]:checked');
      var outcome = chosen ? chosen.value : "";
      form.querySelectorAll(".reason-code").forEach(function (label) {
        var applies = label.dataset.appliesTo === "any" || label.dataset.appliesTo === outcome || !outcome;
        label.hidden = !applies;
        if (!applies) label.querySelector("input").checked = false;
      });
      if (sides) sides.hidden = outcome !== "request_resubmission";
    }
    outcomeInputs.forEach(function (input) { input.addEventListener("change", sync); });
    sync();
  }

  // Keyboard first. Keys act only when no text box has the focus (Esc leaves one); "?" lists them.
  var overlay = document.getElementById("shortcuts");
  function toggleOverlay(show) {
    if (!overlay) return;
    overlay.hidden = show === undefined ? !overlay.hidden : !show;
    if (!overlay.hidden) document.getElementById("close-shortcuts").focus();
  }
  var opener = document.getElementById("show-shortcuts");
  if (opener) opener.addEventListener("click", function () { toggleOverlay(true); });
  var closer = document.getElementById("close-shortcuts");
  if (closer) closer.addEventListener("click", function () { toggleOverlay(false); });

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && !/^(checkbox|radio|submit|button)$/.test(target.type));
  }
  function go(id) { var link = document.getElementById(id); if (link) link.click(); return !!link; }
  function firstPanel() { return document.querySelector(".document"); }
  function press(selector) {
    var panel = firstPanel();
    var button = panel && panel.querySelector(selector);
    if (button) button.click();
  }
  function choose(outcome) {
    if (!form) return;
    var input = form.querySelector('input[name="outcome"][value="' + outcome + '"]');
    if (!input) return;
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
    if (outcome === "approve") return;
    // Rejecting or asking for new images needs a note: the reasons the failed checks point at
    // (marked "suggested") are ticked, and the note takes the focus, ready for the reviewer's words.
    // Esc leaves the note; 1-9 then tick or untick reasons as before.
    form.querySelectorAll('.reason-code[data-suggested]').forEach(function (label) {
      if (!label.hidden) label.querySelector("input").checked = true;
    });
    var note = form.querySelector("textarea[name=note]");
    if (note) note.focus();
  }
  // Queue: j / k move a highlighted row, Enter or o opens it.
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.queue-row"));
  var selected = -1;
  function select(index) {
    if (!rows.length) return;
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    rows[selected].querySelector("a").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      if (overlay && !overlay.hidden) { toggleOverlay(false); event.preventDefault(); return; }
      if (typing(event.target)) { event.target.blur(); return; }
    }
    if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById("decide-next").click();
      return;
    }
    if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key;
    var handled = true;
    if (key === "?") toggleOverlay();
    else if (overlay && !overlay.hidden) handled = false;
    else if (rows.length && (key === "j" || key === "k")) select(selected + (key === "j" ? 1 : -1));
    else if (rows.length && key === "o" && selected >= 0) rows[selected].querySelector("a").click();
    else if (key === "/" && document.getElementById("queue-search")) document.getElementById("queue-search").focus();
    else if (key === "j") handled = go("next-case");
    else if (key === "k") handled = go("previous-case");
    else if (key === "u") window.location.href = document.querySelector(".case-nav a:last-child") ? document.querySelector(".case-nav a:last-child").href : "/review/";
    else if (key === "c") handled = go("claim");
    else if (key === "a") choose("approve");
    else if (key === "x") choose("reject");
    else if (key === "s") choose("request_resubmission");
    else if (key === "n" && form) form.querySelector("textarea[name=note]").focus();
    else if (/^[1-9]$/.test(key) && form) {
      var shown = Array.prototype.filter.call(form.querySelectorAll(".reason-code"), function (l) { return !l.hidden; });
      var label = shown[parseInt(key, 10) - 1];
      if (label) { var box = label.querySelector("input"); box.checked = !box.checked; box.focus(); }
    }
    else if (key === "b") { var toggle = firstPanel() && firstPanel().querySelector("[data-toggle-boxes]"); if (toggle) toggle.click(); }
    else if (key === "+" || key === "=") press('[data-zoom="1.25"]');
    else if (key === "-") press('[data-zoom="0.8"]');
    else if (key === "r") press("[data-rotate]");
    else if (key === "0") press("[data-reset]");
    else handled = false;
    if (handled) event.preventDefault();
  });
})();
