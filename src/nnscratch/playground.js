/* nnscratch playground: train a small network live in the page.
 *
 * The interface only: the training maths is `core` (nncore.js, inlined just before
 * this file in the same script; tests/test_playground.py checks it against the
 * package under Node). It reads the page data that nnscratch.playground wrote (the
 * points, the starting weights and the settings), draws the decision regions and the
 * loss curve on two canvases, and lets the reader train, step, reset and change the
 * data: a click (or Enter on the focused picture) adds a point or removes one.
 */
(function () {
  "use strict";
  var CLASS = [[213, 94, 0], [0, 114, 178]];   // nnscratch.plot.CLASS_COLORS
  var BOUNDARY = "#7B3294";                      // nnscratch.plot.BOUNDARY_COLOR
  var GRID = 120, NEAR = 15;   // cells of the regions picture; a removal's reach in pixels

  // ------------------------------------------------------------- drawing helpers
  // colours follow the page: text colour for axes, page background for the shading
  function palette(root) {
    var style = getComputedStyle(root), bg = [255, 255, 255], el = root, m;
    while (el && el.nodeType === 1) {
      m = getComputedStyle(el).backgroundColor.match(/[\d.]+/g);
      if (m && (m.length < 4 || parseFloat(m[3]) > 0.5)) { bg = m.slice(0, 3).map(Number); break; }
      el = el.parentElement;
    }
    var dark = bg[0] + bg[1] + bg[2] < 3 * 128;
    return { text: style.color, bg: bg, dark: dark, grid: dark ? "rgba(255,255,255,0.15)" : "rgba(0,0,0,0.12)" };
  }

  function sized(canvas) {
    var ratio = window.devicePixelRatio || 1, w = canvas.clientWidth || 300, ctx = canvas.getContext("2d");
    if (!canvas.dataset.ratio) canvas.dataset.ratio = String(canvas.height / canvas.width);
    var h = Math.round(w * parseFloat(canvas.dataset.ratio));
    if (canvas.width !== Math.round(w * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx: ctx, w: w, h: h };
  }

  function ticks(lo, hi) {
    var span = hi - lo, stepv = Math.pow(10, Math.floor(Math.log10(span / 4))), out = [], v;
    if (span / stepv > 10) stepv *= 5; else if (span / stepv > 5) stepv *= 2;
    for (v = Math.ceil(lo / stepv) * stepv; v <= hi + 1e-9 * span; v += stepv) out.push(v);
    return out;
  }

  // A frame, tick labels and axis labels around the box (L, TOP, W, H).
  function axes(ctx, p, box, xr, yr, xlabel, ylabel, logy) {
    var L = box.L, TOP = box.TOP, W = box.W, H = box.H;
    ctx.strokeStyle = p.text;
    ctx.fillStyle = p.text;
    ctx.lineWidth = 1;
    ctx.strokeRect(L + 0.5, TOP + 0.5, W - 1, H - 1);
    ctx.font = "10px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ticks(xr[0], xr[1]).forEach(function (v) {
      ctx.fillText(+v.toPrecision(3) + "", L + (v - xr[0]) / (xr[1] - xr[0]) * W, TOP + H + 3);
    });
    ctx.fillText(xlabel, L + W / 2, TOP + H + 15);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    var ys = logy ? [] : ticks(yr[0], yr[1]);
    if (logy) for (var e = Math.ceil(yr[0]); e <= Math.floor(yr[1]); e++) ys.push(e);
    ys.forEach(function (v) {
      var y = TOP + (yr[1] - v) / (yr[1] - yr[0]) * H;
      ctx.fillText(logy ? "1e" + v : +v.toPrecision(3) + "", L - 3, y);
      if (logy) {
        ctx.strokeStyle = p.grid;
        ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(L + W, y); ctx.stroke();
        ctx.strokeStyle = p.text;
      }
    });
    ctx.save();
    ctx.translate(9, TOP + H / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText(ylabel, 0, 0);
    ctx.restore();
  }

  // ------------------------------------------------------------------ the run
  // v is one playground's view: its elements, page data, current data and run state s.
  function options(v) {
    var lr = parseFloat(v.field("lr").value), mu = parseFloat(v.field("momentum").value);
    return {
      lr: isFinite(lr) && lr > 0 ? lr : v.cfg.lr,
      momentum: isFinite(mu) && mu >= 0 && mu < 1 ? mu : 0,
      activation: v.field("activation").value,
      loss: v.field("loss").value,
      batch: v.field("batch").value
    };
  }

  function seed(v) { var k = parseInt(v.field("seed").value, 10); return isFinite(k) ? k : 0; }

  function measure(v, o) {
    if (!v.data.T.length) return { loss: NaN, wrong: 0 };
    return core.evaluate(v.s.net, v.data.X, v.data.T, o);
  }

  // Start the run again from `net` (or from where it last began).
  function reset(v, net) {
    var s = v.s;
    s.begin = net || s.begin;
    s.net = core.copyNet(s.begin);
    s.velocity = core.zeroLike(s.net);
    s.epoch = 0;
    s.random = core.rng(seed(v));
    s.diverged = false;
    v.field("activation").disabled = s.net.hidden === 0;   // no hidden layer, no activation
    restartEpoch(v);
  }

  // A new epoch order for the current data and a new loss curve from here.
  function restartEpoch(v) {
    var o = options(v), e = measure(v, o);
    v.s.pos = 0;
    v.s.order = core.allRows(v.data.T.length);
    v.s.losses = [e.loss];
    v.s.loss = o.loss;
    show(v, e);
  }

  function oneStep(v) {
    var s = v.s, o = options(v), n = v.data.T.length, rows;
    if (n === 0) return;
    if (o.loss !== s.loss) { s.loss = o.loss; s.losses = []; }   // a new curve for a new loss
    if (o.batch === "full") {
      rows = s.order.slice().sort(function (a, b) { return a - b; });
      s.pos = n;
    } else {
      if (s.pos === 0) core.shuffle(s.order, s.random);
      rows = [s.order[s.pos]];
      s.pos += 1;
    }
    var value = core.step(s.net, s.velocity, v.data.X, v.data.T, rows, o);
    if (!isFinite(value)) s.diverged = true;
    if (s.pos >= n) {
      s.pos = 0;
      s.epoch += 1;
      s.losses.push(measure(v, o).loss);
    }
  }

  function show(v, e) {
    var s = v.s, o = options(v), n = v.data.T.length;
    e = e || measure(v, o);
    v.out("epoch").textContent = s.epoch + (s.pos ? " + " + s.pos + " of " + n : "");
    v.out("loss").textContent = !n ? "\u2013 (no points)" :
      isFinite(e.loss) ? e.loss.toPrecision(4) : "diverged (" + e.loss + ")";
    v.out("wrong").textContent = e.wrong + " of " + n;
    v.out("weights").textContent = core.paramNames(s.net).map(function (k) {
      return k + " = [" + Array.prototype.map.call(s.net[k], function (w) {
        return (w >= 0 ? " " : "") + w.toFixed(3);
      }).join(",") + "]";
    }).join("\n");
    drawRegions(v, o, e);
    drawCurve(v, o);
  }

  // ------------------------------------------------------------- the pictures
  // The shaded regions (sigma(z), or the side of z = 0) and the boundary, as an image.
  function regionImage(v, o, p, box) {
    var image = v.cells.getContext("2d").createImageData(GRID, GRID), sign = new Int8Array(GRID * GRID);
    var i, j, z, q, k, col, mix = p.dark ? 0.55 : 0.6;
    for (j = 0; j < GRID; j++) {
      for (i = 0; i < GRID; i++) {
        z = core.score(v.s.net, o.activation, box.x0 + (i + 0.5) / GRID * (box.x1 - box.x0),
          box.y1 - (j + 0.5) / GRID * (box.y1 - box.y0), null, null);
        q = o.loss === "perceptron" ? (z > 0 ? 1 : 0) : core.sigmoid(z);
        sign[j * GRID + i] = z > 0 ? 1 : 0;
        for (k = 0; k < 3; k++) {
          col = CLASS[0][k] * (1 - q) + CLASS[1][k] * q;
          image.data[4 * (j * GRID + i) + k] = Math.round(col * (1 - mix) + p.bg[k] * mix);
        }
        image.data[4 * (j * GRID + i) + 3] = 255;
      }
    }
    for (j = 0; j < GRID; j++) {   // the boundary z = 0: cells whose neighbour has the other sign
      for (i = 0; i < GRID; i++) {
        k = j * GRID + i;
        if ((i + 1 < GRID && sign[k] !== sign[k + 1]) || (j + 1 < GRID && sign[k] !== sign[k + GRID])) {
          image.data[4 * k] = 123; image.data[4 * k + 1] = 50; image.data[4 * k + 2] = 148;
        }
      }
    }
    v.cells.getContext("2d").putImageData(image, 0, 0);
  }

  function drawRegions(v, o, e) {
    var c = sized(v.regions), ctx = c.ctx, p = palette(v.root), cfg = v.cfg, n = v.data.T.length;
    var box = { L: 34, TOP: 6, W: c.w - 34 - 6, H: c.h - 30 - 6,
      x0: cfg.xlim[0], x1: cfg.xlim[1], y0: cfg.ylim[0], y1: cfg.ylim[1] };
    v.box = box;
    regionImage(v, o, p, box);
    ctx.clearRect(0, 0, c.w, c.h);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(v.cells, box.L, box.TOP, box.W, box.H);
    for (var k = 0; k < n; k++) {
      var at = toScreen(box, v.data.X[2 * k], v.data.X[2 * k + 1]);
      ctx.beginPath();
      ctx.arc(at[0], at[1], n > 50 ? 3 : 6, 0, 2 * Math.PI);
      ctx.fillStyle = "rgb(" + CLASS[v.data.T[k]].join(",") + ")";
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
    if (v.cursor.shown) drawCursor(ctx, p, toScreen(box, v.cursor.x, v.cursor.y));
    axes(ctx, p, box, [box.x0, box.x1], [box.y0, box.y1], cfg.xlabel, cfg.ylabel, false);
    v.regions.setAttribute("aria-label", "Decision regions after epoch " + v.s.epoch + ": " +
      e.wrong + " of " + n + " points on the wrong side (vermilion: " + cfg.classes[0] +
      ", blue: " + cfg.classes[1] + ", purple line: the boundary). " +
      "Click or press Enter to change the data.");
  }

  function drawCursor(ctx, p, at) {
    ctx.strokeStyle = p.text;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(at[0] - 9, at[1]); ctx.lineTo(at[0] + 9, at[1]);
    ctx.moveTo(at[0], at[1] - 9); ctx.lineTo(at[0], at[1] + 9);
    ctx.stroke();
  }

  function toScreen(box, x, y) {
    return [box.L + (x - box.x0) / (box.x1 - box.x0) * box.W,
      box.TOP + (box.y1 - y) / (box.y1 - box.y0) * box.H];
  }

  function drawCurve(v, o) {
    var c = sized(v.curve), ctx = c.ctx, p = palette(v.root), s = v.s;
    var box = { L: 44, TOP: 6, W: c.w - 44 - 16, H: c.h - 30 - 6 };
    var logs = s.losses.map(function (w) { return Math.log10(Math.max(w, 1e-8)); });
    var finite = logs.filter(isFinite);
    var lo = Math.floor(Math.min.apply(null, finite.concat([-1])));
    var hi = Math.ceil(Math.max.apply(null, finite.concat([0])));
    if (hi - lo < 1) hi = lo + 1;
    var first = s.epoch - (s.losses.length - 1), total = Math.max(v.cfg.epochs, s.epoch);
    ctx.clearRect(0, 0, c.w, c.h);
    axes(ctx, p, box, [0, total], [lo, hi], "epoch", o.loss + " loss (log)", true);
    ctx.strokeStyle = BOUNDARY;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    logs.forEach(function (w, k) {
      if (!isFinite(w)) return;
      var x = box.L + (first + k) / total * box.W, y = box.TOP + (hi - w) / (hi - lo) * box.H;
      if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
    v.curve.setAttribute("aria-label", "Loss after each epoch, " + s.losses.length + " points, last " +
      (s.losses.length && isFinite(s.losses[s.losses.length - 1]) ?
        s.losses[s.losses.length - 1].toPrecision(4) : "none"));
  }

  // --------------------------------------------------------- the reader's data
  function note(v, text) { v.out("status").textContent = text; }

  function setData(v, data, message) {
    v.data = data;
    restartEpoch(v);
    note(v, message + " Now " + data.T.length + " points.");
  }

  function fmt(x) { return +x.toPrecision(3) + ""; }

  // What a click at (x, y) in data units does: add a point of the chosen class, or remove one.
  function edit(v, x, y) {
    var mode = v.form.querySelector("input[name=edit]:checked").value, box = v.box, cfg = v.cfg;
    var where = "(" + cfg.xlabel + " " + fmt(x) + ", " + cfg.ylabel + " " + fmt(y) + ")";
    if (mode === "remove") {
      var near = core.nearestPoint(v.data, x, y, box.W / (box.x1 - box.x0), box.H / (box.y1 - box.y0));
      if (near.index < 0 || near.distance > NEAR) { note(v, "No point near " + where + " to remove."); return; }
      var t = v.data.T[near.index];
      setData(v, core.withoutPoint(v.data, near.index), "Removed a " + cfg.classes[t] + " point.");
      return;
    }
    if (v.data.T.length >= cfg.max_points) { note(v, "The page holds at most " + cfg.max_points + " points."); return; }
    var cls = mode === "1" ? 1 : 0;
    setData(v, core.withPoint(v.data, x, y, cls), "Added a " + cfg.classes[cls] + " point at " + where + ".");
  }

  function chapterData(cfg) { return { X: Float64Array.from(cfg.X), T: Float64Array.from(cfg.t) }; }

  function setupPoints(v) {
    var cfg = v.cfg, box = function () { return v.box; };
    v.regions.addEventListener("click", function (event) {
      var b = box(), px = event.offsetX, py = event.offsetY;
      if (px < b.L || px > b.L + b.W || py < b.TOP || py > b.TOP + b.H) return;
      edit(v, b.x0 + (px - b.L) / b.W * (b.x1 - b.x0), b.y1 - (py - b.TOP) / b.H * (b.y1 - b.y0));
    });
    v.regions.addEventListener("keydown", function (event) {
      var b = box(), dx = (b.x1 - b.x0) / (event.shiftKey ? 10 : 40), dy = (b.y1 - b.y0) / (event.shiftKey ? 10 : 40);
      var moves = { ArrowLeft: [-dx, 0], ArrowRight: [dx, 0], ArrowUp: [0, dy], ArrowDown: [0, -dy] };
      if (moves[event.key]) {
        v.cursor.x = Math.min(Math.max(v.cursor.x + moves[event.key][0], b.x0), b.x1);
        v.cursor.y = Math.min(Math.max(v.cursor.y + moves[event.key][1], b.y0), b.y1);
        note(v, "Cross at " + cfg.xlabel + " " + fmt(v.cursor.x) + ", " + cfg.ylabel + " " + fmt(v.cursor.y) + ".");
        show(v);
      } else if (event.key === "Enter" || event.key === " ") {
        edit(v, v.cursor.x, v.cursor.y);
      } else {
        return;
      }
      event.preventDefault();
    });
    v.regions.addEventListener("focus", function () {   // the cross is for keyboard focus only
      v.cursor.shown = !v.regions.matches || v.regions.matches(":focus-visible");
      show(v);
    });
    v.regions.addEventListener("blur", function () { v.cursor.shown = false; show(v); });
    v.button("data").addEventListener("click", function () {
      setData(v, chapterData(cfg), "Back to the chapter's data.");
    });
    v.button("clear").addEventListener("click", function () {
      setData(v, { X: new Float64Array(0), T: new Float64Array(0) },
        "All points removed: click the picture to add your own.");
    });
  }

  // ----------------------------------------------------------- the controls
  function setupTraining(v) {
    var cfg = v.cfg, s = v.s;
    function running(on) {
      v.button("train").disabled = on;
      v.button("pause").disabled = !on;
      v.button("step").disabled = on;
    }
    function frame() {
      var o = options(v), stepsLeft = cfg.epochs_per_frame * (o.batch === "full" ? 1 : v.data.T.length);
      while (stepsLeft-- > 0 && s.epoch < Math.max(cfg.epochs, 1) && !s.diverged) oneStep(v);
      show(v);
      if (s.epoch >= cfg.epochs || s.diverged) { stop(); return; }
      v.timer = window.requestAnimationFrame(frame);
    }
    function stop() {
      if (v.timer !== null) window.cancelAnimationFrame(v.timer);
      v.timer = null;
      running(false);
    }
    v.button("train").addEventListener("click", function () {
      if (!v.data.T.length) { note(v, "No points to train on: add some, or press chapter's data."); return; }
      if (s.epoch >= cfg.epochs) reset(v);
      running(true);
      v.timer = window.requestAnimationFrame(frame);
    });
    v.button("pause").addEventListener("click", stop);
    v.button("step").addEventListener("click", function () { oneStep(v); show(v); });
    v.button("reset").addEventListener("click", function () { stop(); reset(v); });
    v.button("original").addEventListener("click", function () {
      stop();
      v.field("hidden").value = cfg.start.hidden;
      v.field("seed").value = cfg.seed;
      reset(v, startNet(cfg));
      note(v, "Starting from the chapter's weights.");
    });
    function fresh() {
      var h = parseInt(v.field("hidden").value, 10);
      if (!(h >= 0 && h <= cfg.max_hidden)) return;
      stop();
      reset(v, core.initNet(h, v.field("activation").value, seed(v)));
      note(v, "New random start (seed " + seed(v) + ", drawn in the page): it differs from the " +
        "chapter's printed weights. \u201cChapter's start\u201d returns to them.");
    }
    v.field("hidden").addEventListener("change", fresh);
    v.field("seed").addEventListener("change", fresh);
    ["lr", "momentum", "activation", "loss", "batch"].forEach(function (name) {
      v.field(name).addEventListener("change", function () { if (v.timer === null) show(v); });
    });
    running(false);
  }

  function startNet(cfg) {
    var net = { hidden: cfg.start.hidden }, k;
    for (k in cfg.start) if (k !== "hidden") net[k] = Float64Array.from(cfg.start[k]);
    return net;
  }

  function mount(root) {
    var cfg = JSON.parse(root.querySelector("script.nn-pg-data").textContent);
    var form = root.querySelector("form");
    var v = {
      root: root, cfg: cfg, form: form, data: chapterData(cfg), s: {}, timer: null,
      regions: root.querySelector("canvas.nn-pg-regions"),
      curve: root.querySelector("canvas.nn-pg-curve"),
      cells: document.createElement("canvas"),
      cursor: { shown: false, x: (cfg.xlim[0] + cfg.xlim[1]) / 2, y: (cfg.ylim[0] + cfg.ylim[1]) / 2 },
      out: function (name) { return root.querySelector("output[name=out-" + name + "]"); },
      field: function (name) { return form.elements[name]; },
      button: function (name) { return form.querySelector("button[name=" + name + "]"); }
    };
    v.cells.width = v.cells.height = GRID;
    Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
    setupTraining(v);
    setupPoints(v);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    if (window.MutationObserver) {   // redraw when the theme switches between light and dark
      new MutationObserver(function () { show(v); })
        .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "class"] });
    }
    if (window.ResizeObserver) new ResizeObserver(function () { show(v); }).observe(v.regions);
    reset(v, startNet(cfg));
    root.setAttribute("data-nn-ready", "1");
    root.nnPlayground = {
      core: core, state: v.s, step: function () { oneStep(v); }, show: function () { show(v); },
      data: function () { return v.data; }
    };
  }

  mount(document.currentScript.parentElement);
})();
