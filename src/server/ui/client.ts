import { UI_METRICS } from './metrics.js';

/**
 * The `/metrics/ui` page's script, as text (the build compiles only TypeScript, and the page must
 * be one self-contained file). On load it reads the service's history (`ui/history`: 15 minutes
 * at 5 s), then polls `json` (the metrics it draws, by `?name=`) and `health` beside it (relative
 * URLs, so any endpoint path works), keeps 15 minutes of reduced snapshots, and computes rates,
 * ratios and quantiles itself from counter and bucket increases over a 30 s window, as
 * `rate(...[30s])` and `histogram_quantile` would. Charts are hand-drawn SVG: a charting library
 * would be larger than this whole page. Every label value reaches the DOM through `textContent`,
 * never as HTML.
 *
 * Kept free of backticks and dollar-brace so it can live in a template literal unchanged; the
 * list of metrics it asks for is `UI_METRICS`, spliced in.
 */
const SCRIPT_HEAD = String.raw`
'use strict';
(function () {
  // Never faster: every poll is one collection on the service.
  var POLL_MS = 2000;
  var HISTORY_MS = 15 * 60 * 1000;
  var WINDOW_MS = 30 * 1000;
  var MAX_LINES = 8;
  var COLORS = ['#3b7dd8', '#e8743b', '#19a979', '#945ecf', '#ed4a7b', '#13a4b4', '#bf9b00', '#6c8893'];

  // A bearer token comes in the page's own address (?token=), the only way a browser can carry
  // one when it opens a page; basic auth needs nothing here (the browser resends it).
  var token = new URLSearchParams(location.search).get('token');
  var requestInit = { cache: 'no-store', headers: token ? { Authorization: 'Bearer ' + token } : {} };

  // Only the metrics drawn below (frameOf reads each): the service renders, and every open
  // page shares, one small body instead of every series it has.
  var METRICS = `;

