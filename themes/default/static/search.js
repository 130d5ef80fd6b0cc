/* 全文搜索 and browsing by facets for the yearbook site. Reads the index that yearbook/site/search.py
   builds under search/: meta.json (shard counts, facet tables, every article's facets), shards/<n>.json
   (bigram or character -> article ids), sample/<n>.json (four-character keys of a sample of the
   articles, to estimate counts), fold/<n>.json (traditional -> simplified characters), cards/<n>.json
   (title and line of 16 articles, for lists without a query) and docs/<id>.json (one article's text,
   fetched only for the results shown). normalize, queryTerms, termBigrams, sampleKeys, hashBigram,
   decodePostings and unpackFacets mirror the Python functions of the same names. No framework, no
   build step; every URL is relative to the page. */
(function () {
  "use strict";
  var app = document.getElementById("search-app");
  if (!app || !window.fetch || !window.URL) return;

  var PAGE = 10;  /* results per page */
  var VERIFY_BUDGET = 15;  /* article texts one page may fetch to verify candidates (search.py) */
  var SAMPLE_MIN = 8;  /* sampled candidates needed to use the sample index (search.py) */
  var FOLD_SHARDS = 16;
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
  var sortSelect = document.getElementById("f-sort");
  var orgInput = document.getElementById("f-org");
  var orgChip = document.getElementById("f-org-chip");
  var levels = [document.getElementById("f-region"), document.getElementById("f-city"), document.getElementById("f-county")];
  var selects = { topic: document.getElementById("f-topic"), volume: document.getElementById("f-volume"),
                  year: document.getElementById("f-year") };

  /* --- the index format (see search.py) --------------------------------------------------------- */

  function normalize(text, table) {
    var folding = table && Object.keys(table).length;
    return text.replace(folding ? /[\uff01-\uff5eA-Z]|[^\x00-\x7f]/g : /[\uff01-\uff5eA-Z]/g, function (ch) {
      if (table && table[ch]) return table[ch];
      var c = ch.charCodeAt(0);
      if (c > 0xff5e || (c < 0xff01 && c > 0x7f)) return ch;
      if (c >= 0xff01) c -= 0xfee0;
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      return String.fromCharCode(c);
    });
  }

  function queryTerms(query, table) {
    var runs = normalize(query, table).match(/[\p{L}\p{N}]+/gu) || [];
    var terms = [];
    runs.forEach(function (run) { if (terms.indexOf(run) < 0) terms.push(run); });
    return terms.filter(function (t) {
      return !terms.some(function (other) { return other !== t && other.indexOf(t) >= 0; });
    });
  }

  function termBigrams(term) {
    var chars = Array.from(term), out = [];
    if (chars.length < 2) return [term];
    for (var i = 0; i + 1 < chars.length; i++) {
      var bigram = chars[i] + chars[i + 1];
      if (out.indexOf(bigram) < 0) out.push(bigram);
    }
    return out;
  }

  function sampleKeys(term) {
    var chars = Array.from(term), out = [];
    if (chars.length < 3) return out;
    if (chars.length === 3) return [term];
    for (var i = 0; i + 3 < chars.length; i++) {
      var key = chars.slice(i, i + 4).join("");
      if (out.indexOf(key) < 0) out.push(key);
    }
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

  /* [region, volume, topics (list), year, org] of every article (search.py: pack_facets); the
     organisations come apart (orgs.json), without them the organisation is -1 */
  function unpackFacets(packed, count, orgs) {
    var widths = packed.widths;
    function column(name) {
      var out = new Array(count);
      if (name === "org" && !orgs) return out.fill(-1);
      var width = name === "org" ? orgs.width : widths[name], text = name === "org" ? orgs.org : packed[name];
      for (var n = 0; n < count; n++) {
        var value = 0;
        for (var k = 0; k < width; k++) value = value * 64 + DIGIT[text.charAt(n * width + k)];
        out[n] = value;
      }
      return out;
    }
    var regions = column("region"), volumes = column("volume"), years = column("year"), orgs = column("org");
    var width = widths.topics, text = packed.topics, rows = [];
    for (var n = 0; n < count; n++) {
      var topics = [];
      for (var k = 0; k < width; k++) {
        var bits = DIGIT[text.charAt(n * width + k)], base = (width - 1 - k) * 6;
        for (var b = 0; b < 6; b++) if (bits >> b & 1) topics.push(base + b);
      }
      topics.sort(function (x, y) { return x - y; });
      rows.push([regions[n], volumes[n], topics, years[n], orgs[n]]);
    }
    return rows;
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return out;
  }

  /* --- fetching: meta once, the other files cached ---------------------------------------------- */

  var metaPromise = null, meta = null, facets = null;
  var caches = {};

  /* meta.json is revalidated on every page load; the other files carry its build id, so a rebuilt
     site never mixes old and new index files (fold/ does not change with the content). */
  function getJSON(name, versioned) {
    var url = new URL(name, indexBase);
    if (meta && versioned !== false) url.search = "v=" + meta.build;
    return fetch(url.href, meta || versioned === false ? {} : { cache: "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + url.pathname);
      return response.json();
    });
  }

  function loadMeta() {
    if (!metaPromise) {
      metaPromise = getJSON("meta.json").then(function (m) {
        meta = m; facets = unpackFacets(m.facets, m.docs); prepareFacets(m); return m;
      });
      metaPromise.catch(function () { metaPromise = null; });
    }
    return metaPromise;
  }

  /* the organisations, only for a list by organisation (?org=) */
  var orgsPromise = null;
  function loadOrgs() {
    if (!orgsPromise) {
      orgsPromise = loadMeta().then(function (m) { return getJSON("orgs.json"); }).then(function (orgs) {
        var rows = unpackFacets(meta.facets, meta.docs, orgs);
        rows.forEach(function (row, n) { facets[n][4] = row[4]; });
        orgs.orgs.forEach(function (row, n) { slugIndex.org[row[0]] = n; });
        meta.orgs = orgs.orgs;
        return orgs;
      });
      orgsPromise.catch(function () { orgsPromise = null; });
    }
    return orgsPromise;
  }

  function cached(kind, key, versioned) {
    var cache = caches[kind] || (caches[kind] = new Map());
    if (!cache.has(key)) {
      var promise = getJSON(kind + "/" + key + ".json", versioned);
      cache.set(key, promise);
      promise.catch(function () { cache.delete(key); });
    }
    return cache.get(key);
  }

  /* the fold table of the query's characters: {traditional: simplified} */
  function loadFold(query) {
    var numbers = [];
    for (var ch of query) {
      var code = ch.codePointAt(0);
      if (code > 0x7f && numbers.indexOf(code % FOLD_SHARDS) < 0) numbers.push(code % FOLD_SHARDS);
    }
    return Promise.all(numbers.map(function (n) { return cached("fold", n, false); })).then(function (shards) {
      var table = {};
      shards.forEach(function (pairs) {
        var chars = Array.from(pairs);
        for (var i = 0; i + 1 < chars.length; i += 2) table[chars[i]] = chars[i + 1];
      });
      return table;
    });
  }

  /* --- facets ----------------------------------------------------------------------------------- */

  var regionChains = [], children = {}, slugIndex = { region: {}, topic: {}, volume: {}, year: {}, org: {} };

  function prepareFacets(m) {
    m.regions.forEach(function (row, n) {
      slugIndex.region[row[0]] = n;
      var chain = [n], parent = row[2];
      while (parent >= 0) { chain.push(parent); parent = m.regions[parent][2]; }
      regionChains.push(chain);
      (children[row[2]] || (children[row[2]] = [])).push(n);
    });
    m.topics.forEach(function (row, n) { slugIndex.topic[row[0]] = n; });
    m.volumes.forEach(function (row, n) { slugIndex.volume[row[0]] = n; });
    m.years.forEach(function (year, n) { slugIndex.year[String(year)] = n; });
    allSelects().forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (option) { option.setAttribute("data-label", option.textContent); });
    });
  }

  function allSelects() {
    return levels.concat([selects.topic, selects.volume, selects.year]).filter(function (s) { return s && s.options; });
  }

  /* the region levels below ``level`` list the children of the region chosen there */
  function fillLevels(level) {
    for (var l = level + 1; l < levels.length; l++) {
      var select = levels[l], parentValue = levels[l - 1].value;
      select.textContent = "";
      var all = document.createElement("option");
      all.value = "";
      all.textContent = l === 1 ? "全部市" : "全部区县";
      all.setAttribute("data-label", all.textContent);
      select.appendChild(all);
      var parent = parentValue && parentValue in slugIndex.region ? slugIndex.region[parentValue] : null;
      (parent === null ? [] : children[parent] || []).forEach(function (n) {
        var option = document.createElement("option");
        option.value = meta.regions[n][0];
        option.textContent = meta.regions[n][1];
        option.setAttribute("data-label", option.textContent);
        select.appendChild(option);
      });
      select.parentNode.hidden = select.options.length < 2;
    }
  }

  function chosenRegion() {
    for (var l = levels.length - 1; l >= 0; l--) if (levels[l] && levels[l].value) return levels[l].value;
    return "";
  }

  function chosen() {
    var out = {}, region = chosenRegion();
    out.region = meta && region in slugIndex.region ? slugIndex.region[region] : -1;
    Object.keys(selects).forEach(function (key) {
      var value = selects[key] ? selects[key].value : "";
      out[key] = value && meta && value in slugIndex[key] ? slugIndex[key][value] : -1;
    });
    out.org = orgInput && orgInput.value && meta && orgInput.value in slugIndex.org ? slugIndex.org[orgInput.value] : -1;
    return out;
  }

  function filtering(filter) {
    return filter.region >= 0 || filter.topic >= 0 || filter.volume >= 0 || filter.year >= 0 || filter.org >= 0;
  }

  function matches(id, filter, skip) {
    var row = facets[id];
    if (skip !== "region" && filter.region >= 0 && regionChains[row[0]].indexOf(filter.region) < 0) return false;
    if (skip !== "volume" && filter.volume >= 0 && row[1] !== filter.volume) return false;
    if (skip !== "topic" && filter.topic >= 0 && row[2].indexOf(filter.topic) < 0) return false;
    if (skip !== "year" && filter.year >= 0 && row[3] !== filter.year) return false;
    if (filter.org >= 0 && row[4] !== filter.org) return false;
    return true;
  }

  /* each option says how many of ``ids`` it would leave (the other facets as chosen) */
  function updateCounts(ids, filter) {
    var counts = { region: {}, topic: {}, volume: {}, year: {} };
    ids.forEach(function (id) {
      var row = facets[id];
      if (matches(id, filter, "region")) regionChains[row[0]].forEach(function (r) { counts.region[r] = (counts.region[r] || 0) + 1; });
      if (matches(id, filter, "volume")) counts.volume[row[1]] = (counts.volume[row[1]] || 0) + 1;
      if (matches(id, filter, "year")) counts.year[row[3]] = (counts.year[row[3]] || 0) + 1;
      if (matches(id, filter, "topic")) row[2].forEach(function (t) { counts.topic[t] = (counts.topic[t] || 0) + 1; });
    });
    var kinds = [["region", levels[0]], ["region", levels[1]], ["region", levels[2]], ["topic", selects.topic],
                 ["volume", selects.volume], ["year", selects.year]];
    kinds.forEach(function (pair) {
      var key = pair[0], select = pair[1];
      if (!select || !select.options) return;
      Array.prototype.forEach.call(select.options, function (option) {
        var label = option.getAttribute("data-label") || option.textContent;
        var n = option.value && option.value in slugIndex[key] ? counts[key][slugIndex[key][option.value]] || 0 : null;
        option.textContent = n === null ? label : label + "（" + n + "）";
      });
    });
  }

  /* --- one search, or one list by facets -------------------------------------------------------- */

  var seq = 0, state = null, firstResultMarked = false;

  function say(text) { status.textContent = text; }

  function run(query) {
    var token = ++seq;
    list.textContent = "";
    more.hidden = true;
    state = null;
    app.setAttribute("data-state", "busy");
    say("正在搜索……");
    return Promise.all([loadMeta(), loadFold(query)]).then(function (loaded) {
      if (token !== seq) return;
      var m = loaded[0], table = loaded[1];
      var terms = queryTerms(query, table), filter = chosen();
      if (!terms.length) {
        if (!filtering(filter)) {
          state = null;
          app.setAttribute("data-state", "idle");
          say(query.trim() ? "请输入要查找的字词。" : "");
          return;
        }
        state = { token: token, terms: [], browse: true, all: range(m.docs), table: table, failed: new Set(),
                  good: new Set(), checked: new Set() };
        return showPage(true);
      }
      var plans = terms.map(termBigrams), numbers = [];
      plans.forEach(function (keys) {
        keys.forEach(function (key) {
          var n = hashBigram(key) % m.shards;
          if (numbers.indexOf(n) < 0) numbers.push(n);
        });
      });
      return Promise.all(numbers.map(function (n) { return cached("shards", n); })).then(function (shards) {
        if (token !== seq) return;
        var byNumber = {};
        numbers.forEach(function (n, i) { byNumber[n] = shards[i]; });
        var candidates = null, titleHits = {};
        plans.forEach(function (keys) {
          var termIds = null;
          keys.forEach(function (key) {
            var shard = byNumber[hashBigram(key) % m.shards];
            var ids = decodePostings(shard[key]);
            termIds = termIds === null ? ids : intersect(termIds, ids);
            decodePostings(shard["^" + key]).forEach(function (id) { titleHits[id] = (titleHits[id] || 0) + 1; });
          });
          candidates = candidates === null ? termIds : intersect(candidates, termIds);
        });
        state = {
          token: token, terms: terms, all: candidates, titleHits: titleHits, table: table, failed: new Set(),
          good: new Set(), checked: new Set(), sample: null,
          byIndex: terms.every(function (t) { return Array.from(t).length <= 2; })
        };
        return showPage(true);
      });
    }).catch(function (error) {
      if (token !== seq) return;
      app.setAttribute("data-state", "error");
      say("无法加载搜索索引（" + error.message + "）。请通过网站的服务器打开本页。");
    });
  }

  function range(n) { var out = new Array(n); for (var i = 0; i < n; i++) out[i] = i; return out; }

  /* the candidates of the current filter, in the order chosen */
  function ordered(current, filter) {
    var pool = current.all.filter(function (id) { return matches(id, filter); });
    var sort = sortSelect ? sortSelect.value : "";
    if (sort === "old") pool.reverse();  /* ids run newest first */
    else if (sort !== "new" && !current.browse) {
      var hits = current.titleHits;
      pool.sort(function (a, b) { return (hits[b] || 0) - (hits[a] || 0) || a - b; });
    }
    return pool;
  }

  /* Show the next page of results of the current filter: from the cards without a query, else each
     candidate verified against its text (one or two characters need no verifying, but the text is
     fetched for the excerpt). */
  function showPage(reset) {
    var current = state, filter = chosen();
    if (reset) { list.textContent = ""; current.cursor = 0; current.pool = ordered(current, filter); }
    var pool = current.pool, shown = 0, budget = VERIFY_BUDGET;
    function step() {
      if (current !== state) return Promise.resolve();
      var batch = pool.slice(current.cursor, current.cursor + Math.min(PAGE - shown, budget));
      if (!batch.length) return Promise.resolve();
      current.cursor += batch.length;
      if (current.browse) {
        return Promise.all(batch.map(loadCard)).then(function (cards) {
          if (current !== state) return;
          cards.forEach(function (card) { list.appendChild(cardItem(card)); shown++; markFirst(); });
        });
      }
      batch = batch.filter(function (id) { return !current.failed.has(id); });
      budget -= batch.length;
      return Promise.all(batch.map(function (id) { return cached("docs", id); })).then(function (records) {
        if (current !== state) return;
        batch.forEach(function (id, i) {
          current.checked.add(id);
          var text = docText(records[i]);
          if (!current.byIndex && !current.terms.every(function (t) { return text.indexOf(t) >= 0; })) {
            current.failed.add(id);
            return;
          }
          current.good.add(id);
          list.appendChild(resultItem(records[i], current.terms));
          shown++;
          markFirst();
        });
        return shown < PAGE && budget > 0 ? step() : undefined;
      });
    }
    return step().then(function () {
      if (current !== state) return;
      return counted(current, filter).then(function (count) {
        if (current !== state) return;
        var ids = current.all.filter(function (id) { return !current.failed.has(id); });
        updateCounts(ids, filter);
        var shownCount = list.children.length, label = current.browse ? "" : "含有“" + current.terms.join(" ") + "”的";
        if (!count.n && !count.exact && !shownCount) say("已核对 " + current.checked.size + " 篇候选报告，暂未找到" + label + "报告。");
        else if (count.n) say("找到 " + (count.exact ? "" : "约 ") + count.n + " 篇" + label + "报告" +
                              (shownCount < count.n || !count.exact ? "，已显示 " + shownCount + " 篇" : ""));
        else say("没有找到" + label + "报告" + (filtering(filter) ? "（可放宽地区、主题、年份或分卷）" : "") + "。");
        more.textContent = shownCount ? "显示更多结果" : "继续查找";
        more.hidden = current.cursor >= pool.length || (count.exact && shownCount >= count.n);
        app.setAttribute("data-state", "done");
      });
    });
  }

  function markFirst() {
    if (!firstResultMarked && window.performance && performance.mark) {
      firstResultMarked = true;
      performance.mark("yearbook-search-first-result");
    }
  }

  /* {n, exact}: exact for lists by facets and for terms of one or two characters (the index answers
     them), and once every candidate is verified; else the verified results plus an estimate of the
     rest, from the share of candidates that hold the query among those verified and those of the
     sample index (search.py: SearchIndex.search). */
  function counted(current, filter) {
    var pool = current.pool;
    if (current.browse || current.byIndex) return Promise.resolve({ n: pool.length, exact: true });
    var checked = pool.filter(function (id) { return current.checked.has(id); });
    if (checked.length === pool.length) return Promise.resolve({ n: countGood(current, pool), exact: true });
    var rest = pool.filter(function (id) { return !current.checked.has(id); });
    return sampleCounts(current, rest).then(function (sample) {
      /* the share of the candidates not yet verified that hold the query: from the sampled ones among
         them (every step-th id, whatever the rank), else from those verified */
      var good = countGood(current, pool);
      var share = sample[0] ? sample[1] / sample[0] : good / checked.length;
      return { n: good + Math.round(rest.length * share), exact: false };
    });
  }

  function countGood(current, pool) {
    var n = 0;
    pool.forEach(function (id) { if (current.good.has(id)) n++; });
    return n;
  }

  /* [sampled candidates, those of them holding every term by the sample index] */
  function sampleCounts(current, pool) {
    var step = meta.sample.step, sampled = [];
    pool.forEach(function (id) { if (id % step === 0) sampled.push(id / step); });
    if (sampled.length < SAMPLE_MIN) return Promise.resolve([0, 0]);
    if (current.sample) return Promise.resolve(held(current.sample, sampled));
    var keys = [], numbers = [];
    current.terms.forEach(function (term) {
      sampleKeys(term).forEach(function (key) {
        keys.push(key);
        var n = hashBigram(Array.from(key).slice(0, 3).join("")) % meta.sample.shards;
        if (numbers.indexOf(n) < 0) numbers.push(n);
      });
    });
    if (!keys.length) return Promise.resolve([0, 0]);
    return Promise.all(numbers.map(function (n) { return cached("sample", n); })).then(function (shards) {
      var byNumber = {}, positions = null;
      numbers.forEach(function (n, i) { byNumber[n] = shards[i]; });
      keys.forEach(function (key) {
        var shard = byNumber[hashBigram(Array.from(key).slice(0, 3).join("")) % meta.sample.shards], ids;
        if (Array.from(key).length === 3) {
          var found = new Set();
          Object.keys(shard).forEach(function (other) {
            if (other.indexOf(key) === 0) decodePostings(shard[other]).forEach(function (id) { found.add(id); });
          });
          ids = Array.from(found).sort(function (a, b) { return a - b; });
        } else ids = decodePostings(shard[key]);
        positions = positions === null ? ids : intersect(positions, ids);
      });
      current.sample = new Set(positions || []);
      return held(current.sample, sampled);
    });
  }

  function held(set, sampled) {
    var n = 0;
    sampled.forEach(function (position) { if (set.has(position)) n++; });
    return [sampled.length, n];
  }

  function loadCard(id) {
    return cached("cards", Math.floor(id / meta.cards)).then(function (block) { return block[id % meta.cards]; });
  }

  function docTable(record) {
    var table = {}, pairs = Array.from(record.f || "");
    for (var i = 0; i + 1 < pairs.length; i += 2) table[pairs[i]] = pairs[i + 1];
    return table;
  }

  function docText(record) {
    return normalize(record.t + "\n" + record.m + "\n" + record.x, docTable(record));
  }

  /* --- rendering -------------------------------------------------------------------------------- */

  function ranges(text, terms, table) {
    var norm = normalize(text, table), out = [];
    terms.forEach(function (term) {
      for (var at = norm.indexOf(term); at >= 0; at = norm.indexOf(term, at + term.length)) out.push([at, at + term.length]);
    });
    return out.sort(function (a, b) { return a[0] - b[0]; });
  }

  function highlighted(text, terms, table) {
    var fragment = document.createDocumentFragment(), pos = 0;
    ranges(text, terms, table).forEach(function (r) {
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

  function excerptOf(text, terms, table) {
    var found = ranges(text, terms, table), first = found.length ? found[0][0] : -1;
    var start = first < 0 ? 0 : Math.max(0, first - 36);
    var lineStart = text.lastIndexOf("\n", first) + 1;
    if (first >= 0 && lineStart > start) start = lineStart;
    var end = Math.min(text.length, start + 120);
    return (start > 0 ? "…" : "") + text.slice(start, end).replace(/\n/g, " ") + (end < text.length ? "…" : "");
  }

  /* the link to an article marks the words as the article writes them (highlight.js) */
  function articleHref(record, terms, table) {
    var words = [], text = record.t + "\n" + record.x;
    ranges(text, terms, table).forEach(function (r) {
      var word = text.slice(r[0], r[1]);
      if (words.indexOf(word) < 0 && words.length < 10) words.push(word);
    });
    var params = new URLSearchParams();
    words.forEach(function (w) { params.append("hl", w); });
    var query = params.toString();
    return rootHref + record.u + (query ? "?" + query : "");
  }

  function resultItem(record, terms) {
    var table = docTable(record);
    var item = document.createElement("li");
    item.className = "item result";
    var link = document.createElement("a");
    link.className = "item-title";
    link.href = articleHref(record, terms, table);
    link.appendChild(highlighted(record.t, terms, table));
    var metaLine = document.createElement("p");
    metaLine.className = "item-meta";
    metaLine.appendChild(highlighted(record.m, terms, table));
    var excerpt = document.createElement("p");
    excerpt.className = "item-summary excerpt";
    excerpt.appendChild(highlighted(excerptOf(record.x, terms, table), terms, table));
    item.appendChild(link);
    item.appendChild(metaLine);
    item.appendChild(excerpt);
    return item;
  }

  function cardItem(card) {
    var item = document.createElement("li");
    item.className = "item result";
    var link = document.createElement("a");
    link.className = "item-title";
    link.href = rootHref + card[0];
    link.textContent = card[1];
    var metaLine = document.createElement("p");
    metaLine.className = "item-meta";
    metaLine.textContent = card[2];
    item.appendChild(link);
    item.appendChild(metaLine);
    return item;
  }

  /* --- the page: URL state, typing, filters ----------------------------------------------------- */

  function syncUrl() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    var region = chosenRegion();
    if (region) params.set("region", region);
    Object.keys(selects).forEach(function (key) { if (selects[key] && selects[key].value) params.set(key, selects[key].value); });
    if (orgInput && orgInput.value) params.set("org", orgInput.value);
    if (sortSelect && sortSelect.value) params.set("sort", sortSelect.value);
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }

  function refilter() {
    syncUrl();
    if (state && !state.browse) { app.setAttribute("data-state", "busy"); showPage(true); }
    else run(input.value);
  }

  var timer = null;
  input.addEventListener("input", function (event) {
    clearTimeout(timer);
    if (event.isComposing) return;  /* a pinyin (or other) input method is still composing: wait for it */
    timer = setTimeout(function () { syncUrl(); run(input.value); }, 250);
  });
  input.addEventListener("compositionend", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { syncUrl(); run(input.value); }, 250);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    syncUrl();
    run(input.value);
  });
  levels.forEach(function (select, level) {
    if (!select) return;
    select.addEventListener("change", function () {
      loadMeta().then(function () { fillLevels(level); refilter(); });
    });
  });
  Object.keys(selects).forEach(function (key) {
    if (selects[key]) selects[key].addEventListener("change", refilter);
  });
  if (sortSelect) sortSelect.addEventListener("change", refilter);
  if (orgChip) orgChip.addEventListener("click", function () {
    orgInput.value = "";
    orgChip.parentNode.hidden = true;
    refilter();
  });
  more.addEventListener("click", function () {
    if (!state) return;
    var before = list.children.length;
    app.setAttribute("data-state", "busy");
    showPage(false).then(function () {
      var next = list.children[before];
      if (next) next.querySelector("a").focus();
    });
  });

  /* for tests: the format functions, to compare with the Python builder */
  window.yearbookSearch = { normalize: normalize, queryTerms: queryTerms, termBigrams: termBigrams, sampleKeys: sampleKeys,
    hashBigram: hashBigram, decodePostings: decodePostings, unpackFacets: unpackFacets, search: run };

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  Object.keys(selects).forEach(function (key) {
    var value = params.get(key);
    if (value && selects[key] && (!selects[key].options || selects[key].querySelector('option[value="' + CSS.escape(value) + '"]'))) selects[key].value = value;
  });
  if (sortSelect && params.get("sort") && sortSelect.querySelector('option[value="' + CSS.escape(params.get("sort")) + '"]')) sortSelect.value = params.get("sort");
  var wantedRegion = params.get("region") || "", wantedOrg = params.get("org") || "";
  if (wantedOrg && orgInput) orgInput.value = wantedOrg;
  if (wantedRegion || wantedOrg) {
    /* the region levels and the organisation's name need the index's tables */
    (wantedOrg ? loadOrgs() : loadMeta()).then(function () {
      var m = meta;
      var parts = wantedRegion.split("/");
      for (var l = 0; l < levels.length && l < parts.length; l++) {
        var value = parts.slice(0, l + 1).join("/");
        if (!(value in slugIndex.region)) break;
        if (l > 0) fillLevels(l - 1);
        levels[l].value = value;
      }
      fillLevels(Math.min(parts.length, levels.length) - 1);
      if (wantedOrg in slugIndex.org && orgChip) {
        orgChip.querySelector("span").textContent = m.orgs[slugIndex.org[wantedOrg]][1];
        orgChip.parentNode.hidden = false;
      }
      run(input.value);
    }).catch(function (error) {
      app.setAttribute("data-state", "error");
      say("无法加载搜索索引（" + error.message + "）。请通过网站的服务器打开本页。");
    });
  } else if (input.value || selects.topic.value || selects.volume.value || selects.year.value) run(input.value);
  else app.setAttribute("data-state", "idle");
})();
