/* The review page's behaviour. No inline scripts: the page's CSP is default-src 'self'.
   - Play buttons play exactly the cited stretch of the recording (a quote, or a transcript line).
   - After htmx updates part of the page, focus goes where the step leads (the next item after "keep", the
     edit form's first field, an action made from another kind's first empty field), so a keyboard review never
     loses its place.
   - Single-key shortcuts (WCAG 2.1.4: they can be turned off, and never fire in a text field): n / N next and
     previous item, k keep, e edit, x remove, u undo a removal or a change of kind, p play the item's quotes in
     turn, Esc cancel. */
(function () {
  "use strict";
  var timer = null;
  var STORE = "minutes.shortcuts";

  function say(text) {
    var status = document.getElementById("audio-status");
    if (status) { status.textContent = text; }
  }

  function stopAt(audio, end) {
    if (timer) { clearInterval(timer); }
    timer = setInterval(function () {
      if (audio.paused || audio.currentTime >= end) {
        if (!audio.paused) { audio.pause(); }
        clearInterval(timer);
        timer = null;
      }
    }, 40);
  }

  function play(button) {
    var audio = document.getElementById("meeting-audio");
    if (!audio) { return; }
    var start = parseFloat(button.getAttribute("data-start"));
    var end = parseFloat(button.getAttribute("data-end"));
    var go = function () {
      audio.currentTime = start;
      var playing = audio.play();
      if (playing && playing.catch) {
        playing.catch(function (error) {  // a pause or another Play before it started is no failure
          if (!error || error.name !== "AbortError") { say("The browser could not play the recording."); }
        });
      }
      stopAt(audio, end);
      say("Playing " + button.getAttribute("data-label"));
    };
    if (audio.readyState < 1) {
      audio.addEventListener("loadedmetadata", go, { once: true });
      audio.load();
    } else {
      go();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.play") : null;
    if (button) { event.preventDefault(); play(button); }
  });

  /* -- where focus goes after a partial update ------------------------------------------------------------ */
  var current = null;  // the id of the item the reviewer is on

  document.addEventListener("focusin", function (event) {
    var item = event.target.closest ? event.target.closest("article.item, #summary") : null;
    if (item) { current = item.id; }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    var doc = document.getElementById("document");
    var form = target && target.querySelector ? target.querySelector("form.edit, #summary form") : null;
    if (target && target.matches && target.matches(".editing, #summary, li.editing") && form) {
      var field = form.querySelector("[data-start-here]") || form.querySelector("textarea, input:not([type=hidden]), select");
      if (field) { field.focus(); }
      return;
    }
    if (doc && doc.getAttribute("data-focus")) {
      var goal = document.getElementById(doc.getAttribute("data-focus"));
      doc.removeAttribute("data-focus");
      if (goal) {
        current = goal.id;
        // an item that opens in its form (an action made from another kind): the first field still empty
        var open = goal.matches(".editing") ? goal.querySelector("form.edit") : null;
        var fields = open ? Array.prototype.slice.call(open.querySelectorAll("textarea, input:not([type=hidden]), select")) : [];
        var empty = fields.filter(function (f) { return !f.value; })[0] || fields[0];
        (empty || goal).focus({ preventScroll: false });
        return;
      }
    }
    if (target && target.id && target.id.indexOf("item-") === 0) {
      var again = document.getElementById(target.id);
      if (again) { again.focus(); }
    }
  });

  /* -- a selection across transcript lines: add an item citing them, or flag them, at once ------------------ */
  function lineOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el && el.closest ? el.closest("#lines li[data-line]") : null;
  }

  function selectedLines() {
    var sel = window.getSelection ? window.getSelection() : null;
    if (!sel || sel.isCollapsed) { return null; }
    var a = lineOf(sel.anchorNode), b = lineOf(sel.focusNode);
    if (!a || !b) { return null; }
    var x = parseInt(a.getAttribute("data-line"), 10), y = parseInt(b.getAttribute("data-line"), 10);
    return [Math.min(x, y), Math.max(x, y)];
  }

  document.addEventListener("selectionchange", function () {
    var bar = document.getElementById("selection-bar");
    if (!bar) { return; }
    var range = selectedLines();
    if (!range) { bar.hidden = true; return; }
    bar.hidden = false;
    bar.setAttribute("data-first", range[0]);
    bar.setAttribute("data-last", range[1]);
    document.getElementById("selection-what").textContent =
      range[0] === range[1] ? "Line " + range[0] + " selected:" : "Lines " + range[0] + " to " + range[1] + " selected:";
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("#selection-bar [data-selection]") : null;
    if (!button || !window.htmx) { return; }
    var bar = document.getElementById("selection-bar");
    var draft = document.getElementById("transcript").getAttribute("data-draft");
    var first = bar.getAttribute("data-first"), last = bar.getAttribute("data-last");
    bar.hidden = true;
    window.htmx.ajax("GET", "/drafts/" + draft + "/lines/" + first + "/" + button.getAttribute("data-selection") +
      "?to=" + last, { target: "#line-" + first, swap: "outerHTML" });
  });

  /* -- single-key shortcuts --------------------------------------------------------------------------------- */
  function enabled() {
    try { return window.localStorage.getItem(STORE) !== "off"; } catch (e) { return true; }
  }

  document.addEventListener("change", function (event) {
    if (event.target.id === "shortcuts-on") {
      try { window.localStorage.setItem(STORE, event.target.checked ? "on" : "off"); } catch (e) { /* private mode */ }
      say(event.target.checked ? "Single-key shortcuts on." : "Single-key shortcuts off.");
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("shortcuts-on");
    if (box) { box.checked = enabled(); }
  });

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("#document article.item"));
  }

  function here() {
    var item = current && document.getElementById(current);
    return item && item.matches("article.item") ? item : null;
  }

  function step(by) {
    var all = items();
    if (!all.length) { return; }
    var at = all.indexOf(here());
    var next = all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + by))];
    next.focus();
    current = next.id;
    next.scrollIntoView({ block: "nearest" });
  }

  function press(key) {
    var item = here();
    var control = item && item.querySelector("[data-key=" + key + "]");
    if (control) { control.click(); return true; }
    return false;
  }

  function playNext() {
    var item = here();
    if (!item) { return; }
    var buttons = item.querySelectorAll("button.play");
    if (!buttons.length) { say("This item has no quote to play."); return; }
    var turn = (parseInt(item.getAttribute("data-played") || "-1", 10) + 1) % buttons.length;
    item.setAttribute("data-played", String(turn));
    play(buttons[turn]);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !document.getElementById("document")) { return; }
    var typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "Escape") {
      var open = event.target.closest && event.target.closest(".editing, #summary");
      var cancel = open && open.querySelector("a.cancel");
      if (cancel) { event.preventDefault(); cancel.click(); }
      return;
    }
    if (typing || !enabled() || !document.getElementById("shortcuts-on")) { return; }
    var done = true;
    switch (event.key) {
      case "n": step(1); break;
      case "N": step(-1); break;
      case "k": done = press("keep"); break;
      case "e": done = press("edit"); break;
      case "x": done = press("remove"); break;
      case "u": done = press("undo"); break;
      case "p": playNext(); break;
      default: done = false;
    }
    if (done) { event.preventDefault(); }
  });
})();
