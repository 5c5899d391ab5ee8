// Progressive enhancement: the @mention picker on idea and comment textareas (data-mention-url).
// Typing "@" and the start of a name lists members (the idea's thread first, from the server); arrow
// keys move through the list, Enter or Tab inserts "@username ", Escape closes it. Without this script
// members type "@username" themselves. URLs and words come from the textarea's data- attributes.
(function () {
  "use strict";

  var AT_HANDLE = /(^|[^\w@\/])@([\w.+-]{0,30})$/;  // "@" and what follows it, just before the caret
  var counter = 0;

  function Picker(textarea) {
    this.textarea = textarea;
    this.items = [];
    this.active = -1;
    this.start = -1;
    this.request = 0;
    counter += 1;
    this.list = document.createElement("ul");
    this.list.id = "mention-list-" + counter;
    this.list.className = "mention-list";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", textarea.dataset.mentionLabel || "");
    this.list.hidden = true;
    textarea.after(this.list);
    textarea.setAttribute("role", "combobox");
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", this.list.id);
    textarea.setAttribute("aria-expanded", "false");
    textarea.addEventListener("input", this.onInput.bind(this));
    textarea.addEventListener("keydown", this.onKey.bind(this));
    textarea.addEventListener("blur", this.close.bind(this));
    // mousedown, not click: it comes before the textarea's blur closes the list
    this.list.addEventListener("mousedown", this.onPick.bind(this));
  }

  Picker.prototype.onInput = function () {
    var before = this.textarea.value.slice(0, this.textarea.selectionStart);
    var match = AT_HANDLE.exec(before);
    if (!match) { this.close(); return; }
    this.start = before.length - match[2].length - 1;  // where the "@" is
    var url = new URL(this.textarea.dataset.mentionUrl, window.location.href);
    url.searchParams.set("q", match[2]);
    if (this.textarea.dataset.mentionIdea) url.searchParams.set("idea", this.textarea.dataset.mentionIdea);
    var request = ++this.request;
    var picker = this;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (members) { if (request === picker.request) picker.show(members); })
      .catch(function () { picker.close(); });
  };

  Picker.prototype.show = function (members) {
    this.items = members;
    this.list.textContent = "";
    if (!members.length) { this.close(); return; }
    var picker = this;
    members.forEach(function (member, index) {
      var option = document.createElement("li");
      option.id = picker.list.id + "-" + index;
      option.setAttribute("role", "option");
      option.dataset.index = String(index);
      option.textContent = member.name + " @" + member.handle;
      picker.list.appendChild(option);
    });
    this.list.hidden = false;
    this.textarea.setAttribute("aria-expanded", "true");
    this.select(0);
  };

  Picker.prototype.select = function (index) {
    var options = this.list.querySelectorAll("[role=option]");
    if (!options.length) return;
    this.active = (index + options.length) % options.length;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === this.active ? "true" : "false");
    }, this);
    this.textarea.setAttribute("aria-activedescendant", options[this.active].id);
  };

  Picker.prototype.close = function () {
    this.list.hidden = true;
    this.items = [];
    this.active = -1;
    this.request += 1;  // answers still on their way are dropped
    this.textarea.setAttribute("aria-expanded", "false");
    this.textarea.removeAttribute("aria-activedescendant");
  };

  Picker.prototype.insert = function (member) {
    var value = this.textarea.value;
    var end = this.textarea.selectionStart;
    var text = "@" + member.handle + " ";
    this.textarea.value = value.slice(0, this.start) + text + value.slice(end);
    var caret = this.start + text.length;
    this.textarea.setSelectionRange(caret, caret);
    this.close();
    this.textarea.focus();
  };

  Picker.prototype.onKey = function (event) {
    if (this.list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.select(this.active + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" || event.key === "Tab") && this.active >= 0) {
      event.preventDefault();
      this.insert(this.items[this.active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    }
  };

  Picker.prototype.onPick = function (event) {
    var option = event.target.closest("[role=option]");
    if (!option) return;
    event.preventDefault();
    this.insert(this.items[Number(option.dataset.index)]);
  };

  document.querySelectorAll("textarea[data-mention-url]").forEach(function (textarea) {
    new Picker(textarea);
  });
})();
