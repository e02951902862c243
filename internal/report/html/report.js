// Filters of the specgate html report: plain script, no server, no library. Every element with
// data-filter is shown or hidden by the selects; an element is only tested against the filters
// whose attribute it has (data-rule, a space-separated list; data-op; data-verdict). Elements
// with data-count-of show how many of a kind are visible.
(function () {
  "use strict";
  var rule = document.getElementById("filter-rule");
  var op = document.getElementById("filter-op");
  var verdict = document.getElementById("filter-verdict");
  var items = document.querySelectorAll("[data-filter]");
  var outputs = document.querySelectorAll("[data-count-of]");

  function apply() {
    var r = rule.value, o = op.value, v = verdict.value, counts = {};
    for (var i = 0; i < items.length; i++) {
      var el = items[i], show = true;
      if (r && el.hasAttribute("data-rule") && (" " + el.getAttribute("data-rule") + " ").indexOf(" " + r + " ") < 0) {
        show = false;
      }
      if (o && el.hasAttribute("data-op") && el.getAttribute("data-op") !== o) {
        show = false;
      }
      if (v && el.hasAttribute("data-verdict") && el.getAttribute("data-verdict") !== v) {
        show = false;
      }
      el.hidden = !show;
      var kind = el.getAttribute("data-filter");
      counts[kind] = (counts[kind] || 0) + (show ? 1 : 0);
    }
    // A group of findings whose findings are all filtered out is hidden too.
    var groups = document.querySelectorAll("[data-filter=group]");
    for (var g = 0; g < groups.length; g++) {
      var inner = groups[g].querySelectorAll("[data-filter=finding]");
      if (groups[g].hidden || inner.length === 0) {
        continue;
      }
      var any = false;
      for (var f = 0; f < inner.length && !any; f++) {
        any = !inner[f].hidden;
      }
      if (!any) {
        groups[g].hidden = true;
        counts.group--;
      }
    }
    for (var j = 0; j < outputs.length; j++) {
      outputs[j].textContent = String(counts[outputs[j].getAttribute("data-count-of")] || 0);
    }
  }

  // reveal opens the collapsed sections around the element a link points at.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) {
      return;
    }
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") {
        p.open = true;
      }
    }
    el.scrollIntoView({block: "center"});
  }

  [rule, op, verdict].forEach(function (s) { s.addEventListener("change", apply); });
  window.addEventListener("hashchange", reveal);
  apply();
  reveal();
})();
