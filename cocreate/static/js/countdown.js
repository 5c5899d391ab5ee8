// A rate-limited form's countdown (templates/_rate_limited.html): counts the wait down in the page and
// says when the form may be sent again. Without scripts the page shows the wait as it was when loaded.
(function () {
  "use strict";
  function clock(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    var mm = hours ? String(minutes).padStart(2, "0") : String(minutes);
    return (hours ? hours + ":" : "") + mm + ":" + String(rest).padStart(2, "0");
  }
  function start(box) {
    var ends = Date.now() + Number(box.dataset.countdown) * 1000;
    var shown = box.querySelector("[data-countdown-clock]");
    function tick() {
      var left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
      if (left === 0) {
        box.textContent = box.dataset.countdownDone;
        return;
      }
      shown.textContent = clock(left);
      window.setTimeout(tick, 1000);
    }
    tick();
  }
  document.querySelectorAll("[data-countdown]").forEach(start);
})();
