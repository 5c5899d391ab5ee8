// Prototype pages: click a screen to place a feedback pin. Everything also works without JavaScript:
// the pin form then asks for the point's coordinates.
(function () {
  "use strict";

  function round(value) {
    return Math.round(Math.min(Math.max(value, 0), 1) * 10000) / 10000;
  }

  function enhance(svg) {
    var form = document.getElementById(svg.getAttribute("data-pin-target"));
    if (!form) return;
    var xInput = form.querySelector("[data-pin-x]");
    var yInput = form.querySelector("[data-pin-y]");
    var point = form.querySelector("[data-pin-point]");
    var hint = form.querySelector("[data-pin-hint]");
    var draft = svg.querySelector("[data-pin-draft]");
    var box = svg.viewBox.baseVal;
    point.hidden = true;
    hint.textContent = hint.dataset.clickHint;
    svg.classList.add("pinnable");
    svg.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("a")) return; // a marker: follow its link
      var rect = svg.getBoundingClientRect();
      var x = round((event.clientX - rect.left) / rect.width);
      var y = round((event.clientY - rect.top) / rect.height);
      xInput.value = String(x);
      yInput.value = String(y);
      draft.setAttribute("cx", String(x * box.width));
      draft.setAttribute("cy", String(y * box.height));
      form.classList.add("has-point");
      hint.textContent = hint.dataset.pinnedHint
        .replace("{x}", String(Math.round(x * 100)))
        .replace("{y}", String(Math.round(y * 100)));
      form.querySelector("textarea").focus();
    });
    form.addEventListener("submit", function (event) {
      if (!xInput.value || !yInput.value) {
        event.preventDefault();
        hint.textContent = hint.dataset.missingHint;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg[data-pin-target]").forEach(enhance);
  });
})();
