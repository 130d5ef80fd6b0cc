/* The words a reader searched for, marked on the article a search result opened: the result links
   to articles/<slug>/?hl=<word>&hl=<word> (search.js) with each word as the article writes it. Marks
   every occurrence inside the article's text (not across an element boundary) and scrolls to the
   first; the address keeps ?hl= so that a shared link shows the same. No request, no framework. */
(function () {
  "use strict";
  if (!window.URLSearchParams || !document.createTreeWalker) return;
  var words = new URLSearchParams(location.search).getAll("hl").map(function (w) { return w.trim(); })
    .filter(function (w) { return w && w.length <= 100; }).slice(0, 10);
  var root = document.querySelector("article.article");
  if (!words.length || !root) return;
  /* full-width ASCII and A–Z compared as the search index does (one character for one) */
  function fold(text) {
    return text.replace(/[\uff01-\uff5eA-Z]/g, function (ch) {
      var c = ch.charCodeAt(0);
      if (c >= 0xff01) c -= 0xfee0;
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      return String.fromCharCode(c);
    });
  }
  var wanted = words.map(fold);
  var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: function (node) {
      var parent = node.parentNode;
      return parent && /^(SCRIPT|STYLE|MARK)$/.test(parent.nodeName) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
    }
  });
  var nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  var first = null, count = 0;
  nodes.forEach(function (node) {
    var text = node.nodeValue, folded = fold(text), ranges = [];
    wanted.forEach(function (w) {
      for (var at = folded.indexOf(w); at >= 0; at = folded.indexOf(w, at + w.length)) ranges.push([at, at + w.length]);
    });
    if (!ranges.length) return;
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var fragment = document.createDocumentFragment(), pos = 0;
    ranges.forEach(function (r) {
      if (r[0] < pos) return;
      if (r[0] > pos) fragment.appendChild(document.createTextNode(text.slice(pos, r[0])));
      var mark = document.createElement("mark");
      mark.className = "hl";
      mark.textContent = text.slice(r[0], r[1]);
      fragment.appendChild(mark);
      if (!first) first = mark;
      count++;
      pos = r[1];
    });
    if (pos < text.length) fragment.appendChild(document.createTextNode(text.slice(pos)));
    node.parentNode.replaceChild(fragment, node);
  });
  document.documentElement.setAttribute("data-highlighted", String(count));
  if (first && !location.hash) first.scrollIntoView({ block: "center" });
})();
