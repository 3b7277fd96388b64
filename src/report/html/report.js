// ballast's HTML report: reads the data element, draws the treemap and the
// panels beside it. Every string from the image is shown with textContent
// (through el()), never parsed as markup.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('ballast-data').textContent);
  var P = D.page, R = D.rows, N = R.length, DIFF = P.kind === 'diff';
  var DIR = 0, LIVE = 1, FLAGGED = 2, HIDDEN = 3, ADDED = 4, REMOVED = 5, CHANGED = 6, SAME = 7, FOLDED = 9;
  var MAX_DRAWN = 3500, MAX_DEPTH = 12, HEAD = 15;

  // ---- rows -------------------------------------------------------------
  var kids = new Array(N);
  for (var i = 0; i < N; i++) kids[i] = [];
  for (i = 1; i < N; i++) kids[R[i][0]].push(i);
  function isDir(i) { return R[i][3] === DIR; }
  function pathOf(i) {
    if (i === 0) return '/';
    var parts = [];
    for (var j = i; j > 0; j = R[j][0]) parts.push(R[j][3] === FOLDED ? '(' + R[j][4] + ' small files)' : R[j][1]);
    return '/' + parts.reverse().join('/');
  }

  var state = { zoom: 0, layer: null, layerOnly: false, showSame: false, hits: null, finding: null };

  // Bytes each row shows under the current filter (one layer, or a diff
  // without its unchanged files); rows come parent first, so one backward pass.
  function passes(kind, layer) {
    if (DIFF) return state.showSame || kind !== SAME;
    return !(state.layerOnly && state.layer !== null) || layer === state.layer;
  }
  function sizes() {
    var s = new Float64Array(N);
    for (var i = N - 1; i >= 0; i--) {
      var r = R[i], k = r[3];
      if (k === FOLDED) {
        for (var j = 0; j < r[5].length; j++) if (passes(r[5][j][0], r[5][j][1])) s[i] += r[5][j][2];
      } else if (k !== DIR && passes(k, r[4])) s[i] = r[2];
      if (i > 0) s[r[0]] += s[i];
    }
    return s;
  }
  var S = sizes();

  // ---- formatting ----------------------------------------------------------
  function human(n) {
    var neg = n < 0; n = Math.abs(n);
    var units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], u = 0;
    while (n >= 1000 && u < units.length - 1) { n /= 1000; u++; }
    var s = u === 0 ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
    return (neg ? '-' : '') + s + ' ' + units[u];
  }
  function signed(n) { return (n > 0 ? '+' : '') + human(n); }
  function pct(x, digits) { return x === null || x === undefined ? 'n/a' : (x * 100).toFixed(digits || 2) + ' %'; }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) { for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]); return parent; }
  function row(cells, numeric) {
    var tr = el('tr');
    cells.forEach(function (c, i) { add(tr, el('td', numeric && numeric.indexOf(i) >= 0 ? 'n' : '', c)); });
    return tr;
  }
  function table(head, rows, numeric) {
    var t = el('table'), tr = el('tr');
    head.forEach(function (h, i) { add(tr, el('th', numeric && numeric.indexOf(i) >= 0 ? 'n' : '', h)); });
    add(t, tr);
    rows.forEach(function (r) { add(t, row(r, numeric)); });
    return t;
  }
  var RULES = ['deleted-later', 'overwritten', 'duplicate-content', 'vcs-directory', 'package-cache', 'dev-dependencies',
    'build-toolchain', 'python-bytecode', 'docs-and-locales', 'junk', 'secret', 'root-user', 'no-healthcheck', 'setuid', 'world-writable'];
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  function ruleColor(rule) {
    var i = RULES.indexOf(rule); if (i < 0) i = RULES.length;
    var hue = (i * 67 + 300) % 360;
    return 'hsl(' + hue + ',' + (dark ? '45%,38%)' : '70%,72%)');
  }
  function layerCmd(l) { var L = P.layers && P.layers[l]; return L && L.command ? L.command : ''; }

  // ---- treemap ---------------------------------------------------------------
  var map = document.getElementById('map'), tip = document.getElementById('tip');

  // Squarified layout (Bruls, Huizing, van Wijk): rows of items along the
  // shorter side, each row kept while it improves the worst aspect ratio.
  function squarify(items, x, y, w, h, out) {
    var total = 0, i;
    for (i = 0; i < items.length; i++) total += items[i].v;
    if (total <= 0 || w <= 0 || h <= 0) return;
    var scale = w * h / total;
    i = 0;
    while (i < items.length) {
      var side = Math.min(w, h), sum = 0, min = Infinity, max = 0, best = Infinity, j = i;
      while (j < items.length) {
        var a = items[j].v * scale, s = sum + a, mn = Math.min(min, a), mx = Math.max(max, a);
        var worst = Math.max(side * side * mx / (s * s), s * s / (side * side * mn));
        if (j > i && worst > best) break;
        best = worst; sum = s; min = mn; max = mx; j++;
      }
      var k, off;
      if (w >= h) {
        var cw = sum / h; off = y;
        for (k = i; k < j; k++) { var hh = items[k].v * scale / cw; out.push([items[k].i, x, off, cw, hh]); off += hh; }
        x += cw; w -= cw;
      } else {
        var rh = sum / w; off = x;
        for (k = i; k < j; k++) { var ww = items[k].v * scale / rh; out.push([items[k].i, off, y, ww, rh]); off += ww; }
        y += rh; h -= rh;
      }
      i = j;
    }
  }

  // What colours a row: its kind, and for a flagged file the finding
  // (class 10 + finding index). A directory too small to open, or a folded
  // group, takes the class holding most of its bytes.
  function classOfLeaf(k, f) { return k === FLAGGED ? 10 + f : k; }
  function mix(i) {
    var m = {}, stack = [i];
    while (stack.length) {
      var j = stack.pop(), r = R[j], k = r[3];
      if (k === DIR) { for (var c = 0; c < kids[j].length; c++) stack.push(kids[j][c]); continue; }
      if (k === FOLDED) {
        r[5].forEach(function (p) { if (passes(p[0], p[1])) { var key = classOfLeaf(p[0], p[3]); m[key] = (m[key] || 0) + p[2]; } });
      } else if (passes(k, r[4])) { var key = classOfLeaf(k, r[5]); m[key] = (m[key] || 0) + r[2]; }
    }
    var best = 1, most = -1;
    Object.keys(m).forEach(function (key) { if (m[key] > most) { most = m[key]; best = +key; } });
    return best;
  }
  function paint(d, i, open) {
    var k = R[i][3], cls = 0;
    if (k === DIR && open) d.className = 'r d';
    else {
      cls = k === DIR || k === FOLDED ? mix(i) : classOfLeaf(k, R[i][5]);
      d.className = 'r ' + (cls >= 10 ? 'k2' : 'k' + cls) + (k === DIR ? ' dc' : '') + (k === FOLDED ? ' fo' : '');
    }
    d.style.backgroundColor = cls >= 10 ? ruleColor(finding(cls - 10).rule) : '';
    if (onLayer(i)) d.classList.add('on');
    if (state.hits && state.hits.indexOf(i) >= 0) d.classList.add('hit');
  }
  function onLayer(i) {
    if (state.layer === null) return false;
    var r = R[i];
    if (r[3] === FOLDED) return r[5].some(function (p) { return p[1] === state.layer && p[2] > 0; });
    if (r[3] === DIR) return false;
    return r[4] === state.layer;
  }

  // Directories open largest first (a heap by area), so the big ones always
  // show their insides and the element count stays bounded on any tree.
  function Heap() { this.a = []; }
  Heap.prototype.push = function (x) {
    var a = this.a, i = a.push(x) - 1;
    while (i > 0) { var p = (i - 1) >> 1; if (a[p].area >= a[i].area) break; var t = a[p]; a[p] = a[i]; a[i] = t; i = p; }
  };
  Heap.prototype.pop = function () {
    var a = this.a, top = a[0], last = a.pop();
    if (a.length) {
      a[0] = last;
      for (var i = 0; ;) {
        var l = 2 * i + 1, r = l + 1, m = i;
        if (l < a.length && a[l].area > a[m].area) m = l;
        if (r < a.length && a[r].area > a[m].area) m = r;
        if (m === i) break;
        var t = a[m]; a[m] = a[i]; a[i] = t; i = m;
      }
    }
    return top;
  };
  function draw() {
    S = sizes();
    map.textContent = '';
    map.classList.toggle('dim', state.layer !== null && !state.layerOnly);
    var W = map.clientWidth, H = map.clientHeight, drawn = 0, heap = new Heap(), divs = {};
    heap.push({ i: state.zoom, x: 0, y: 0, w: W, h: H, depth: 0, area: Infinity });
    var frag = document.createDocumentFragment();
    while (heap.a.length) {
      var q = heap.pop(), items = [], out = [];
      kids[q.i].forEach(function (c) { if (S[c] > 0) items.push({ i: c, v: S[c] }); });
      items.sort(function (a, b) { return b.v - a.v; });
      squarify(items, q.x, q.y, q.w, q.h, out);
      out = out.filter(function (o) { return o[3] >= 3 && o[4] >= 3; });
      if (q.depth > 0 && drawn + out.length > MAX_DRAWN) { paint(divs[q.i], q.i, false); continue; }
      for (var n = 0; n < out.length; n++) {
        var o = out[n], id = o[0], w = o[3], h = o[4];
        var d = el('div');
        d.style.left = o[1] + 'px'; d.style.top = o[2] + 'px';
        d.style.width = w + 'px'; d.style.height = h + 'px';
        d.dataset.row = id;
        d.dataset.path = pathOf(id);
        d.dataset.bytes = S[id];
        d.tabIndex = q.depth === 0 ? 0 : -1;
        d.setAttribute('role', 'treeitem');
        d.setAttribute('aria-label', pathOf(id) + ', ' + human(S[id]));
        var opens = isDir(id) && w > 24 && h > HEAD + 8 && q.depth < MAX_DEPTH;
        paint(d, id, opens);
        if (w > 34 && h > 13) add(d, el('span', 'lbl', label(id)));
        frag.appendChild(d);
        divs[id] = d;
        drawn++;
        if (opens) heap.push({ i: id, x: o[1] + 2, y: o[2] + HEAD, w: w - 4, h: h - HEAD - 2, depth: q.depth + 1, area: w * h });
      }
    }
    map.appendChild(frag);
    crumbs();
  }
  function label(i) {
    var r = R[i];
    var name = r[3] === FOLDED ? '(' + r[4] + ' small files)' : r[1];
    return name + '  ' + human(S[i]);
  }
  function finding(i) { return (P.findings && P.findings[i]) || { rule: '' }; }

  function describe(i) {
    var r = R[i], k = r[3], lines = [];
    lines.push(human(S[i]) + (S[i] !== r[2] ? ' shown (' + human(r[2]) + ' in all)' : ''));
    if (k === DIR) lines.push(plural(r[4], 'file'));
    if (k === FOLDED) {
      lines.push(r[4] + ' files too small to draw on their own');
      if (!DIFF) {
        var hid = 0; r[5].forEach(function (p) { if (p[0] === HIDDEN) hid += p[2]; });
        if (hid) lines.push(human(hid) + ' of it hidden');
      }
    }
    if (k === LIVE || k === FLAGGED || k === HIDDEN) lines.push('layer ' + r[4] + (layerCmd(r[4]) ? ': ' + layerCmd(r[4]) : ''));
    if (k === LIVE) lines.push('live');
    if (k === FLAGGED) { var f = finding(r[5]); lines.push('live, flagged: ' + f.rule + ' (' + f.severity + ')'); }
    if (k === HIDDEN) lines.push('hidden: ' + (r[6] ? 'overwritten' : 'deleted') + ' in layer ' + r[5] + ', still shipped (' + (r[6] ? 'overwritten' : 'deleted-later') + ')');
    if (k === ADDED) lines.push('added: ' + human(r[6]));
    if (k === REMOVED) lines.push('removed: ' + human(r[5]));
    if (k === CHANGED) lines.push('changed: ' + human(r[5]) + ' \u2192 ' + human(r[6]) + ' (' + signed(r[6] - r[5]) + ')');
    if (k === SAME) lines.push('unchanged');
    return lines;
  }
  function showTip(target, ev) {
    var i = +target.dataset.row;
    tip.textContent = '';
    add(tip, el('b', '', pathOf(i)));
    describe(i).forEach(function (l) { add(tip, el('div', '', l)); });
    tip.hidden = false;
    placeTip(ev);
  }
  function placeTip(ev) {
    var x = ev.clientX + 14, y = ev.clientY + 14, r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth) x = Math.max(0, ev.clientX - r.width - 8);
    if (y + r.height > window.innerHeight) y = Math.max(0, ev.clientY - r.height - 8);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  map.addEventListener('mouseover', function (ev) { var t = ev.target.closest('.r'); if (t) showTip(t, ev); });
  map.addEventListener('mousemove', function (ev) { if (!tip.hidden) placeTip(ev); });
  map.addEventListener('mouseleave', function () { tip.hidden = true; });
  map.addEventListener('focusin', function (ev) {
    var t = ev.target.closest('.r'); if (!t) return;
    var b = t.getBoundingClientRect();
    showTip(t, { clientX: b.left + 8, clientY: b.top + 8 });
  });
  map.addEventListener('focusout', function () { tip.hidden = true; });
  function open(i) {
    var target = isDir(i) ? i : R[i][0];
    if (target === state.zoom && !isDir(i)) return;
    zoomTo(target, true);
  }
  map.addEventListener('click', function (ev) { var t = ev.target.closest('.r'); if (t) open(+t.dataset.row); });
  map.addEventListener('keydown', function (ev) {
    var t = ev.target.closest('.r');
    if (t && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); open(+t.dataset.row); }
  });
  document.addEventListener('keydown', function (ev) {
    var tag = (ev.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'select' || tag === 'textarea') return;
    if ((ev.key === 'Backspace' || ev.key === 'Escape') && state.zoom !== 0) {
      ev.preventDefault();
      zoomTo(R[state.zoom][0], true);
    }
  });
  function zoomTo(i, focus) {
    state.zoom = i;
    draw();
    if (focus) { var first = map.querySelector('.r[tabindex="0"]'); if (first) first.focus(); }
  }

  function crumbs() {
    var nav = document.getElementById('crumbs'), chain = [];
    for (var j = state.zoom; ; j = R[j][0]) { chain.push(j); if (j === 0) break; }
    chain.reverse();
    nav.textContent = '';
    chain.forEach(function (j, n) {
      if (n > 0) add(nav, el('span', 'sep', '/'));
      var b = el('button', '', j === 0 ? (DIFF ? 'changes' : 'image') : R[j][1]);
      b.type = 'button';
      if (j === state.zoom) b.setAttribute('aria-current', 'location');
      else b.addEventListener('click', function () { zoomTo(j, true); });
      add(nav, b);
    });
    add(nav, el('span', 'sep', '  ' + human(S[state.zoom])));
    nav.dataset.path = pathOf(state.zoom);
  }

  // Rows a path names: walk the names; a folded path ends at the deepest
  // directory shown, which then stands for it.
  function lookup(path) {
    var names = path.split('/').filter(function (s) { return s.length; }), cur = 0;
    for (var n = 0; n < names.length; n++) {
      var last = n === names.length - 1, same = kids[cur].filter(function (c) { return R[c][1] === names[n] && R[c][3] !== FOLDED; });
      if (!same.length) return [cur];
      if (last) return same;
      var dir = same.filter(isDir);
      if (!dir.length) return [cur];
      cur = dir[0];
    }
    return [cur];
  }
  function ancestors(i) { var a = []; for (var j = i; ; j = R[j][0]) { a.push(j); if (j === 0) break; } return a.reverse(); }
  function common(rows) {
    var chains = rows.map(function (r) { return ancestors(r === 0 ? 0 : R[r][0]); });
    var out = 0;
    for (var d = 0; ; d++) {
      var v = chains[0][d];
      if (v === undefined || !chains.every(function (c) { return c[d] === v; })) return out;
      out = v;
    }
  }
  function showFinding(fi, button) {
    var f = P.findings[fi], hits = [];
    (f.paths || []).forEach(function (p) { if (p.path) hits = hits.concat(lookup(p.path)); });
    document.querySelectorAll('.finding[aria-pressed="true"]').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
    if (!hits.length) { state.hits = null; draw(); return; }
    button.setAttribute('aria-pressed', 'true');
    state.hits = hits;
    state.finding = fi;
    zoomTo(common(hits), false);
  }

  // ---- controls and legend ---------------------------------------------------------
  function controls() {
    var c = document.getElementById('controls');
    c.textContent = '';
    if (DIFF) {
      var box = el('input'); box.type = 'checkbox'; box.id = 'same'; box.checked = state.showSame;
      box.addEventListener('change', function () { state.showSame = box.checked; draw(); });
      var lab = el('label', '', ' show unchanged files'); lab.htmlFor = 'same';
      add(c, add(el('span'), box, lab));
      return;
    }
    var l = state.layer;
    add(c, el('span', '', l === null ? 'Click a layer (right) to highlight its bytes.' : 'Layer ' + l + ' highlighted.'));
    if (l === null) return;
    var only = el('input'); only.type = 'checkbox'; only.id = 'only'; only.checked = state.layerOnly;
    only.addEventListener('change', function () { state.layerOnly = only.checked; draw(); });
    var lab2 = el('label', '', ' only this layer\u2019s own bytes'); lab2.htmlFor = 'only';
    add(c, add(el('span'), only, lab2));
    var clear = el('button', '', 'clear'); clear.type = 'button';
    clear.addEventListener('click', function () { selectLayer(null); });
    add(c, clear);
  }
  function legend() {
    var g = document.getElementById('legend');
    function chip(color, cls, text) {
      var s = el('span'), sw = el('span', 'sw' + (cls ? ' ' + cls : ''));
      if (color) sw.style.backgroundColor = color;
      return add(s, sw, el('span', '', text));
    }
    var css = getComputedStyle(document.documentElement);
    function v(name) { return css.getPropertyValue(name).trim(); }
    if (DIFF) {
      [['--added', 'added'], ['--removed', 'removed'], ['--changed', 'changed'], ['--same', 'unchanged']]
        .forEach(function (p) { add(g, chip(v(p[0]), '', p[1])); });
      add(g, chip(v('--folded'), 'fo', 'small files, folded'));
      return;
    }
    add(g, chip(v('--live'), '', 'live'));
    add(g, chip(v('--hidden'), '', 'hidden (deleted or overwritten later, still shipped)'));
    add(g, chip(v('--live'), 'fo', 'small files, folded (coloured by most of their bytes)'));
    var seen = {};
    for (var i = 1; i < N; i++) {
      if (R[i][3] === FLAGGED) seen[finding(R[i][5]).rule] = true;
      if (R[i][3] === FOLDED) R[i][5].forEach(function (p) { if (p[0] === FLAGGED) seen[finding(p[3]).rule] = true; });
    }
    Object.keys(seen).forEach(function (r) { add(g, chip(ruleColor(r), '', 'flagged: ' + r)); });
  }

  // ---- side panels -------------------------------------------------------------
  function section(id, title) {
    var s = document.getElementById(id);
    s.textContent = '';
    add(s, el('h2', '', title));
    return s;
  }
  function summary() {
    var s = section('summary', 'Summary'), m = P.metrics;
    add(s, table(['', 'bytes', ''], [
      ['shipped', human(m.shipped_bytes), 'every pull carries this'],
      ['live', human(m.live_bytes), 'the final filesystem (' + m.live_files + ' files)'],
      ['hidden', human(m.hidden_bytes), 'deleted or overwritten later'],
      ['reclaimable', human(m.reclaimable_bytes), 'what the findings would remove'],
      ['dive', '', 'efficiency ' + pct(m.efficiency, 4) + ', wasted ' + human(m.wasted_bytes) + ', user wasted ' + pct(m.user_wasted_percent, 4)]
    ], [1]));
    if (P.warnings) add(s, el('p', 'note', P.warnings + ' warnings while reading (see --json)'));
  }
  function selectLayer(l) {
    state.layer = state.layer === l ? null : l;
    if (state.layer === null) state.layerOnly = false;
    document.querySelectorAll('.layer').forEach(function (b) { b.setAttribute('aria-pressed', String(+b.dataset.layer === state.layer)); });
    controls();
    draw();
  }
  function layers() {
    var s = section('layers', 'Layers'), max = 1;
    P.layers.forEach(function (l) { max = Math.max(max, l.size_bytes); });
    P.layers.forEach(function (l) {
      var b = el('button', 'layer'); b.type = 'button'; b.dataset.layer = l.index;
      b.setAttribute('aria-pressed', 'false');
      b.setAttribute('aria-label', 'layer ' + l.index + ', ' + human(l.size_bytes) + ': highlight its bytes');
      var bar = el('span', 'bar'); bar.style.width = Math.max(0.5, 100 * l.size_bytes / max) + '%';
      add(b, el('span', '', '#' + l.index), add(el('span'), bar), el('span', 'n', human(l.size_bytes)),
        el('span', 'cmd', (l.command || '') + '  +' + l.added + ' ~' + l.modified + ' -' + l.removed));
      b.title = l.command || '';
      b.addEventListener('click', function () { selectLayer(l.index); });
      add(s, b);
    });
  }
  function findings() {
    var s = section('findings', 'Findings (' + P.findings.length + ')');
    if (!P.findings.length) add(s, el('p', 'note', 'none'));
    P.findings.forEach(function (f, fi) {
      var b = el('button', 'finding'); b.type = 'button'; b.dataset.finding = fi;
      b.setAttribute('aria-pressed', 'false');
      b.style.borderLeftColor = ruleColor(f.rule);
      var head = add(el('div', 'head'), el('span', '', f.rule), el('span', '', human(f.bytes)));
      var where = f.severity + ' \u00b7 ' + f.category + (f.layer ? ' \u00b7 layer ' + f.layer.index : '') +
        (f.dockerfile_line ? ' \u00b7 Dockerfile line ' + f.dockerfile_line : '');
      var paths = (f.paths || []).map(function (p) { return p.path || (p.config_key ? p.config_key + '=<redacted>' : ''); });
      var more = f.paths_omitted ? ' and ' + f.paths_omitted + ' more' : '';
      add(b, head, el('div', 'sev', where), el('div', 'paths', paths.join('  ') + more), el('div', 'fix', 'fix: ' + f.advice));
      b.addEventListener('click', function () { showFinding(fi, b); });
      add(s, b);
    });
  }
  function estimates() {
    var s = section('estimates', 'Estimates');
    if (!P.estimates || !P.estimates.length) { add(s, el('p', 'note', 'none')); return; }
    add(s, table(['strategy', 'before', 'after', 'saved', 'feasible'], P.estimates.map(function (e) {
      var name = e.strategy + (e.candidate ? ' to ' + e.candidate.image + ':' + e.candidate.tag : '');
      return [name, human(e.size_before), human(e.size_after), human(e.bytes_saved), e.feasible ? 'yes' : 'no'];
    }), [1, 2, 3]));
    P.estimates.forEach(function (e) {
      (e.warnings || []).forEach(function (w) { add(s, el('p', 'note', (w.blocking ? 'blocking: ' : '') + w.message)); });
      if (e.dockerfile) {
        var d = add(el('details'), el('summary', '', 'proposed Dockerfile (' + e.strategy + ')'), el('pre', '', e.dockerfile));
        add(s, d);
      }
    });
  }
  function dockerfile() {
    var df = P.dockerfile, s = document.getElementById('dockerfile');
    if (!df) { s.hidden = true; return; }
    s = section('dockerfile', 'Dockerfile lint (' + df.lint.length + ')');
    add(s, el('p', 'note', df.path));
    df.lint.forEach(function (f) {
      var d = el('div', 'finding');
      add(d, add(el('div', 'head'), el('span', '', f.rule + (f.hadolint ? ' (' + f.hadolint + ')' : '')), el('span', 'sev', 'line ' + f.line)),
        el('div', 'sev', f.severity + ' \u00b7 ' + f.category), el('div', '', f.message), el('div', 'fix', 'fix: ' + f.fix));
      add(s, d);
    });
    var c = df.cache;
    if (!c) return;
    add(s, el('h2', '', 'Build cache'));
    add(s, el('p', '', c.builds + ' builds (' + c.model + ' cache): hit rate ' + pct(c.result.hit_rate) + ', ' +
      c.result.steps_rebuilt + ' steps rebuilt, ' + human(c.result.bytes_rebuilt) + (c.result.bytes_partial ? '+' : '') + ' rebuilt'));
    add(s, table(['line', 'instruction', 'hits', 'rebuilt', 'bytes'], c.result.steps.map(function (st) {
      return [st.line, st.instruction, st.hits, st.rebuilt, st.bytes_rebuilt === null || st.bytes_rebuilt === undefined ? '?' : human(st.bytes_rebuilt)];
    }), [0, 2, 3, 4]));
    if (c.proposal) {
      add(s, el('p', '', 'Reordered: hit rate ' + pct(c.proposal.hit_rate) + ', ' + human(c.proposal.bytes_rebuilt) + ' rebuilt'));
      c.proposal.changes.forEach(function (t) { add(s, el('p', 'note', t)); });
      add(s, add(el('details'), el('summary', '', 'proposed order (diff)'), el('pre', '', c.proposal.diff)));
    }
    (c.notes || []).forEach(function (t) { add(s, el('p', 'note', t)); });
  }

  // ---- diff panels -----------------------------------------------------------------
  function diffPanels() {
    var d = P.diff;
    var s = section('summary', 'Change');
    add(s, table(['', 'old', 'new', 'change'], [['shipped', d.shipped], ['live', d.live], ['reclaimable', d.reclaimable]].map(function (t) {
      return [t[0], human(t[1].old), human(t[1].new), signed(t[1].delta)];
    }), [1, 2, 3]));
    var f = d.files;
    add(s, el('p', '', f.added + ' files added (' + human(f.added_bytes) + '), ' + f.removed + ' removed (' + human(f.removed_bytes) + '), ' + f.changed + ' changed'));
    s = section('layers', 'Layers');
    add(s, table(['status', 'old', 'new', 'size', 'command'], d.layers.map(function (l) {
      return [l.status, l.old_index === null ? '' : l.old_index, l.new_index === null ? '' : l.new_index, signed(l.size.delta), l.command || ''];
    }), [1, 2, 3]));
    s = section('findings', 'Findings');
    [['appeared', d.findings_appeared], ['went away', d.findings_gone]].forEach(function (p) {
      add(s, el('p', '', p[1].length + ' ' + p[0]));
      p[1].forEach(function (k) {
        var b = el('div', 'finding');
        b.style.borderLeftColor = ruleColor(k.rule);
        add(b, add(el('div', 'head'), el('span', '', k.rule), el('span', '', human(k.bytes))), el('div', 'paths', k.path || ''), el('div', 'fix', 'fix: ' + k.advice));
        add(s, b);
      });
    });
    s = section('estimates', 'Largest directory changes');
    add(s, table(['directory', 'old', 'new', 'change'], d.directories.map(function (x) {
      return [x.path, human(x.size.old), human(x.size.new), signed(x.size.delta)];
    }), [1, 2, 3]));
    document.getElementById('dockerfile').hidden = true;
  }

  // ---- start ---------------------------------------------------------------------------
  function header() {
    var t = document.getElementById('title'), sub = document.getElementById('subtitle');
    if (DIFF) {
      t.textContent = P.old.reference + ' \u2192 ' + P.new.reference;
      sub.textContent = 'diff: the map shows what was added, removed or changed (area: the larger of old and new size)';
    } else {
      var im = P.image;
      t.textContent = im.reference;
      sub.textContent = im.os + '/' + im.architecture + (im.variant ? '/' + im.variant : '') + ', ' + P.layers.length +
        ' layers, id ' + im.id.replace('sha256:', '').slice(0, 12) + (im.verified ? ', verified' : '') + ', ballast ' + P.version;
    }
    document.title = 'ballast: ' + t.textContent;
    var fo = P.fold;
    document.getElementById('foldnote').textContent = fo.folded_files
      ? fo.rows + ' rectangles; ' + fo.folded_files + ' small files are folded into "(N small files)" per directory (at most ' + fo.max_rows + ' rectangles).'
      : 'Every file has its own rectangle (' + fo.rows + ').';
  }
  header();
  if (DIFF) diffPanels(); else { summary(); layers(); findings(); estimates(); dockerfile(); }
  controls();
  legend();
  draw();
  var resizing = null;
  window.addEventListener('resize', function () { clearTimeout(resizing); resizing = setTimeout(draw, 120); });
  if (window.performance && performance.mark) performance.mark('ballast-drawn');
  document.documentElement.dataset.ready = 'true';
})();
