// Prototype pages: place a feedback pin on a screen with the mouse (click), the keyboard (focus the
// screen, move the point with the arrow keys, Enter to write the comment) or by typing the point into
// the form's x and y fields. Everything also works without JavaScript: the form then asks for x and y.
(function () {
  "use strict";

  var STEP = 0.02; // an arrow key moves the point 2 % of the screen; with Shift 10 %
  var BIG_STEP = 0.1;
  var KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  function round(value) {
    return Math.round(Math.min(Math.max(value, 0), 1) * 10000) / 10000;
  }

  function enhance(svg) {
    var form = document.getElementById(svg.getAttribute("data-pin-target"));
    if (!form) return;
    var xInput = form.querySelector("[data-pin-x]");
    var yInput = form.querySelector("[data-pin-y]");
    var hint = form.querySelector("[data-pin-hint]");
    var body = form.querySelector("textarea");
    var draft = svg.querySelector("[data-pin-draft]");
    var box = svg.viewBox.baseVal;
    hint.textContent = hint.dataset.clickHint;
    svg.classList.add("pinnable");
    // The form's own check would point at the x and y fields; this one explains all three ways.
    form.noValidate = true;

    function current() {
      var x = parseFloat(xInput.value);
      var y = parseFloat(yInput.value);
      return isNaN(x) || isNaN(y) ? null : [x, y];
    }

    function show(x, y) {
      draft.setAttribute("cx", String(x * box.width));
      draft.setAttribute("cy", String(y * box.height));
      form.classList.add("has-point");
      hint.classList.remove("error");
      hint.textContent = hint.dataset.pinnedHint
        .replace("{x}", String(Math.round(x * 100)))
        .replace("{y}", String(Math.round(y * 100)));
    }

    function place(x, y) {
      x = round(x);
      y = round(y);
      xInput.value = String(x);
      yInput.value = String(y);
      show(x, y);
    }

    svg.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("a")) return; // a marker: follow its link
      var rect = svg.getBoundingClientRect();
      place((event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height);
      body.focus();
    });

    svg.addEventListener("keydown", function (event) {
      var move = KEYS[event.key];
      if (move) {
        event.preventDefault(); // the arrows move the point, not the page
        var point = current() || [0.5 - move[0] * STEP, 0.5 - move[1] * STEP];
        var step = event.shiftKey ? BIG_STEP : STEP;
        place(point[0] + move[0] * step, point[1] + move[1] * step);
      } else if ((event.key === "Enter" || event.key === " ") && current()) {
        event.preventDefault();
        body.focus();
      }
    });

    [xInput, yInput].forEach(function (input) {
      input.addEventListener("input", function () {
        var point = current();
        if (point && point.every(function (v) { return v >= 0 && v <= 1; })) show(point[0], point[1]);
      });
    });

    form.addEventListener("submit", function (event) {
      var point = current();
      if (!point || !point.every(function (v) { return v >= 0 && v <= 1; })) {
        event.preventDefault();
        hint.textContent = hint.dataset.missingHint;
        hint.classList.add("error");
        svg.focus();
        return;
      }
      if (!body.value.trim()) {
        event.preventDefault();
        body.reportValidity();
        body.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg[data-pin-target]").forEach(enhance);
  });
})();
