// The triage page, enhanced: the chosen action shows only its own fields (and makes its required ones
// required in the browser too), the original of duplicates is picked by searching, and j/k/x/1-6/o move,
// check, choose and open. Without this script every action's fields show, grouped and labelled, and the
// server checks everything. Words and URLs come from data- attributes.
(function () {
  "use strict";
  var form = document.querySelector("[data-triage-form]");
  if (!form) return;

  var choices = Array.prototype.slice.call(form.querySelectorAll("[data-action-choice]"));
  var groups = Array.prototype.slice.call(form.querySelectorAll("[data-action-fields]"));

  function showChosen() {
    var chosen = choices.filter(function (c) { return c.checked; })[0];
    var action = chosen ? chosen.value : "";
    groups.forEach(function (group) {
      var mine = group.dataset.actionFields === action;
      group.hidden = !mine;
      group.querySelectorAll("[data-required-when] input, [data-required-when] select, [data-required-when] textarea")
        .forEach(function (input) { input.required = mine; });
    });
  }
  choices.forEach(function (c) { c.addEventListener("change", showChosen); });
  showChosen();

  // Duplicates: search for the original with the similar-ideas endpoint, pick one to fill its number.
  var box = form.querySelector("[data-duplicate-search]");
  if (box) {
    box.hidden = false;
    var input = box.querySelector("input");
    var list = box.querySelector("[data-duplicate-results]");
    var number = form.querySelector("input[name=duplicate_of]");
    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 3) { list.innerHTML = ""; return; }
      timer = window.setTimeout(function () {
        fetch(box.dataset.similarUrl + "?title=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.innerHTML = "";
            if (!data.results.length) {
              var none = document.createElement("li");
              none.textContent = box.dataset.noneLabel;
              list.appendChild(none);
            }
            data.results.forEach(function (idea) {
              var li = document.createElement("li");
              var pick = document.createElement("button");
              pick.type = "button";
              pick.dataset.ideaId = String(idea.id);
              pick.textContent = interpolate(gettext("Choose: #%(id)s %(title)s"), { id: idea.id, title: idea.title }, true);
              pick.addEventListener("click", function () {
                number.value = String(idea.id);
                list.innerHTML = "";
                var chosen = document.createElement("li");
                chosen.textContent = interpolate(gettext("Chosen: #%(id)s %(title)s"), { id: idea.id, title: idea.title }, true);
                list.appendChild(chosen);
              });
              li.appendChild(pick);
              list.appendChild(li);
            });
          })
          .catch(function () { list.innerHTML = ""; });
      }, 250);
    });
  }

  // Keyboard shortcuts (listed on the page): not while typing in a field.
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-triage-row]"));
  var current = -1;
  function focusRow(n) {
    if (!rows.length) return;
    if (current >= 0) rows[current].classList.remove("triage-current");
    current = Math.max(0, Math.min(rows.length - 1, n));
    rows[current].classList.add("triage-current");
    rows[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.matches("input[type=text], input[type=search], input:not([type]), textarea, select")) return;
    var key = event.key;
    if (key === "j") { focusRow(current + 1); }
    else if (key === "k") { focusRow(current - 1); }
    else if (key === "x" && current >= 0) {
      var box = rows[current].querySelector("input[type=checkbox]");
      box.checked = !box.checked;
    } else if (key === "o" && current >= 0) {
      var link = rows[current].querySelector("a");
      if (link) window.location.href = link.href;
    } else if (key >= "1" && key <= "9" && choices[Number(key) - 1]) {
      choices[Number(key) - 1].checked = true;
      showChosen();
    } else { return; }
    event.preventDefault();
  });
})();
