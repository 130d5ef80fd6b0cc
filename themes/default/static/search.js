/* 全文搜索 for the yearbook site. Reads the sharded character-bigram index that
   yearbook/search_index.py builds under search/: meta.json (shard count, facets), shards/<n>.json
   (bigram -> article ids) and docs/<id>.json (one article's text, fetched only for results shown).
   normalize, queryTerms, termBigrams, hashBigram and decodePostings mirror the Python functions of
   the same names. No framework, no build step; every URL is relative to the page. */
(function () {
  "use strict";
  var app = document.getElementById("search-app");
  if (!app || !window.fetch || !window.URL) return;

  var PAGE = 10;  /* results per page */
  var VERIFY_BUDGET = 15;  /* article texts one page may fetch to verify candidates (search_index.py) */
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = {};
  for (var d = 0; d < ALPHABET.length; d++) DIGIT[ALPHABET.charAt(d)] = d;

  var rootHref = app.getAttribute("data-root") || "./";
  var indexBase = new URL(app.getAttribute("data-index") || "./", location.href);
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var selects = {
    region: document.getElementById("f-region"),
    topic: document.getElementById("f-topic"),
    volume: document.getElementById("f-volume")
  };

  /* --- the index format (see search_index.py) --------------------------------------------------- */

  function normalize(text) {
    return text.replace(/[\uff01-\uff5eA-Z]/g, function (ch) {
      var c = ch.charCodeAt(0);
      if (c >= 0xff01) c -= 0xfee0;
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      return String.fromCharCode(c);
    });
  }

  function queryTerms(query) {
    var runs = normalize(query).match(/[\p{L}\p{N}]+/gu) || [];
    var terms = [], short = [];
    runs.forEach(function (run) {
      if (Array.from(run).length < 2) short.push(run);
      else if (terms.indexOf(run) < 0) terms.push(run);
    });
    terms = terms.filter(function (t) {
      return !terms.some(function (other) { return other !== t && other.indexOf(t) >= 0; });
    });
    return { terms: terms, short: short };
  }

  function termBigrams(term) {
    var chars = Array.from(term), starts = [], out = [], i;
    if (chars.length <= 7) {
      for (i = 0; i + 1 < chars.length; i++) starts.push(i);
    } else {
      for (i = 0; i + 1 < chars.length; i += 2) starts.push(i);
      if (starts[starts.length - 1] !== chars.length - 2) starts.push(chars.length - 2);
    }
    starts.forEach(function (s) {
      var bigram = chars[s] + chars[s + 1];
      if (out.indexOf(bigram) < 0) out.push(bigram);
    });
    return out;
  }

  function hashBigram(bigram) {
    var h = 0x811c9dc5;
    for (var ch of bigram) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x45d9f3b);
    h ^= h >>> 16;
    return h >>> 0;
  }

  function decodePostings(text) {
    var ids = [], i, bit;
    if (!text) return ids;
    if (text.charAt(0) === "~") {
      for (i = 1; i < text.length; i++) {
        var bits = DIGIT[text.charAt(i)];
        for (bit = 0; bit < 6; bit++) if (bits >> bit & 1) ids.push((i - 1) * 6 + bit);
      }
      return ids;
    }
    var previous = -1, value = 0;
    for (i = 0; i < text.length; i++) {
      var digit = DIGIT[text.charAt(i)];
      value = value * 32 + (digit & 31);
      if (digit < 32) { previous += value + 1; ids.push(previous); value = 0; }
    }
    return ids;
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return out;
  }

  /* --- fetching: meta once, shards and docs cached ---------------------------------------------- */

  var metaPromise = null, meta = null;
  var shardCache = new Map(), docCache = new Map();

  /* meta.json is revalidated on every page load; the other files carry its build id, so a rebuilt
     site never mixes old and new index files. */
  function getJSON(name) {
    var url = new URL(name, indexBase);
    if (meta) url.search = "v=" + meta.build;
    return fetch(url.href, meta ? {} : { cache: "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + url.pathname);
      return response.json();
    });
  }

  function loadMeta() {
    if (!metaPromise) {
      metaPromise = getJSON("meta.json").then(function (m) { meta = m; prepareFacets(m); return m; });
      metaPromise.catch(function () { metaPromise = null; });
    }
    return metaPromise;
  }

  function cached(cache, key, name) {
    if (!cache.has(key)) {
      var promise = getJSON(name);
      cache.set(key, promise);
      promise.catch(function () { cache.delete(key); });
    }
    return cache.get(key);
  }

  function loadShard(n) { return cached(shardCache, n, "shards/" + n + ".json"); }
  function loadDoc(id) { return cached(docCache, id, "docs/" + id + ".json"); }

  /* --- facets ----------------------------------------------------------------------------------- */

  var regionChains = [], slugIndex = { region: {}, topic: {}, volume: {} };

  function prepareFacets(m) {
    m.regions.forEach(function (row, n) {
      slugIndex.region[row[0]] = n;
      var chain = [n], parent = row[2];
      while (parent >= 0) { chain.push(parent); parent = m.regions[parent][2]; }
      regionChains.push(chain);
    });
    m.topics.forEach(function (row, n) { slugIndex.topic[row[0]] = n; });
    m.volumes.forEach(function (row, n) { slugIndex.volume[row[0]] = n; });
    Object.keys(selects).forEach(function (key) {
      Array.prototype.forEach.call(selects[key].options, function (option) {
        option.setAttribute("data-label", option.textContent);
      });
    });
  }

  function chosen() {
    var out = {};
    Object.keys(selects).forEach(function (key) {
      var value = selects[key].value;
      out[key] = value && meta && value in slugIndex[key] ? slugIndex[key][value] : -1;
    });
    return out;
  }

  function matches(id, filter, skip) {
    var row = meta.facets[id];
    if (skip !== "region" && filter.region >= 0 && regionChains[row[0]].indexOf(filter.region) < 0) return false;
    if (skip !== "volume" && filter.volume >= 0 && row[1] !== filter.volume) return false;
    if (skip !== "topic" && filter.topic >= 0 && row[2].indexOf(filter.topic) < 0) return false;
    return true;
  }

  function updateCounts(ids, filter) {
    var counts = { region: {}, topic: {}, volume: {} };
    ids.forEach(function (id) {
      var row = meta.facets[id];
      if (matches(id, filter, "region")) regionChains[row[0]].forEach(function (r) { counts.region[r] = (counts.region[r] || 0) + 1; });
      if (matches(id, filter, "volume")) counts.volume[row[1]] = (counts.volume[row[1]] || 0) + 1;
      if (matches(id, filter, "topic")) row[2].forEach(function (t) { counts.topic[t] = (counts.topic[t] || 0) + 1; });
    });
    Object.keys(selects).forEach(function (key) {
      Array.prototype.forEach.call(selects[key].options, function (option) {
        var label = option.getAttribute("data-label") || option.textContent;
        var n = option.value ? counts[key][slugIndex[key][option.value]] || 0 : null;
        option.textContent = n === null ? label : label + "（" + n + "）";
      });
    });
  }

  /* --- one search ------------------------------------------------------------------------------- */

  var seq = 0, state = null, firstResultMarked = false;

  function say(text) { status.textContent = text; }

  function search(query) {
    var token = ++seq;
    var parsed = queryTerms(query);
    list.textContent = "";
    more.hidden = true;
    state = null;
    if (!parsed.terms.length) {
      say(parsed.short.length ? "请至少输入两个字，例如“科普”。" : "");
      app.setAttribute("data-state", "idle");
      return Promise.resolve();
    }
    app.setAttribute("data-state", "busy");
    say("正在搜索……");
    return loadMeta().then(function (m) {
      var plans = parsed.terms.map(termBigrams);
      var numbers = [];
      plans.forEach(function (bigrams) {
        bigrams.forEach(function (bg) {
          var n = hashBigram(bg) % m.shards;
          if (numbers.indexOf(n) < 0) numbers.push(n);
        });
      });
      return Promise.all(numbers.map(loadShard)).then(function (shards) {
        if (token !== seq) return;
        var byNumber = {};
        numbers.forEach(function (n, i) { byNumber[n] = shards[i]; });
        var candidates = null, titleHits = {};
        plans.forEach(function (bigrams) {
          var termIds = null;
          bigrams.forEach(function (bg) {
            var shard = byNumber[hashBigram(bg) % m.shards];
            var ids = decodePostings(shard[bg]);
            termIds = termIds === null ? ids : intersect(termIds, ids);
            decodePostings(shard["^" + bg]).forEach(function (id) { titleHits[id] = (titleHits[id] || 0) + 1; });
          });
          candidates = candidates === null ? termIds : intersect(candidates, termIds);
        });
        candidates.sort(function (a, b) { return (titleHits[b] || 0) - (titleHits[a] || 0) || a - b; });
        state = {
          token: token, terms: parsed.terms, ids: candidates, failed: new Set(), checked: new Set(),
          exact: parsed.terms.every(function (t) { return Array.from(t).length === 2; })
        };
        return showPage(true);
      });
    }).catch(function (error) {
      if (token !== seq) return;
      app.setAttribute("data-state", "error");
      say("无法加载搜索索引（" + error.message + "）。请通过网站的服务器打开本页。");
    });
  }

  function remaining() {
    return state.ids.filter(function (id) { return !state.failed.has(id); });
  }

  /* Show the next page of results of the current filter, verifying each against its text. */
  function showPage(reset) {
    var current = state, filter = chosen();
    if (reset) { list.textContent = ""; current.cursor = 0; }
    var pool = current.ids.filter(function (id) { return matches(id, filter); });
    var shown = 0, budget = VERIFY_BUDGET;
    function step() {
      if (current !== state) return Promise.resolve();
      var batch = pool.slice(current.cursor, current.cursor + Math.min(PAGE - shown, budget));
      if (!batch.length) return Promise.resolve();
      current.cursor += batch.length;
      batch = batch.filter(function (id) { return !current.failed.has(id); });
      budget -= batch.length;
      return Promise.all(batch.map(loadDoc)).then(function (records) {
        if (current !== state) return;
        batch.forEach(function (id, i) {
          current.checked.add(id);
          if (!current.exact && !holdsAll(records[i], current.terms)) { current.failed.add(id); return; }
          list.appendChild(resultItem(records[i], current.terms));
          shown++;
          if (!firstResultMarked && window.performance && performance.mark) {
            firstResultMarked = true;
            performance.mark("yearbook-search-first-result");
          }
        });
        return shown < PAGE && budget > 0 ? step() : undefined;
      });
    }
    return step().then(function () {
      if (current !== state) return;
      var ids = remaining();
      updateCounts(ids, filter);
      var total = ids.filter(function (id) { return matches(id, filter); }).length;
      var unsure = !current.exact && ids.some(function (id) { return !current.checked.has(id) && matches(id, filter); });
      var label = "“" + current.terms.join(" ") + "”", count = list.children.length;
      if (unsure && !count) say("已核对 " + current.checked.size + " 篇候选报告，暂未找到含有" + label + "的报告。");
      else if (total) say("找到 " + (unsure ? "约 " : "") + total + " 篇含有" + label + "的报告" + (count < total ? "，已显示 " + count + " 篇" : ""));
      else say("没有找到含有" + label + "的报告" + (filter.region + filter.topic + filter.volume > -3 ? "（可放宽地区、主题或分卷）" : "") + "。");
      more.textContent = count ? "显示更多结果" : "继续查找";
      more.hidden = count >= total || current.cursor >= pool.length;
      app.setAttribute("data-state", "done");
    });
  }

  function holdsAll(record, terms) {
    var text = normalize(record.t + "\n" + record.m + "\n" + record.x);
    return terms.every(function (t) { return text.indexOf(t) >= 0; });
  }

  /* --- rendering -------------------------------------------------------------------------------- */

  function highlighted(text, terms) {
    var norm = normalize(text), ranges = [];
    terms.forEach(function (term) {
      for (var at = norm.indexOf(term); at >= 0; at = norm.indexOf(term, at + term.length)) ranges.push([at, at + term.length]);
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var fragment = document.createDocumentFragment(), pos = 0;
    ranges.forEach(function (r) {
      if (r[1] <= pos) return;
      var start = Math.max(r[0], pos);
      if (start > pos) fragment.appendChild(document.createTextNode(text.slice(pos, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, r[1]);
      fragment.appendChild(mark);
      pos = r[1];
    });
    if (pos < text.length) fragment.appendChild(document.createTextNode(text.slice(pos)));
    return fragment;
  }

  function excerptOf(text, terms) {
    var norm = normalize(text), first = -1;
    terms.forEach(function (term) {
      var at = norm.indexOf(term);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    });
    var start = first < 0 ? 0 : Math.max(0, first - 36);
    var lineStart = text.lastIndexOf("\n", first) + 1;
    if (first >= 0 && lineStart > start) start = lineStart;
    var end = Math.min(text.length, start + 120);
    return (start > 0 ? "…" : "") + text.slice(start, end).replace(/\n/g, " ") + (end < text.length ? "…" : "");
  }

  function resultItem(record, terms) {
    var item = document.createElement("li");
    item.className = "item result";
    var link = document.createElement("a");
    link.className = "item-title";
    link.href = rootHref + record.u;
    link.appendChild(highlighted(record.t, terms));
    var metaLine = document.createElement("p");
    metaLine.className = "item-meta";
    metaLine.appendChild(highlighted(record.m, terms));
    var excerpt = document.createElement("p");
    excerpt.className = "item-summary excerpt";
    excerpt.appendChild(highlighted(excerptOf(record.x, terms), terms));
    item.appendChild(link);
    item.appendChild(metaLine);
    item.appendChild(excerpt);
    return item;
  }

  /* --- the page: URL state, typing, filters ----------------------------------------------------- */

  function syncUrl() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    Object.keys(selects).forEach(function (key) { if (selects[key].value) params.set(key, selects[key].value); });
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { syncUrl(); search(input.value); }, 250);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    syncUrl();
    search(input.value);
  });
  Object.keys(selects).forEach(function (key) {
    selects[key].addEventListener("change", function () {
      syncUrl();
      if (state) { app.setAttribute("data-state", "busy"); showPage(true); }
    });
  });
  more.addEventListener("click", function () {
    if (!state) return;
    var before = list.children.length;
    showPage(false).then(function () {
      var next = list.children[before];
      if (next) next.querySelector("a").focus();
    });
  });

  /* for tests: the format functions, to compare with the Python builder */
  window.yearbookSearch = { normalize: normalize, queryTerms: queryTerms, termBigrams: termBigrams,
    hashBigram: hashBigram, decodePostings: decodePostings, search: search };

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  Object.keys(selects).forEach(function (key) {
    var value = params.get(key);
    if (value && selects[key].querySelector('option[value="' + CSS.escape(value) + '"]')) selects[key].value = value;
  });
  if (input.value) search(input.value); else app.setAttribute("data-state", "idle");
})();
