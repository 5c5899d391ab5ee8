// Progressive enhancement: votes without a page load, live counts and comments over websockets.
// Everything here is optional; every action also works as a plain form post. URLs and words come from
// the page (data- attributes filled with {% url %} and {% translate %}); words composed with numbers
// come from Django's JavaScript catalogue (/jsi18n/, loaded first by base.html: gettext, ngettext).
(function () {
  "use strict";

  // Screen readers hear live changes through the page's one polite live region (base.html): a count
  // or a comment that changes silently on screen is lost to them.
  function announce(text) {
    var region = document.querySelector("[data-live-announcer]");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);  // a change, even if the same
  }

  // A confirmation belongs beside what it confirms. When the page opens on an item (#comment-12 after a
  // flag or a reply, #note-3 after a staff note), the messages move from the top of the page to just
  // under that item, where the eyes are, and the live region reads them out.
  (function placeMessages() {
    var messages = document.querySelector("main > .messages");
    var id = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : "";
    var target = id ? document.getElementById(id) : null;
    if (!messages || !target || !target.closest("main") || target.contains(messages)) return;
    if (target.tagName === "LI") {
      var article = target.querySelector(":scope > article");
      if (article) article.after(messages);
      else target.appendChild(messages);
    } else {
      target.after(messages);
    }
    messages.classList.add("placed");
    announce(messages.textContent.replace(/\s+/g, " ").trim());
    window.addEventListener("load", function () { messages.scrollIntoView({ block: "nearest" }); });
  })();

  function setCount(ideaId, votes) {
    document.querySelectorAll('[data-votes-for="' + ideaId + '"]').forEach(function (el) {
      el.textContent = String(votes);
    });
  }

  function swapVoteForm(form, myVote) {
    var button = form.querySelector("button");
    var valueInput = form.querySelector('input[name="value"]');
    if (myVote === 1) {
      form.action = form.dataset.unvoteUrl;
      if (valueInput) valueInput.remove();
      button.classList.add("voted");
      button.setAttribute("aria-pressed", "true");
      button.textContent = form.dataset.votedLabel;
    } else {
      form.action = form.dataset.voteUrl;
      if (!form.querySelector('input[name="value"]')) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "value"; input.value = "1";
        form.appendChild(input);
      }
      button.classList.remove("voted");
      button.setAttribute("aria-pressed", "false");
      button.textContent = form.dataset.voteLabel;
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-vote-form]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.data.votes !== undefined) setCount(result.data.idea, result.data.votes);
      if (result.ok) swapVoteForm(form, result.data.my_vote);
      else window.alert(result.data.error || form.dataset.voteError);
    }).catch(function () {
      form.submit();  // network trouble: fall back to the plain form post
    }).finally(function () { button.disabled = false; });
  });

  // Reply links move the comment form under the comment instead of reloading.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-reply-to]");
    var form = document.getElementById("comment-form");
    if (link && form) {
      event.preventDefault();
      form.querySelector('input[name="parent"]').value = link.getAttribute("data-reply-to");
      form.querySelector("[data-replying]").hidden = false;
      link.closest("article").after(form);
      form.querySelector("textarea").focus();
      return;
    }
    var cancel = event.target.closest("[data-cancel-reply]");
    if (cancel && form) {
      event.preventDefault();
      form.querySelector('input[name="parent"]').value = "";
      form.querySelector("[data-replying]").hidden = true;
      document.querySelector("[data-comments]").after(form);
    }
  });

  function setCommentCount(count) {
    document.querySelectorAll("[data-comment-count]").forEach(function (el) {
      el.textContent = String(count);
    });
  }

  // A moderator hid a comment: its text goes, the thread under it stays.
  function hideComment(event) {
    var item = document.getElementById("comment-" + event.comment);
    var pinned = document.getElementById("pinned-" + event.comment);
    if (pinned) pinned.remove();
    if (item) {
      var article = item.querySelector(":scope > article");
      var tombstone = document.createElement("article");
      tombstone.className = "tombstone";
      var note = document.createElement("p");
      note.className = "meta";
      note.textContent = document.querySelector("[data-comments]").getAttribute("data-hidden-text");
      tombstone.appendChild(note);
      if (article) article.replaceWith(tombstone);
      item.dataset.hidden = "true";
    }
    setCommentCount(event.comments);
  }

  function addComment(event) {
    var existing = document.getElementById("comment-" + event.comment);
    if (existing && existing.dataset.hidden === "true") {  // restored by a moderator
      var restored = document.createElement("template");
      restored.innerHTML = event.html.trim();
      var article = restored.content.querySelector("li > article");
      existing.querySelector(":scope > article").replaceWith(article);
      delete existing.dataset.hidden;
      setCommentCount(event.comments);
      return;
    }
    if (existing) return;
    var list = event.parent
      ? document.querySelector('[data-replies-for="' + event.parent + '"]')
      : document.querySelector("[data-comments]");
    if (!list) return;
    var template = document.createElement("template");
    template.innerHTML = event.html.trim();
    list.appendChild(template.content);
    setCommentCount(event.comments);
    announce(gettext("A new comment was posted."));
  }

  function listen(path) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var delay = 1000;
    function connect() {
      var socket = new WebSocket(scheme + window.location.host + path);
      socket.onopen = function () { delay = 1000; document.documentElement.dataset.live = "connected"; };
      socket.onmessage = function (message) {
        var event = JSON.parse(message.data);
        if (event.type === "idea.votes") {
          setCount(event.idea, event.votes);
          if (document.querySelector("[data-live-idea]")) {  // one idea's page; a list would chatter
            announce(interpolate(ngettext("Now %(count)s vote", "Now %(count)s votes", event.votes),
                                 { count: event.votes }, true));
          }
        } else if (event.type === "comment.created") addComment(event);
        else if (event.type === "comment.hidden") hideComment(event);
      };
      socket.onclose = function (closed) {
        document.documentElement.dataset.live = "closed";
        if (closed.code === 4404) return;
        // Refused while Redis is away (1013, or a failed handshake): try again with back-off, capped
        // at 10 s so that live updates resume soon after it is back, and jittered so that thousands
        // of pages do not all come back in the same second.
        setTimeout(connect, delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, 10000);
      };
    }
    connect();
  }

  function debounce(fn, ms) {
    var timer;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  // The idea form: a live preview through the server's own sanitiser, and similar ideas to support.
  function enhanceIdeaForm(form) {
    var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
    var body = form.querySelector('textarea[name="body"]');
    var title = form.querySelector('input[name="title"]');
    var preview = form.querySelector("[data-preview]");
    if (body && preview) {
      var render = debounce(function () {
        var data = new FormData();
        data.append("body", body.value);
        fetch(preview.dataset.previewUrl, { method: "POST", body: data, headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
                                   credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (d) { preview.innerHTML = d.html; form.querySelector("[data-preview-box]").open = true; });
      }, 400);
      body.addEventListener("input", render);
    }
    var box = form.querySelector("[data-similar]");
    if (title && box) {
      var list = box.querySelector("[data-similar-list]");
      var latest = 0;
      var suggest = debounce(function () {
        var text = title.value.trim();
        var asked = ++latest;
        if (text.length < 4) { box.hidden = true; return; }
        fetch(box.dataset.similarUrl + "?title=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (d) {
            if (asked !== latest) return;  // a newer keystroke's answer wins
            list.textContent = "";
            (d.results || []).forEach(function (idea) {
              var item = document.createElement("li");
              var link = document.createElement("a");
              link.href = idea.url;
              link.textContent = interpolate(
                ngettext("%(title)s (%(count)s vote)", "%(title)s (%(count)s votes)", idea.votes),
                { title: idea.title, count: idea.votes.toLocaleString(document.documentElement.lang) }, true);
              var support = document.createElement("form");
              support.method = "post"; support.action = idea.vote_url;
              [["csrfmiddlewaretoken", csrf], ["value", "1"], ["next", idea.url]].forEach(function (pair) {
                var input = document.createElement("input");
                input.type = "hidden"; input.name = pair[0]; input.value = pair[1];
                support.appendChild(input);
              });
              var button = document.createElement("button");
              button.type = "submit"; button.className = "secondary"; button.textContent = box.dataset.supportLabel;
              support.appendChild(button);
              item.appendChild(link); item.appendChild(support);
              list.appendChild(item);
            });
            box.hidden = !(d.results && d.results.length);
          });
      }, 300);
      title.addEventListener("input", suggest);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var ideaForm = document.querySelector("[data-idea-form]");
    if (ideaForm) enhanceIdeaForm(ideaForm);
    // The websocket paths (cocreate/routing.py) are not in the URL configuration: the templates give them.
    var live = document.querySelector("[data-live-idea]") || document.querySelector("[data-live-list]");
    if (live) listen(live.getAttribute("data-live-idea") || live.getAttribute("data-live-list"));
  });
})();

// --- Load more comments (ideas/_comment_lists.html) ------------------------------------------------
// Kept apart from the code above. Without JavaScript the "Load more comments" link opens the next page
// of the discussion; with it, that page is fetched and its threads appended here, and the link moves on.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-load-more-link]");
    if (!link) return;
    var list = document.querySelector("[data-comments]");
    var holder = link.closest("[data-load-more]");
    if (!list || !holder) return;
    event.preventDefault();
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var more = page.querySelector("[data-comments]");
        if (!more) throw new Error("no comments");
        Array.prototype.slice.call(more.children).forEach(function (item) {
          // A comment that arrived over the websocket meanwhile is already here.
          if (!item.id || !document.getElementById(item.id)) list.appendChild(document.adoptNode(item));
        });
        var next = page.querySelector("[data-load-more]");
        if (next) holder.replaceWith(document.adoptNode(next));
        else holder.remove();
      })
      .catch(function () {
        window.location.href = link.href;  // trouble: open the page itself
      });
  });
})();
