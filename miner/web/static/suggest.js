// Suggestions as you type in the search form's taxon and disorder boxes (optional: the search
// works without it, and suggests names itself when a taxon is unknown).
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    const list = document.getElementById(input.getAttribute("list"));
    const kind = input.dataset.suggest;
    let timer = null, asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      const text = input.value.trim();
      if (text.length < 2 || text === asked) return;
      timer = setTimeout(function () {
        asked = text;
        fetch("/api/v1/suggest?q=" + encodeURIComponent(text))
          .then(function (r) { return r.ok ? r.json() : { taxa: [], disorders: [] }; })
          .then(function (found) {
            list.replaceChildren();
            (found[kind] || []).forEach(function (item) {
              const option = document.createElement("option");
              option.value = kind === "taxa" ? item.name : (item.group === item.name ? item.group : item.name);
              option.label = kind === "taxa" ? (item.rank || "") + (item.taxid ? " · " + item.taxid : "") : item.group + " · " + item.mesh;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 150);
    });
  });
})();
