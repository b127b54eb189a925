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
})();
