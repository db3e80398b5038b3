// Clientele web UI: keyboard navigation of the search hits. No inline scripts (CSP).
(function () {
  "use strict";

  function options() {
    return Array.prototype.slice.call(document.querySelectorAll("#hits [role=option]"));
  }

  function select(index) {
    var items = options();
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    var input = document.getElementById("q");
    if (input) input.setAttribute("aria-activedescendant", items[index].id);
    items[index].scrollIntoView({ block: "nearest" });
  }

  function selectedIndex() {
    var items = options();
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("aria-selected") === "true") return i;
    }
    return -1;
  }

  var openWhenShown = false;

  function shownFor() {
    var hits = document.getElementById("hits");
    var list = hits && hits.querySelector("[data-q]");
    return list ? list.getAttribute("data-q") : null;
  }

  function openSelected() {
    var items = options();
    var index = selectedIndex();
    if (items.length && index >= 0) {
      window.location.assign(items[index].querySelector("a").getAttribute("href"));
    }
  }

  document.addEventListener("keydown", function (event) {
    if (!event.target || event.target.id !== "q") return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      select(selectedIndex() + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      select(selectedIndex() - 1);
    } else if (event.key === "Enter") {
      if (!window.htmx) return; // no htmx: the form submits and the server shows the hits
      event.preventDefault();
      if (shownFor() !== event.target.value.trim()) {
        // The hits are for older text (debounce not fired, or a request in flight):
        // search now and open the best hit when it arrives.
        openWhenShown = true;
        window.htmx.trigger(event.target, "search");
        return;
      }
      openSelected();
    } else if (event.key === "Escape") {
      event.target.value = "";
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail || !event.detail.target || event.detail.target.id !== "hits") return;
    select(0);
    var input = document.getElementById("q");
    if (openWhenShown && input && shownFor() === input.value.trim()) {
      openWhenShown = false;
      openSelected();
    }
  });
})();
