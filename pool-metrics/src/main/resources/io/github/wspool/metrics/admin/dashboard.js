// wspool admin dashboard: follows GET api/v1/events (server-sent events) and draws what it gets.
// No libraries, no external requests; every value from the server is written with textContent, never as HTML.
(function () {
  'use strict';

  var WINDOW_MS = 5 * 60 * 1000;
  var POINT_EVERY_MS = 1000;
  var STALE_AFTER_MS = 3000;
  var STATES = ['INITIALIZING', 'READY', 'ACTIVE', 'IDLE', 'RECYCLING', 'UNHEALTHY', 'FAILED', 'CLOSED'];
  var COLORS = { total: '#8b98a5', active: '#58a6ff', idle: '#3fb950', pending: '#d29922',
                 acquiresPerSecond: '#58a6ff', errorsPerSecond: '#f85149', acquireWaitP99Millis: '#bc8cff',
                 messagesInPerSecond: '#39c5cf', messagesOutPerSecond: '#f0883e' };

  // {t, total, active, idle, pending, acquiresPerSecond, errorsPerSecond, acquireWaitP99Millis, messagesInPerSecond,
  //  messagesOutPerSecond}; the rates come computed from the server (EventHub), so the history has them too
  var points = [];
  var lastPointAt = 0;
  var lastEventAt = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function fmt(n, digits) {
    if (n === null || n === undefined || isNaN(n)) { return '–'; }
    var d = digits === undefined ? (Math.abs(n) < 10 && n % 1 !== 0 ? 1 : 0) : digits;
    return Number(n).toFixed(d);
  }

  function bytes(n) {
    if (n === null || n === undefined || isNaN(n)) { return '–'; }
    var units = ['B', 'KiB', 'MiB', 'GiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return fmt(n) + ' ' + units[i];
  }

  function setLink(text, lost) {
    var l = $('link');
    l.textContent = text;
    l.className = lost ? 'link lost' : 'link';
  }

  function addPoint(p) {
    points.push(p);
    var cutoff = p.t - WINDOW_MS;
    while (points.length && points[0].t < cutoff) { points.shift(); }
  }

  function render(s) {
    document.title = 'wspool ' + s.pool + ' — ' + s.health.status;
    $('pool-name').textContent = s.pool;
    var h = $('health');
    h.textContent = s.health.status;
    h.className = 'badge ' + s.health.status;
    h.setAttribute('data-status', s.health.status);
    var reasons = $('reasons');
    reasons.replaceChildren.apply(reasons, s.health.reasons.map(function (r) { return el('li', null, r); }));

    var c = s.connections;
    $('total').textContent = c.total;
    $('limits').textContent = 'min ' + s.limits.minConnections + ' · max ' + s.limits.maxConnections;
    $('active').textContent = c.active;
    $('idle').textContent = c.idle;
    $('pending').textContent = c.pending;
    $('acquires').textContent = fmt(s.rates.acquiresPerSecond);
    $('errors').textContent = fmt(s.rates.errorsPerSecond);
    $('messages-in').textContent = fmt(s.rates.messagesInPerSecond);
    $('messages-in-detail').textContent = bytes(s.rates.bytesInPerSecond) + '/s · ' + s.traffic.messagesIn + ' total';
    $('messages-out').textContent = fmt(s.rates.messagesOutPerSecond);
    $('messages-out-detail').textContent = bytes(s.rates.bytesOutPerSecond) + '/s · ' + s.traffic.messagesOut
        + ' total';
    var p99 = s.rates.acquireWaitP99Millis;
    $('wait').textContent = p99 === null ? '–' : p99 < 0.01 ? '< 0.01 ms' : fmt(p99, 2) + ' ms';
    var subs = s.subscriptions;
    $('subscriptions').textContent = (subs.ACTIVE || 0) + (subs.RECOVERING || 0) + (subs.SUBSCRIBING || 0);
    $('subscriptions-detail').textContent = 'active ' + (subs.ACTIVE || 0) + ' · recovering ' + (subs.RECOVERING || 0)
        + ' · subscribing ' + (subs.SUBSCRIBING || 0);

    var states = $('states');
    states.replaceChildren.apply(states, STATES.map(function (st) {
      var n = c.byState[st] || 0;
      var cell = el('div', 'state-cell' + (n === 0 ? ' zero' : ''));
      cell.setAttribute('data-state', st);
      cell.append(el('div', 'n', n), el('div', 's', st.toLowerCase()));
      return cell;
    }));

    var tiles = $('endpoints');
    tiles.replaceChildren.apply(tiles, s.endpoints.map(tile));
  }

  function tile(e) {
    var t = el('div', 'tile ' + (e.healthy ? 'healthy' : 'unhealthy') + ' breaker-' + e.breakerState);
    t.setAttribute('data-uri', e.uri);
    t.setAttribute('data-healthy', String(e.healthy));
    t.setAttribute('data-messages-in', String(e.messagesInPerSecond));
    t.setAttribute('data-messages-out', String(e.messagesOutPerSecond));
    t.append(el('div', 'uri', e.uri), el('div', 'state', e.healthy ? 'HEALTHY' : 'UNHEALTHY'));
    var dl = el('dl');
    [['breaker', e.breakerState], ['weight', e.weight],
     ['connections', e.open + ' open · ' + e.active + ' leased · ' + e.available + ' available'],
     ['messages/s', 'in ' + fmt(e.messagesInPerSecond) + ' · out ' + fmt(e.messagesOutPerSecond)],
     ['latency', e.latencyMillis > 0 ? fmt(e.latencyMillis, 2) + ' ms' : '–']].forEach(function (kv) {
      dl.append(el('dt', null, kv[0]), el('dd', null, kv[1]));
    });
    t.append(dl);
    if (e.lastFailure) { t.append(el('div', 'failure', 'last failure: ' + e.lastFailure)); }
    return t;
  }

  function chart(svgId, maxId, keys) {
    var svg = $(svgId);
    var now = points.length ? points[points.length - 1].t : Date.now();
    var max = 0;
    points.forEach(function (p) { keys.forEach(function (k) { if (p[k] > max) { max = p[k]; } }); });
    var top = max <= 0 ? 1 : max * 1.1;
    $(maxId).textContent = 'max ' + fmt(max);
    var lines = keys.map(function (k) {
      var pl = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
      pl.setAttribute('stroke', COLORS[k]);
      if (k === 'messagesOutPerSecond') { pl.setAttribute('stroke-dasharray', '5 3'); } // often equal to in (echoes)
      pl.setAttribute('points', points.filter(function (p) { return p[k] !== null && p[k] !== undefined; })
          .map(function (p) {
            var x = 300 - (now - p.t) / WINDOW_MS * 300;
            var y = 100 - p[k] / top * 96 - 2;
            return x.toFixed(1) + ',' + y.toFixed(1);
          }).join(' '));
      return pl;
    });
    svg.replaceChildren.apply(svg, lines);
  }

  function drawCharts() {
    chart('chart-connections', 'max-connections', ['total', 'active', 'idle']);
    chart('chart-pending', 'max-pending', ['pending']);
    chart('chart-messages', 'max-messages', ['messagesInPerSecond', 'messagesOutPerSecond']);
    chart('chart-rates', 'max-rates', ['acquiresPerSecond', 'errorsPerSecond']);
    chart('chart-wait', 'max-wait', ['acquireWaitP99Millis']);
  }

  var source = new EventSource('api/v1/events');
  source.addEventListener('history', function (ev) {
    points = [];
    JSON.parse(ev.data).forEach(function (p) { p.t = Date.parse(p.time); addPoint(p); });
    lastPointAt = points.length ? points[points.length - 1].t : 0;
    drawCharts();
  });
  source.onmessage = function (ev) {
    var s = JSON.parse(ev.data);
    lastEventAt = Date.now();
    setLink('live', false);
    render(s);
    var t = Date.parse(s.time);
    if (t - lastPointAt >= POINT_EVERY_MS) {
      lastPointAt = t;
      addPoint({ t: t, total: s.connections.total, active: s.connections.active, idle: s.connections.idle,
                 pending: s.connections.pending, acquiresPerSecond: s.rates.acquiresPerSecond,
                 errorsPerSecond: s.rates.errorsPerSecond, acquireWaitP99Millis: s.rates.acquireWaitP99Millis,
                 messagesInPerSecond: s.rates.messagesInPerSecond, messagesOutPerSecond: s.rates.messagesOutPerSecond });
      drawCharts();
    }
  };
  source.addEventListener('close', function () {
    source.close();
    setLink('the admin server closed', true);
  });
  source.onerror = function () { setLink('connection lost, retrying…', true); };
  setInterval(function () {
    if (lastEventAt && Date.now() - lastEventAt > STALE_AFTER_MS) {
      setLink('no update for ' + Math.round((Date.now() - lastEventAt) / 1000) + ' s', true);
    }
  }, 1000);
}());
