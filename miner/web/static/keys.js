// Optional keyboard shortcuts for the workbench; every page works without this file.
// j / k: next / previous claim (or row in the queue) · Enter: open the row · 1–5: verdict on
// the current claim · s: the status form · ?: this help.
(function () {
  "use strict";
  let current = -1;
  const items = () => Array.from(document.querySelectorAll("article.claim, tr.row"));
  function move(step) {
    const list = items();
    if (!list.length) return;
    if (current >= 0 && list[current]) list[current].classList.remove("current");
    current = Math.max(0, Math.min(list.length - 1, current + step));
    const item = list[current];
    item.classList.add("current");
    item.scrollIntoView({ block: "center" });
    (item.querySelector("a") || item).focus({ preventScroll: true });
  }
  function help() {
    let box = document.getElementById("keyhelp");
    if (box) { box.remove(); return; }
    box = document.createElement("div");
    box.id = "keyhelp";
    box.setAttribute("role", "dialog");
    box.textContent = "j / k: next / previous · Enter: open · 1–5: verdict on the current claim (1 correct, 2 wrong direction, 3 wrong taxon, 4 wrong disorder, 5 not a finding) · s: status · ?: close";
    document.body.appendChild(box);
  }
  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
    const list = items();
    const item = current >= 0 ? list[current] : null;
    if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if (event.key === "?") help();
    else if (event.key === "s") { const s = document.getElementById("status"); if (s) { s.scrollIntoView(); const r = s.querySelector("input"); if (r) r.focus(); } }
    else if (event.key === "Enter" && item && item.dataset.href) window.location = item.dataset.href;
    else if (/^[1-5]$/.test(event.key) && item) { const b = item.querySelector('button[data-key="' + event.key + '"]'); if (b) b.click(); }
    else return;
    event.preventDefault();
  });
})();
