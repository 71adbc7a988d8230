/* nnscratch draw-a-digit: the chapter's network reads a drawing live in the page.
 *
 * The interface only: the maths (strokes -> 32 x 32 bitmap -> 4 x 4 block counts ->
 * the network's ten probabilities) is `core` (nncore.js, inlined just before this
 * file in the same script; tests/test_playground.py checks it against
 * nnscratch.drawing under Node). It reads the page data nnscratch.drawing wrote (the
 * weights, exactly, and example drawings), and redraws the pad, the 8 x 8 image and
 * the bars at most once per frame while the reader draws. The prediction is written
 * out in words, for a screen reader, when a stroke ends.
 */
(function () {
  "use strict";
  var INK = "#111111", GRID = "rgba(0, 0, 0, 0.09)";
  var MIN_STEP = 0.004;   // pointer moves shorter than this (in pad widths) add no point

  function percent(p) { return p < 0.005 ? "<1%" : Math.round(100 * p) + "%"; }

  // The pen's width in pad units, as the network gets it: the frame's pen of radius R
  // (pixels of 32), and when the drawing is scaled to fill the frame, scaled back to the pad.
  function penWidth(v) {
    var R = v.cfg.radius, all = [].concat.apply([], v.strokes), k;
    if (!v.field("fit").checked) return 2 * R / core.SIZE;
    var lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    for (k = 0; k < all.length; k++) {
      lo = [Math.min(lo[0], all[k][0]), Math.min(lo[1], all[k][1])];
      hi = [Math.max(hi[0], all[k][0]), Math.max(hi[1], all[k][1])];
    }
    var span = Math.max(hi[0] - lo[0], hi[1] - lo[1]);
    return Math.max(2 * R * span / (core.SIZE - 2 * R), 0.01);
  }

  // The pad: white paper, faint 4 x 4-block grid, the strokes at the pen's width.
  function drawPad(v) {
    var canvas = v.pad, ratio = window.devicePixelRatio || 1, w = canvas.clientWidth || 280;
    if (canvas.width !== Math.round(w * ratio)) canvas.width = canvas.height = Math.round(w * ratio);
    var ctx = canvas.getContext("2d"), k, n = core.SIZE / core.BLOCK;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, w, w);
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (k = 1; k < n; k++) {
      ctx.moveTo(k * w / n, 0); ctx.lineTo(k * w / n, w);
      ctx.moveTo(0, k * w / n); ctx.lineTo(w, k * w / n);
    }
    ctx.stroke();
    ctx.strokeStyle = ctx.fillStyle = INK;
    ctx.lineWidth = penWidth(v) * w;
    ctx.lineCap = ctx.lineJoin = "round";
    v.strokes.forEach(function (stroke) {
      ctx.beginPath();
      ctx.moveTo(stroke[0][0] * w, stroke[0][1] * w);
      if (stroke.length === 1) ctx.lineTo(stroke[0][0] * w + 0.01, stroke[0][1] * w);
      for (var j = 1; j < stroke.length; j++) ctx.lineTo(stroke[j][0] * w, stroke[j][1] * w);
      ctx.stroke();
    });
  }

  // The 8 x 8 image the network reads, as the chapter shows digits: 0 white, 16 black.
  function drawSeen(v, counts) {
    var ctx = v.seen.getContext("2d"), image = ctx.createImageData(8, 8), k, g, inked = 0;
    for (k = 0; k < 64; k++) {
      g = Math.round(255 * (1 - counts[k] / 16));
      image.data[4 * k] = image.data[4 * k + 1] = image.data[4 * k + 2] = g;
      image.data[4 * k + 3] = 255;
      if (counts[k] > 0) inked++;
    }
    ctx.putImageData(image, 0, 0);
    v.seen.setAttribute("aria-label", "the 8 by 8 image the network reads: " +
      (inked ? inked + " of 64 blocks have ink" : "empty"));
  }

  function drawBars(v, p) {
    var top = p ? 0 : -1, k;
    for (k = 1; p && k < 10; k++) if (p[k] > p[top]) top = k;
    v.bars.forEach(function (bar, k) {
      bar.fill.style.width = p ? (100 * p[k]).toFixed(2) + "%" : "0%";
      bar.pct.textContent = p ? percent(p[k]) : "\u2013";
      bar.row.classList.toggle("nn-draw-top", k === top);
    });
    return top;
  }

  function describe(p, top) {
    if (!p) return "The pad is empty: draw a digit, or press an example.";
    var second = top === 0 ? 1 : 0, k;
    for (k = 0; k < 10; k++) if (k !== top && p[k] > p[second]) second = k;
    return "The network reads a " + top + " (" + percent(p[top]) + "); next most likely: " +
      second + " (" + percent(p[second]) + ").";
  }

  // Everything from the strokes: image, probabilities, pictures, and (if asked) the words.
  function update(v, announce) {
    var opts = { fit: v.field("fit").checked, centre: v.field("centre").checked, radius: v.cfg.radius };
    var made = core.digitImage(v.strokes, opts);
    var p = v.strokes.length ? core.readDigit(v.net, made.image) : null;
    drawPad(v);
    drawSeen(v, made.counts);
    var top = drawBars(v, p);
    if (announce) v.status.textContent = describe(p, top);
    v.last = { probabilities: p ? Array.from(p) : null, top: top, image: Array.from(made.image) };
    v.timing.done = performance.now();
  }

  // Redraw at most once per frame; the time of the event that asked is kept for timing.
  function schedule(v, announce) {
    v.timing.asked = performance.now();
    v.announce = v.announce || announce;
    if (v.pending) return;
    v.pending = true;
    window.requestAnimationFrame(function () {
      v.pending = false;
      update(v, v.announce);
      v.announce = false;
    });
  }

  function setupPad(v) {
    var pad = v.pad, active = null;
    function at(event) {
      var box = pad.getBoundingClientRect();
      return [Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1),
        Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1)];
    }
    pad.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse" && event.button !== 0) return;
      event.preventDefault();
      if (pad.setPointerCapture) pad.setPointerCapture(event.pointerId);
      active = event.pointerId;
      v.strokes.push([at(event)]);
      schedule(v, false);
    });
    pad.addEventListener("pointermove", function (event) {
      if (event.pointerId !== active) return;
      var stroke = v.strokes[v.strokes.length - 1];
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      (events.length ? events : [event]).forEach(function (e) {
        var p = at(e), q = stroke[stroke.length - 1];
        if ((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) >= MIN_STEP * MIN_STEP) stroke.push(p);
      });
      schedule(v, false);
    });
    function end(event) {
      if (event.pointerId !== active) return;
      active = null;
      schedule(v, true);
    }
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
  }

  function setupButtons(v) {
    v.button("undo").addEventListener("click", function () { v.strokes.pop(); schedule(v, true); });
    v.button("clear").addEventListener("click", function () { v.strokes = []; schedule(v, true); });
    v.cfg.examples.forEach(function (example, k) {
      v.button("example-" + k).addEventListener("click", function () {
        v.strokes = example.strokes.map(function (s) { return s.map(function (p) { return p.slice(); }); });
        schedule(v, true);
      });
    });
    ["fit", "centre"].forEach(function (name) {
      v.field(name).addEventListener("change", function () { schedule(v, true); });
    });
  }

  function mount(root) {
    var cfg = JSON.parse(root.querySelector("script.nn-draw-data").textContent);
    var form = root.querySelector("form");
    var net = { hidden: cfg.hidden };
    ["W1", "b1", "W2", "b2"].forEach(function (k) { net[k] = core.decode(cfg[k], cfg.dtype); });
    var v = {
      root: root, cfg: cfg, net: net, form: form, strokes: [], pending: false, announce: false,
      timing: { asked: 0, done: 0 }, last: null,
      pad: root.querySelector("canvas.nn-draw-canvas"),
      seen: root.querySelector("canvas.nn-draw-seen"),
      status: root.querySelector("output.nn-draw-status"),
      bars: Array.prototype.map.call(root.querySelectorAll(".nn-draw-bar"), function (row) {
        return { row: row, fill: row.querySelector(".nn-draw-fill"), pct: row.querySelector(".nn-draw-pct") };
      }),
      field: function (name) { return form.elements[name]; },
      button: function (name) { return form.querySelector("button[name=" + name + "]"); }
    };
    setupPad(v);
    setupButtons(v);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
    if (window.ResizeObserver) new ResizeObserver(function () { drawPad(v); }).observe(v.pad);
    update(v, false);
    root.setAttribute("data-nn-ready", "1");
    root.nnDigits = {
      core: core, net: net,
      strokes: function () { return v.strokes; },
      last: function () { return v.last; },
      timing: function () { return { asked: v.timing.asked, done: v.timing.done }; }
    };
  }

  mount(document.currentScript.parentElement);
})();