const SCRIPT_BODY = String.raw`;
  // The metric picked in "Any metric" (its name, kind and unit), drawn from the same polls.
  var picked = null;
  var TOP_ROUTES = 4;
  function query() {
    return METRICS.concat(picked ? [picked.name] : []).map(function (name) { return 'name=' + encodeURIComponent(name); }).join('&');
  }

  /** Reduced snapshots, oldest first: { t: ms, groups: Map(group -> Map(name -> number | histogram)) }. */
  var frames = [];
  var timer;
  var polling = false;
  var lastPoll = 0;

  // ------------------------------------------------------------------------------------------
  // Reading a snapshot

  function histogramOf(series) {
    return {
      bounds: series.buckets.map(function (b) { return b.le === '+Inf' ? Infinity : b.le; }),
      counts: series.buckets.map(function (b) { return b.count; }),
      count: series.count,
      sum: series.sum || 0,
    };
  }

  function addHistogram(into, h) {
    if (!into) return { bounds: h.bounds, counts: h.counts.slice(), count: h.count, sum: h.sum };
    // Cumulative counts add up bucket by bucket when the bounds are the same.
    if (into.bounds.length === h.bounds.length) for (var i = 0; i < h.counts.length; i++) into.counts[i] += h.counts[i];
    into.count += h.count;
    into.sum += h.sum;
    return into;
  }

  /** A series' labels as one line of text: 'status=ok region=eu'. */
  function labelText(labels, fallback) {
    return Object.keys(labels).map(function (k) { return k + '=' + labels[k]; }).join(' ') || fallback;
  }

  function frameOf(snapshot, t) {
    var groups = new Map();
    function put(group, name, value) {
      var g = groups.get(group);
      if (!g) groups.set(group, (g = new Map()));
      if (typeof value === 'number') g.set(name, (g.get(name) || 0) + value);
      else g.set(name, addHistogram(g.get(name), value));
    }
    snapshot.metrics.forEach(function (metric) {
      metric.series.forEach(function (s) {
        var l = s.labels;
        if (picked && metric.name === picked.name) put('pick', labelText(l, metric.name), s.buckets ? histogramOf(s) : s.value || 0);
        var errored = l.error_type !== undefined && l.error_type !== '';
        switch (metric.name) {
          case 'http.server.request.duration':
            put('http', l.http_route || '(no route)', histogramOf(s));
            if (errored) put('http.errors', l.http_route || '(no route)', s.count);
            break;
          case 'gen_ai.client.operation.duration':
            put('llm', l.gen_ai_request_model || '(no model)', histogramOf(s));
            if (errored) put('llm.errors', l.gen_ai_request_model || '(no model)', s.count);
            break;
          case 'gen_ai.client.token.usage':
            put('llm.tokens', l.gen_ai_request_model || '(no model)', s.sum || 0);
            break;
          case 'gen_ai.client.operation.time_to_first_chunk':
            put('llm.ttfc', l.gen_ai_request_model || '(no model)', histogramOf(s));
            break;
          case 'cache.hits':
            put('cache.hits', l.cache_name, s.value || 0);
            break;
          case 'cache.misses':
            put('cache.misses', l.cache_name, s.value || 0);
            break;
          case 'cache.entries':
            put('cache.entries', l.cache_name, s.value || 0);
            break;
          case 'db.client.operation.duration': {
            var op = [l.db_system_name, l.db_operation_name, l.db_collection_name].filter(Boolean).join(' ');
            put('db', op || '(operation)', histogramOf(s));
            if (errored) put('db.errors', op || '(operation)', s.count);
            break;
          }
          case 'circuit_breaker.state':
            if (s.value === 1) put('cb.state.' + l.circuit_breaker_state, l.circuit_breaker_name, 1);
            break;
          case 'circuit_breaker.failure_rate':
            put('cb.failure', l.circuit_breaker_name, s.value || 0);
            break;
          case 'circuit_breaker.critical':
            put('cb.critical', l.circuit_breaker_name, s.value || 0);
            break;
          case 'circuit_breaker.transitions':
            put('cb.transitions', l.circuit_breaker_name + '\u0001' + l.circuit_breaker_from_state + '\u0001' + l.circuit_breaker_to_state, s.value || 0);
            break;
          case 'circuit_breaker.call.duration':
            put('cb.calls', l.circuit_breaker_name + ' ' + l.circuit_breaker_outcome, s.count);
            break;
          case 'process.cpu.time':
            put('rt.cpu', l.cpu_mode || 'cpu', s.value || 0);
            break;
          case 'process.memory.usage':
            put('rt.memory', 'resident (RSS)', s.value || 0);
            break;
          case 'v8js.memory.heap.used':
            put('rt.memory', 'V8 heap used', s.value || 0);
            break;
          case 'nodejs.eventloop.delay.p99':
            put('rt.loop', 'p99', s.value || 0);
            break;
          case 'nodejs.eventloop.delay.p50':
            put('rt.loop', 'p50', s.value || 0);
            break;
        }
      });
    });
    return { t: t === undefined ? Date.parse(snapshot.timestamp) : t, groups: groups };
  }

  /** One history series at point i as a json series, or null where it was absent. */
  function seriesAt(s, i) {
    if (s.values) return s.values[i] === null ? null : { labels: s.labels, value: s.values[i] };
    var count = s.count[i];
    if (count === null || s.buckets.some(function (b) { return b[i] === null; })) return null;
    var buckets = s.le.map(function (le, k) { return { le: le, count: s.buckets[k][i] }; });
    buckets.push({ le: '+Inf', count: count });
    return { labels: s.labels, count: count, sum: s.sum[i], buckets: buckets };
  }

  /** The service's history as frames, oldest first. */
  function historyFrames(history) {
    return history.times.map(function (t, i) {
      var metrics = history.metrics.map(function (m) {
        return { name: m.name, series: m.series.map(function (s) { return seriesAt(s, i); }).filter(Boolean) };
      });
      return frameOf({ metrics: metrics }, t);
    });
  }

  function group(frame, name) {
    return (frame && frame.groups.get(name)) || new Map();
  }

  // ------------------------------------------------------------------------------------------
  // Arithmetic over frames

  /** An increase; a total that went down was reset (the process restarted): all of it is new. */
  function increase(now, before) {
    return now >= before ? now - before : now;
  }

  function histogramIncrease(now, before) {
    if (!before || now.count < before.count || now.counts.length !== before.counts.length) return now;
    return {
      bounds: now.bounds,
      counts: now.counts.map(function (c, i) { return c - before.counts[i]; }),
      count: now.count - before.count,
      sum: now.sum - before.sum,
    };
  }

  /** histogram_quantile over cumulative bucket counts; null without observations. */
  function quantile(q, h) {
    var total = h.counts[h.counts.length - 1];
    if (!(total > 0)) return null;
    var rank = q * total;
    for (var i = 0; i < h.counts.length; i++) {
      if (h.counts[i] < rank) continue;
      var upper = h.bounds[i];
      if (upper === Infinity) return i > 0 ? h.bounds[i - 1] : null;
      var lower = i > 0 ? h.bounds[i - 1] : Math.min(0, upper);
      var below = i > 0 ? h.counts[i - 1] : 0;
      var inBucket = h.counts[i] - below;
      return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
    }
    return null;
  }

  /** Per frame, the frame its window starts from: the oldest within WINDOW_MS, never itself (-1: none). */
  var bases = [];
  function computeBases() {
    bases = [];
    for (var i = 0, j = 0; i < frames.length; i++) {
      while (j < i && frames[i].t - frames[j].t > WINDOW_MS) j++;
      bases.push(j < i ? j : -1);
    }
  }
  function baseIndex(i) {
    return bases[i] === undefined ? -1 : bases[i];
  }

  /** What 'value(now, before, seconds)' gives over the window ending at frames[i]. */
  function windowed(i, value) {
    var j = baseIndex(i);
    if (j < 0) return null;
    var seconds = (frames[i].t - frames[j].t) / 1000;
    return seconds > 0 ? value(frames[i], frames[j], seconds) : null;
  }

  /** Per name of 'groupName': a counter's (or a histogram's count's) increase per second. */
  function rates(now, before, seconds, groupName, field) {
    var out = new Map();
    var previous = group(before, groupName);
    group(now, groupName).forEach(function (v, name) {
      var p = previous.get(name);
      var a = field ? v[field] : v;
      var b = p === undefined ? 0 : field ? p[field] : p;
      out.set(name, increase(a, b) / seconds);
    });
    return out;
  }

  function quantiles(now, before, groupName, q) {
    var out = new Map();
    var previous = group(before, groupName);
    group(now, groupName).forEach(function (h, name) {
      var v = quantile(q, histogramIncrease(h, previous.get(name)));
      if (v !== null) out.set(name, v);
    });
    return out;
  }

  /** Lines over the whole history: name -> [[t, value]], from a per-frame Map of values. */
  function linesOf(valuesAt) {
    var lines = new Map();
    frames.forEach(function (frame, i) {
      var values = valuesAt(i);
      if (!values) return;
      values.forEach(function (v, name) {
        if (v === null || !isFinite(v)) return;
        if (!lines.has(name)) lines.set(name, []);
        lines.get(name).push([frame.t, v]);
      });
    });
    return lines;
  }

  function rateLines(groupName, field) {
    return linesOf(function (i) {
      return windowed(i, function (now, before, s) { return rates(now, before, s, groupName, field); });
    });
  }

  function quantileLines(groupName, q) {
    return linesOf(function (i) {
      return windowed(i, function (now, before) { return quantiles(now, before, groupName, q); });
    });
  }

  function gaugeLines(groupName) {
    return linesOf(function (i) { return group(frames[i], groupName); });
  }

  function last() {
    return frames[frames.length - 1];
  }

  /** Values over the latest window, or null before there are two polls. */
  function latestWindow(value) {
    return windowed(frames.length - 1, value);
  }

  // ------------------------------------------------------------------------------------------
  // Formatting and DOM

  function fmt(unit, v) {
    if (v === null || v === undefined || !isFinite(v)) return '-';
    switch (unit) {
      case 's':
        if (v === 0) return '0';
        if (v < 1e-3) return (v * 1e6).toFixed(0) + ' µs';
        if (v < 1) return (v * 1e3).toFixed(v < 0.01 ? 2 : v < 0.1 ? 1 : 0) + ' ms';
        return v.toFixed(2) + ' s';
      case 'ratio':
        if (v === 0) return '0%';
        return (v * 100).toFixed(v < 0.1 && v > 0 ? 2 : 1) + '%';
      case 'bytes':
        return v >= 1 << 30 ? (v / (1 << 30)).toFixed(2) + ' GiB' : (v / (1 << 20)).toFixed(v >= 100 << 20 || v === 0 ? 0 : 1) + ' MiB';
      case '/s':
        if (v === 0) return '0/s';
        return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + '/s';
      default:
        return Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v.toFixed(2);
    }
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function svg(tag, attributes, text) {
    var node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attributes).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** A rounded axis top: 1, 2 or 5 times a power of ten. */
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    return [1, 2, 5, 10].map(function (m) { return m * p; }).find(function (m) { return m >= v; });
  }

  // Where the pointer rests on a chart (its title and x in the chart's units): kept across the
  // redraw every poll makes, so the values under the pointer stay shown.
  var hover = null;

  /** Under the pointer at x: a cursor line, the time, and each line's nearest value. */
  function drawHover(root, box, chosen, unit, vx) {
    var old = root.querySelector('.hover');
    if (old) old.remove();
    if (vx < box.L || vx > box.W - box.R) return;
    var t = box.start + ((vx - box.L) / (box.W - box.L - box.R)) * (box.end - box.start);
    var g = svg('g', { class: 'hover' });
    g.appendChild(svg('line', { x1: vx, x2: vx, y1: box.T, y2: box.H - box.B }));
    var texts = [new Date(t).toLocaleTimeString()];
    chosen.forEach(function (e) {
      var best = null;
      e[1].forEach(function (p) { if (!best || Math.abs(p[0] - t) < Math.abs(best[0] - t)) best = p; });
      if (best) texts.push(e[0].replace(/\u0001/g, ' ') + ': ' + fmt(unit, best[1]));
    });
    var left = vx < box.W / 2;
    var bg = svg('rect', { x: left ? vx + 4 : vx - 184, y: box.T, width: 180, height: texts.length * 12 + 4, rx: 3 });
    g.appendChild(bg);
    texts.forEach(function (text, k) {
      g.appendChild(svg('text', { x: left ? vx + 8 : vx - 180, y: box.T + 12 + k * 12, 'data-hover': k === 0 ? 'time' : 'value' }, text));
    });
    root.appendChild(g);
  }

  /** A line chart of the history; at most MAX_LINES lines, the highest last values; values on hover. */
  function chart(title, unit, lines) {
    var W = 480, H = 150, L = 52, R = 6, T = 6, B = 18;
    var end = last().t;
    // The axis grows with the history, from one minute up to fifteen.
    var span = Math.min(HISTORY_MS, Math.max(60000, end - frames[0].t));
    var start = end - span;
    var chosen = Array.from(lines.entries())
      .filter(function (e) { return e[1].length > 0; })
      .sort(function (a, b) { return b[1][b[1].length - 1][1] - a[1][a[1].length - 1][1]; })
      .slice(0, MAX_LINES)
      .sort(function (a, b) { return a[0] < b[0] ? -1 : 1; });
    var panel = el('div', { class: 'panel', 'data-chart': title }, [el('h3', {}, [title])]);
    if (chosen.length === 0) {
      panel.appendChild(el('p', { class: 'nodata' }, ['collecting: needs two polls with data']));
      return panel;
    }
    var max = 0;
    chosen.forEach(function (e) { e[1].forEach(function (p) { max = Math.max(max, p[1]); }); });
    // Bytes get round MiB on the axis.
    var scale = unit === 'bytes' ? 1 << 20 : 1;
    var top = unit === 'ratio' && max > 0.5 ? 1 : niceMax(max / scale) * scale;
    var x = function (t) { return L + ((t - start) / (end - start)) * (W - L - R); };
    var y = function (v) { return T + (1 - v / top) * (H - T - B); };
    var first = Infinity;
    chosen.forEach(function (e) { first = Math.min(first, e[1][0][0]); });
    // data-from: the time of the oldest point drawn, so a test can tell history from live polls.
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': title, 'data-from': String(first) });
    [0, 0.5, 1].forEach(function (f) {
      root.appendChild(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(top * f), y2: y(top * f) }));
      root.appendChild(svg('text', { x: L - 4, y: y(top * f) + 3, 'text-anchor': 'end' }, fmt(unit, top * f)));
    });
    var step = span > 600000 ? 300000 : span > 180000 ? 60000 : span > 90000 ? 30000 : 15000;
    for (var ago = 0; ago <= span; ago += step) {
      var label = ago === 0 ? 'now' : ago % 60000 === 0 ? '-' + ago / 60000 + 'm' : '-' + ago / 1000 + 's';
      root.appendChild(svg('text', { x: x(end - ago), y: H - 4, 'text-anchor': ago === 0 ? 'end' : ago + step > span ? 'start' : 'middle' }, label));
    }
    var legend = el('ul', { class: 'legend' });
    chosen.forEach(function (e, k) {
      var color = COLORS[k % COLORS.length];
      var points = e[1].map(function (p) { return x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1); }).join(' ');
      // One point alone draws nothing as a line: repeat it one pixel on.
      if (e[1].length === 1) points += ' ' + (x(e[1][0][0]) + 1).toFixed(1) + ',' + y(e[1][0][1]).toFixed(1);
      root.appendChild(svg('polyline', { points: points, stroke: color }));
      var swatch = el('i');
      swatch.style.background = color;
      legend.appendChild(el('li', {}, [swatch, e[0].replace(/\u0001/g, ' ') + ' ' + fmt(unit, e[1][e[1].length - 1][1])]));
    });
    var box = { W: W, H: H, L: L, R: R, T: T, B: B, start: start, end: end };
    function at(event) {
      var rect = root.getBoundingClientRect();
      return ((event.clientX - rect.left) / rect.width) * W;
    }
    root.addEventListener('mousemove', function (event) {
      hover = { title: title, x: at(event) };
      drawHover(root, box, chosen, unit, hover.x);
    });
    root.addEventListener('mouseleave', function () {
      hover = null;
      drawHover(root, box, chosen, unit, -1);
    });
    if (hover && hover.title === title) drawHover(root, box, chosen, unit, hover.x);
    panel.appendChild(root);
    panel.appendChild(legend);
    return panel;
  }

  /** A table: columns [[title, unit]], rows [[name, values...]]; numbers formatted by their column's unit. */
  function table(title, columns, rows) {
    var panel = el('div', { class: 'panel wide', 'data-table': title }, [el('h3', {}, [title])]);
    if (rows.length === 0) {
      panel.appendChild(el('p', { class: 'nodata' }, ['none']));
      return panel;
    }
    var head = el('tr', {}, columns.map(function (c, i) { return el('th', i > 0 && c[1] ? { class: 'num' } : {}, [c[0]]); }));
    var body = rows.map(function (row) {
      return el('tr', {}, row.map(function (v, i) {
        var unit = columns[i][1];
        // data-label: on a phone each row becomes a card, and each value says what it is.
        if (v instanceof Node) return el('td', { 'data-label': columns[i][0] }, [v]);
        return el('td', i > 0 && unit ? { class: 'num', 'data-label': columns[i][0] } : { 'data-label': columns[i][0] }, [i > 0 && unit ? fmt(unit, v) : String(v)]);
      }));
    });
    panel.appendChild(el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]));
    return panel;
  }

  /** The names of a histogram group with the most observations over the history, at most n. */
  function busiest(groupName, n) {
    var now = group(last(), groupName), then = group(frames[0], groupName);
    var traffic = [];
    now.forEach(function (h, name) {
      var before = then.get(name);
      traffic.push([name, before && frames.length > 1 ? increase(h.count, before.count) : h.count]);
    });
    return traffic.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); }).slice(0, n).map(function (e) { return e[0]; });
  }

  function sortedNames(map) {
    return Array.from(map.keys()).sort();
  }

  // ------------------------------------------------------------------------------------------
  // Domains: what the shipped Grafana dashboard shows, row by row

  var DOMAINS = [
    {
      id: 'http',
      title: 'HTTP server',
      empty: 'No HTTP requests recorded.',
      has: function () { return group(last(), 'http').size > 0; },
      panels: function () {
        var byRoute = latestWindow(function (now, before, s) {
          return {
            rate: rates(now, before, s, 'http', 'count'),
            errors: rates(now, before, s, 'http.errors'),
            p50: quantiles(now, before, 'http', 0.5),
            p95: quantiles(now, before, 'http', 0.95),
            p99: quantiles(now, before, 'http', 0.99),
          };
        });
        var errorRatio = linesOf(function (i) {
          return windowed(i, function (now, before, s) {
            var all = 0, errors = 0;
            rates(now, before, s, 'http', 'count').forEach(function (v) { all += v; });
            rates(now, before, s, 'http.errors').forEach(function (v) { errors += v; });
            return new Map([['5xx or no response', all > 0 ? errors / all : 0]]);
          });
        });
        // One latency chart per route, for the busiest: a 3 ms route and a 400 ms one share no quantile.
        var quantileSets = [0.5, 0.95, 0.99].map(function (q) { return quantileLines('http', q); });
        var latencyCharts = busiest('http', TOP_ROUTES).map(function (route) {
          var latency = new Map();
          quantileSets.forEach(function (lines, k) {
            var line = lines.get(route);
            if (line) latency.set(['p50', 'p95', 'p99'][k], line);
          });
          return chart('Latency p50 / p95 / p99: ' + route, 's', latency);
        });
        var rows = byRoute ? sortedNames(byRoute.rate).map(function (r) {
          var rate = byRoute.rate.get(r);
          return [r, rate, rate > 0 ? (byRoute.errors.get(r) || 0) / rate : null, byRoute.p50.get(r), byRoute.p95.get(r), byRoute.p99.get(r)];
        }) : [];
        return [
          chart('Requests per second by route', '/s', rateLines('http', 'count')),
          chart('Server error ratio', 'ratio', errorRatio),
        ].concat(latencyCharts, [
          table('By route, last 30 s', [['route'], ['req/s', '/s'], ['errors', 'ratio'], ['p50', 's'], ['p95', 's'], ['p99', 's']], rows),
        ]);
      },
    },
    {
      id: 'llm',
      title: 'LLM',
      empty: 'No LLM calls recorded.',
      has: function () { return group(last(), 'llm').size > 0; },
      panels: function () {
        var byModel = latestWindow(function (now, before, s) {
          return {
            calls: rates(now, before, s, 'llm', 'count'),
            errors: rates(now, before, s, 'llm.errors'),
            tokens: rates(now, before, s, 'llm.tokens'),
            p50: quantiles(now, before, 'llm.ttfc', 0.5),
            p95: quantiles(now, before, 'llm.ttfc', 0.95),
            p99: quantiles(now, before, 'llm.ttfc', 0.99),
          };
        });
        var rows = byModel ? sortedNames(byModel.calls).map(function (m) {
          var calls = byModel.calls.get(m);
          return [m, calls, calls > 0 ? (byModel.errors.get(m) || 0) / calls : null, byModel.tokens.get(m), byModel.p50.get(m), byModel.p95.get(m), byModel.p99.get(m)];
        }) : [];
        return [
          chart('Calls per second by model', '/s', rateLines('llm', 'count')),
          chart('Tokens per second by model', '/s', rateLines('llm.tokens')),
          chart('Time to first chunk p95 by model', 's', quantileLines('llm.ttfc', 0.95)),
          table('By model, last 30 s (time to first chunk)', [['model'], ['calls/s', '/s'], ['errors', 'ratio'], ['tokens/s', '/s'], ['p50', 's'], ['p95', 's'], ['p99', 's']], rows),
        ];
      },
    },
    {
      id: 'cache',
      title: 'Cache',
      empty: 'No cache lookups recorded.',
      has: function () { return group(last(), 'cache.hits').size + group(last(), 'cache.misses').size > 0; },
      panels: function () {
        function hitRatios(now, before, s) {
          var hits = rates(now, before, s, 'cache.hits');
          var misses = rates(now, before, s, 'cache.misses');
          var out = new Map();
          new Set(Array.from(hits.keys()).concat(Array.from(misses.keys()))).forEach(function (name) {
            var h = hits.get(name) || 0, m = misses.get(name) || 0;
            if (h + m > 0) out.set(name, h / (h + m));
          });
          return out;
        }
        var now = latestWindow(function (n, b, s) {
          return { ratio: hitRatios(n, b, s), hits: rates(n, b, s, 'cache.hits'), misses: rates(n, b, s, 'cache.misses') };
        });
        var entries = group(last(), 'cache.entries');
        var rows = now ? sortedNames(new Map(Array.from(now.hits).concat(Array.from(now.misses)))).map(function (c) {
          return [c, now.ratio.get(c), (now.hits.get(c) || 0) + (now.misses.get(c) || 0), entries.get(c)];
        }) : [];
        return [
          chart('Hit ratio by cache', 'ratio', linesOf(function (i) { return windowed(i, hitRatios); })),
          table('By cache, last 30 s', [['cache'], ['hit ratio', 'ratio'], ['lookups/s', '/s'], ['entries', 'n']], rows),
        ];
      },
    },
    {
      id: 'db',
      title: 'Database',
      empty: 'No database operations recorded.',
      has: function () { return group(last(), 'db').size > 0; },
      panels: function () {
        var byOp = latestWindow(function (now, before, s) {
          return {
            rate: rates(now, before, s, 'db', 'count'),
            errors: rates(now, before, s, 'db.errors'),
            p50: quantiles(now, before, 'db', 0.5),
            p95: quantiles(now, before, 'db', 0.95),
            p99: quantiles(now, before, 'db', 0.99),
          };
        });
        var rows = byOp ? sortedNames(byOp.rate).map(function (o) {
          var rate = byOp.rate.get(o);
          return [o, rate, rate > 0 ? (byOp.errors.get(o) || 0) / rate : null, byOp.p50.get(o), byOp.p95.get(o), byOp.p99.get(o)];
        }) : [];
        return [
          chart('Operation latency p95 by operation and table', 's', quantileLines('db', 0.95)),
          chart('Operations per second', '/s', rateLines('db', 'count')),
          table('By operation, last 30 s', [['operation'], ['ops/s', '/s'], ['errors', 'ratio'], ['p50', 's'], ['p95', 's'], ['p99', 's']], rows),
        ];
      },
    },
    {
      id: 'breaker',
      title: 'Circuit breakers',
      empty: 'No circuit breakers registered.',
      has: function () {
        var frame = last();
        return Array.from(frame.groups.keys()).some(function (g) { return g.indexOf('cb.state.') === 0; });
      },
      panels: function () {
        var frame = last();
        var states = new Map();
        frame.groups.forEach(function (names, g) {
          if (g.indexOf('cb.state.') === 0) names.forEach(function (_v, name) { states.set(name, g.slice('cb.state.'.length)); });
        });
        var failure = group(frame, 'cb.failure');
        var critical = group(frame, 'cb.critical');
        var stateRows = sortedNames(states).map(function (name) {
          var state = states.get(name);
          var color = state === 'closed' ? 'green' : state === 'open' ? 'red' : 'yellow';
          var pill = el('span', { class: 'badge ' + color, 'data-breaker-state': state }, [state]);
          return [name, pill, failure.get(name), critical.get(name) === 1 ? 'yes' : 'no'];
        });
        var transitions = group(frame, 'cb.transitions');
        // A transition series exists from the breaker's creation on; only those that happened are listed.
        var transitionRows = sortedNames(transitions).filter(function (key) { return transitions.get(key) > 0; }).map(function (key) {
          var parts = key.split('\u0001');
          return [parts[0], parts[1] + ' → ' + parts[2], transitions.get(key)];
        });
        return [
          table('State', [['breaker'], ['state'], ['failure rate', 'ratio'], ['critical']], stateRows),
          table('Transitions since start', [['breaker'], ['from → to'], ['count', 'n']], transitionRows),
          chart('Calls per second by outcome', '/s', rateLines('cb.calls')),
        ];
      },
    },
    {
      id: 'runtime',
      title: 'Node.js runtime',
      empty: 'No runtime metrics (runtimeMetrics is off, or under prom-client names).',
      has: function () { return group(last(), 'rt.cpu').size + group(last(), 'rt.memory').size > 0; },
      panels: function () {
        return [
          chart('CPU seconds per second by mode', 'n', rateLines('rt.cpu')),
          chart('Memory', 'bytes', gaugeLines('rt.memory')),
          chart('Event-loop delay', 's', gaugeLines('rt.loop')),
        ];
      },
    },
  ];

  // ------------------------------------------------------------------------------------------
  // Health and the page

  var RANK = { red: 0, yellow: 1, green: 2 };
  var showGreen = false;
  var lastReport;

  document.getElementById('greens').addEventListener('click', function () {
    showGreen = !showGreen;
    if (lastReport) renderHealth(lastReport);
  });

  function renderHealth(report) {
    lastReport = report;
    var overall = document.getElementById('overall');
    overall.textContent = report.status + (report.healthy ? '' : ' (unhealthy)');
    overall.className = 'badge ' + report.status;
    var components = report.components.slice().sort(function (a, b) {
      return RANK[a.status] - RANK[b.status] || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : 1);
    });
    var greens = components.filter(function (c) { return c.status === 'green'; }).length;
    // The overall status is not simply the worst row: say which rule decides, in one line.
    var quiet = components.filter(function (c) { return c.status === 'red' && !c.critical; }).length;
    document.getElementById('rule').textContent = 'Overall: the worst row, but a red row that is not critical counts as yellow; only critical rows make it red (503).' +
      (quiet > 0 && report.status !== 'red' ? ' ' + quiet + ' red ' + (quiet === 1 ? 'row is' : 'rows are') + ' not critical.' : '');
    var toggle = document.getElementById('greens');
    toggle.textContent = greens === 0 ? '' : showGreen ? 'hide the ' + greens + ' green' : 'show the ' + greens + ' green';
    toggle.hidden = greens === 0;
    var rows = components.map(function (c) {
      var dot = el('span', { class: 'dot ' + c.status });
      var row = el('tr', { 'data-status': c.status, 'data-kind': c.kind, 'data-name': c.name, 'data-critical': String(c.critical) }, [
        el('td', { 'data-label': 'status' }, [dot, c.status]),
        el('td', { 'data-label': 'component' }, [c.kind]),
        el('td', { 'data-label': 'name' }, [c.name + (c.critical ? ' (critical)' : '')]),
        el('td', { class: 'num', 'data-label': 'calls' }, [String(c.calls)]),
        el('td', { class: 'num', 'data-label': 'errors' }, [fmt('ratio', c.errorRatio)]),
        el('td', { class: 'num', 'data-label': 'p99' }, [fmt('s', c.p99LatencySeconds)]),
        el('td', { class: 'reason', 'data-label': 'reason' }, [c.reason || '']),
      ]);
      // Green rows are folded away by default: what needs attention stays on the first screen.
      row.hidden = c.status === 'green' && !showGreen;
      return row;
    });
    if (components.length === 0) rows = [el('tr', {}, [el('td', { colspan: '7', class: 'nodata' }, ['No components yet: nothing recorded in the window.'])])];
    var head = el('tr', {}, ['status', 'component', 'name', 'calls', 'errors', 'p99', 'reason'].map(function (h, i) {
      return el('th', i >= 3 && i <= 5 ? { class: 'num' } : {}, [h]);
    }));
    var body = document.getElementById('components');
    body.replaceChildren(el('thead', {}, [head]), el('tbody', {}, rows));
    document.getElementById('window').textContent =
      'over the last ' + Math.round(report.observedSeconds) + ' s of a ' + report.windowSeconds + ' s window; red above ' +
      fmt('ratio', report.thresholds.red) + ' errors, yellow from ' + fmt('ratio', report.thresholds.yellow) + ', after ' + report.thresholds.minCalls + ' calls';
  }

  function renderDomains() {
    var main = document.getElementById('domains');
    main.replaceChildren.apply(main, DOMAINS.map(function (d) {
      var has = d.has();
      var section = el('section', { 'data-domain': d.id, 'data-state': has ? 'data' : 'nodata' }, [el('h2', {}, [d.title])]);
      section.appendChild(has ? el('div', { class: 'panels' }, d.panels()) : el('p', { class: 'nodata' }, [d.empty]));
      return section;
    }));
  }

  // ------------------------------------------------------------------------------------------
  // Any metric: every name the service's history holds, the user's own included

  var names = [];
  var needHistory = true;
  var pick = document.getElementById('pick');

  function setNames(list) {
    if (list.map(function (n) { return n.name; }).join() === names.map(function (n) { return n.name; }).join()) return;
    names = list;
    pick.replaceChildren.apply(pick, [el('option', { value: '' }, ['pick a metric…'])].concat(names.map(function (n) {
      return el('option', { value: n.name }, [n.name + ' (' + n.kind + ')']);
    })));
    pick.value = picked ? picked.name : '';
  }

  pick.addEventListener('change', function () {
    picked = names.find(function (n) { return n.name === pick.value; }) || null;
    // Its past comes with the history, read again with the picked name.
    needHistory = true;
    if (!polling) {
      clearTimeout(timer);
      poll();
    }
  });

  // Metrics created after the page opened: the list is read again (names only, no points) when
  // the picker is focused, at most every 10 s.
  var namesAt = 0;
  pick.addEventListener('focus', function () {
    if (Date.now() - namesAt < 10000) return;
    namesAt = Date.now();
    get('ui/history').then(function (h) { setNames(h.names); }).catch(function () {});
  });

  function renderPick() {
    var out = document.getElementById('picked');
    if (!picked) return out.replaceChildren();
    var unit = picked.unit === 's' ? 's' : picked.unit === 'By' ? 'bytes' : 'n';
    var panels = picked.kind === 'histogram'
      ? [chart(picked.name + ' p95', unit, quantileLines('pick', 0.95)), chart(picked.name + ' per second', '/s', rateLines('pick', 'count'))]
      : picked.kind === 'counter'
        ? [chart(picked.name + ' per second', '/s', rateLines('pick'))]
        : [chart(picked.name, unit, gaugeLines('pick'))];
    out.replaceChildren.apply(out, panels);
  }

  function banner(text) {
    var node = document.getElementById('banner');
    node.textContent = text || '';
    node.className = text ? 'shown' : '';
  }

  function get(path) {
    return fetch(path, requestInit).then(function (response) {
      if (response.status === 401) throw new Error('401 Unauthorized: open this page with the credentials of the metrics endpoint' + (token ? ' (the token was refused)' : '; for a bearer token, add ?token=<token> to the address'));
      // /health answers 503 with its report when a critical component is red.
      if (!response.ok && response.status !== 503) throw new Error(path + ' answered ' + response.status);
      return response.json();
    });
  }

  function poll() {
    timer = undefined;
    if (document.hidden) return;
    polling = true;
    lastPoll = Date.now();
    // The history on load (and when the pick changes): the past is drawn at once, not after minutes.
    var history = needHistory ? get('ui/history?' + query()).catch(function () { return null; }) : null;
    Promise.all([get('json?' + query()), get('health'), history])
      .then(function (answers) {
        var snapshot = answers[0];
        if (answers[2]) {
          needHistory = false;
          setNames(answers[2].names);
          frames = historyFrames(answers[2]);
        }
        frames.push(frameOf(snapshot));
        var newest = last().t;
        while (frames.length > 1 && newest - frames[0].t > HISTORY_MS) frames.shift();
        var name = snapshot.resource['service.name'];
        if (name) document.getElementById('service').textContent = String(name);
        document.title = (name ? name + ' · ' : '') + 'promkit metrics';
        var updated = document.getElementById('updated');
        updated.textContent = 'updated ' + new Date(newest).toLocaleTimeString() + ', every ' + POLL_MS / 1000 + ' s';
        // How many polls have been drawn: lets a test tell when one has finished.
        updated.setAttribute('data-polls', String(Number(updated.getAttribute('data-polls') || 0) + 1));
        computeBases();
        renderHealth(answers[1]);
        renderDomains();
        renderPick();
        banner('');
      })
      .catch(function (error) { banner(String(error && error.message ? error.message : error)); })
      .then(function () {
        polling = false;
        schedule();
      });
  }

  /** The next poll, POLL_MS after the last one started; none while the tab is hidden or one is due. */
  function schedule() {
    // A hidden tab does not poll: a hundred forgotten tabs cost the service nothing.
    if (document.hidden || polling || timer !== undefined) return;
    timer = setTimeout(poll, Math.max(0, lastPoll + POLL_MS - Date.now()));
  }

  document.addEventListener('visibilitychange', schedule);
  poll();
})();
`;

export const PAGE_SCRIPT: string = SCRIPT_HEAD + '[' + UI_METRICS.map((name) => `'${name}'`).join(', ') + ']' + SCRIPT_BODY;
