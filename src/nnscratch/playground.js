/* nnscratch playground: train a small network live in the page.
 *
 * Plain JavaScript, no library, nothing from the network. The training code
 * (the "core" below) computes what nnscratch computes, in float64, with the same
 * formulas in the same order:
 *   Linear      z = x W + b;  dW = x^T delta, db = sum of delta;  dx = delta W^T
 *   sigmoid     sigma(z) from e = exp(-|z|), never overflowing (nnscratch.layers.sigmoid);
 *               backward g * s * (1 - s)
 *   tanh        backward g * (1 - a^2);  ReLU  max(z, 0), backward g * (z > 0)
 *   losses      squared error: MSE of sigma(z_out);  cross-entropy: BinaryCrossEntropy
 *               (from_logits=True), log(1 + e^z) - t z as numpy's logaddexp(0, z);
 *               perceptron criterion: mean max(0, -(2t - 1) z)
 *   Momentum    v = mu v + g;  theta = theta - eta v   (mu = 0 is plain gradient descent)
 * tests/test_playground.py runs this core under Node and checks it against the package.
 * The user interface (mount) runs only in a page.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- the core
  function sigmoid(z) {
    var e = Math.exp(-Math.abs(z));
    return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
  }

  function logaddexp0(z) {
    // numpy's logaddexp(0, z), branch for branch
    if (z === 0) return Math.LN2;
    return z < 0 ? Math.log1p(Math.exp(z)) : z + Math.log1p(Math.exp(-z));
  }

  var ACTIVATIONS = {
    sigmoid: {
      f: sigmoid,
      back: function (g, z, a) { return g * a * (1.0 - a); }
    },
    tanh: {
      f: Math.tanh,
      back: function (g, z, a) { return g * (1.0 - a * a); }
    },
    relu: {
      f: function (z) { return Math.max(z, 0.0); },
      back: function (g, z, a) { return z > 0 ? g : 0.0; }
    }
  };

  // Loss of a batch of output scores z (one per example) against targets t.
  // Returns the value and delta = dL/dz, as the package computes them.
  var LOSSES = {
    squared: function (z, t, n, delta) {
      var total = 0.0, k, s, d;
      for (k = 0; k < n; k++) {
        s = sigmoid(z[k]);
        d = s - t[k];
        total += d * d;
        delta[k] = 2.0 * d / n * s * (1.0 - s); // MSE grad, then the Sigmoid layer's backward
      }
      return total / n;
    },
    "cross-entropy": function (z, t, n, delta) {
      var total = 0.0, k;
      for (k = 0; k < n; k++) {
        total += logaddexp0(z[k]) - t[k] * z[k];
        delta[k] = (sigmoid(z[k]) - t[k]) / n;
      }
      return total / n;
    },
    perceptron: function (z, t, n, delta) {
      var total = 0.0, k;
      for (k = 0; k < n; k++) {
        total += Math.max(0.0, -(2.0 * t[k] - 1.0) * z[k]);
        delta[k] = ((z[k] > 0 ? 1.0 : 0.0) - t[k]) / n;
      }
      return total / n;
    }
  };

  // A network: {hidden: H, W1 (2 x H, row-major), b1, W2 (H x 1), b2} or, for H = 0,
  // one linear unit {hidden: 0, W (2 x 1), b}. Arrays are plain float64 arrays.
  function copyNet(net) {
    var out = { hidden: net.hidden }, key;
    for (key in net) if (key !== "hidden") out[key] = Float64Array.from(net[key]);
    return out;
  }

  function paramNames(net) { return net.hidden > 0 ? ["W1", "b1", "W2", "b2"] : ["W", "b"]; }

  function zeroLike(net) {
    var out = {};
    paramNames(net).forEach(function (k) { out[k] = new Float64Array(net[k].length); });
    return out;
  }

  // The output score z for one input (x0, x1); h receives the hidden activations.
  function score(net, act, x0, x1, zh, h) {
    if (net.hidden === 0) return x0 * net.W[0] + x1 * net.W[1] + net.b[0];
    var H = net.hidden, f = ACTIVATIONS[act].f, z = 0.0, j, v;
    for (j = 0; j < H; j++) {
      v = x0 * net.W1[j] + x1 * net.W1[H + j] + net.b1[j];
      if (zh) zh[j] = v;
      v = f(v);
      if (h) h[j] = v;
      z += v * net.W2[j];
    }
    return z + net.b2[0];
  }

  // One optimiser step on the examples `rows` of (X, T); returns the batch loss
  // measured before the step (what nnscratch.fit reports to on_batch).
  function step(net, velocity, X, T, rows, opts) {
    var n = rows.length, H = net.hidden, act = ACTIVATIONS[opts.activation];
    var z = new Float64Array(n), t = new Float64Array(n), delta = new Float64Array(n);
    var zh = new Float64Array(n * H), h = new Float64Array(n * H);
    var k, j, r, x0, x1;
    for (k = 0; k < n; k++) {
      r = rows[k];
      t[k] = T[r];
      z[k] = score(net, opts.activation, X[2 * r], X[2 * r + 1],
        zh.subarray(k * H, k * H + H), h.subarray(k * H, k * H + H));
    }
    var value = LOSSES[opts.loss](z, t, n, delta);
    var grads = zeroLike(net);
    if (H === 0) {
      for (k = 0; k < n; k++) {
        r = rows[k];
        grads.W[0] += X[2 * r] * delta[k];
        grads.W[1] += X[2 * r + 1] * delta[k];
        grads.b[0] += delta[k];
      }
    } else {
      var d1 = new Float64Array(n * H);
      for (k = 0; k < n; k++) {
        grads.b2[0] += delta[k];
        for (j = 0; j < H; j++) {
          grads.W2[j] += h[k * H + j] * delta[k];
          d1[k * H + j] = act.back(delta[k] * net.W2[j], zh[k * H + j], h[k * H + j]);
        }
      }
      for (k = 0; k < n; k++) {
        r = rows[k];
        x0 = X[2 * r];
        x1 = X[2 * r + 1];
        for (j = 0; j < H; j++) {
          grads.W1[j] += x0 * d1[k * H + j];
          grads.W1[H + j] += x1 * d1[k * H + j];
          grads.b1[j] += d1[k * H + j];
        }
      }
    }
    var mu = opts.momentum, lr = opts.lr;
    paramNames(net).forEach(function (name) {
      var p = net[name], v = velocity[name], g = grads[name], i;
      for (i = 0; i < p.length; i++) {
        v[i] = v[i] * mu + g[i];
        p[i] -= lr * v[i];
      }
    });
    return value;
  }

  function allRows(n) {
    var rows = new Array(n), k;
    for (k = 0; k < n; k++) rows[k] = k;
    return rows;
  }

  // The loss on every example, and how many are on the wrong side of the boundary.
  function evaluate(net, X, T, opts) {
    var n = T.length, z = new Float64Array(n), delta = new Float64Array(n), wrong = 0, k;
    for (k = 0; k < n; k++) {
      z[k] = score(net, opts.activation, X[2 * k], X[2 * k + 1], null, null);
      if ((z[k] > 0 ? 1 : 0) !== T[k]) wrong++;
    }
    return { loss: LOSSES[opts.loss](z, T, n, delta), wrong: wrong };
  }

  // mulberry32: a small seeded generator of uniform numbers in [0, 1)
  function rng(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffle(order, random) { // Fisher-Yates
    for (var i = order.length - 1; i > 0; i--) {
      var j = Math.floor(random() * (i + 1)), tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  // New random weights (seeded): Glorot-uniform, or He-normal for ReLU, as nnscratch.mlp.
  function initNet(hidden, activation, seed) {
    var random = rng(seed * 2654435761 + 12345);
    function layer(nIn, nOut) {
      var W = new Float64Array(nIn * nOut), i, u, v;
      for (i = 0; i < W.length; i++) {
        if (activation === "relu") {
          u = 1.0 - random();
          v = random();
          W[i] = Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v) * Math.sqrt(2.0 / nIn);
        } else {
          W[i] = (2.0 * random() - 1.0) * Math.sqrt(6.0 / (nIn + nOut));
        }
      }
      return W;
    }
    if (hidden === 0) return { hidden: 0, W: layer(2, 1), b: new Float64Array(1) };
    return {
      hidden: hidden, W1: layer(2, hidden), b1: new Float64Array(hidden),
      W2: layer(hidden, 1), b2: new Float64Array(1)
    };
  }

  var core = {
    sigmoid: sigmoid, logaddexp0: logaddexp0, LOSSES: LOSSES, ACTIVATIONS: ACTIVATIONS,
    copyNet: copyNet, paramNames: paramNames, zeroLike: zeroLike, score: score, step: step,
    evaluate: evaluate, allRows: allRows, rng: rng, shuffle: shuffle, initNet: initNet
  };
  if (typeof module === "object" && module.exports) module.exports = core;
  if (typeof document === "undefined" || !document.currentScript) return;

  // ---------------------------------------------------------- the interface
  var CLASS = [[213, 94, 0], [0, 114, 178]];   // nnscratch.plot.CLASS_COLORS
  var BOUNDARY = "#7B3294";                      // nnscratch.plot.BOUNDARY_COLOR

  function mount(root) {
    var cfg = JSON.parse(root.querySelector("script.nn-pg-data").textContent);
    var X = Float64Array.from(cfg.X), T = Float64Array.from(cfg.t), n = cfg.t.length;
    var form = root.querySelector("form");
    var regions = root.querySelector("canvas.nn-pg-regions");
    var curve = root.querySelector("canvas.nn-pg-curve");
    function out(name) { return root.querySelector("output[name=out-" + name + "]"); }
    function field(name) { return form.elements[name]; }
    function start() {
      var net = { hidden: cfg.start.hidden }, k;
      for (k in cfg.start) if (k !== "hidden") net[k] = Float64Array.from(cfg.start[k]);
      return net;
    }
    var s = {};   // the run: start weights, weights, velocity, epoch, losses, shuffler

    function opts() {
      var lr = parseFloat(field("lr").value), mu = parseFloat(field("momentum").value);
      return {
        lr: isFinite(lr) && lr > 0 ? lr : cfg.lr,
        momentum: isFinite(mu) && mu >= 0 && mu < 1 ? mu : 0,
        activation: field("activation").value,
        loss: field("loss").value,
        batch: field("batch").value
      };
    }
    function seed() { var v = parseInt(field("seed").value, 10); return isFinite(v) ? v : 0; }

    function reset(net) {
      s.begin = net || s.begin;
      s.net = copyNet(s.begin);
      s.velocity = zeroLike(s.net);
      s.epoch = 0;
      s.pos = 0;
      s.order = allRows(n);
      s.random = rng(seed());
      s.diverged = false;
      var o = opts(), e = evaluate(s.net, X, T, o);
      s.losses = [e.loss];
      s.loss = o.loss;
      field("activation").disabled = s.net.hidden === 0;   // no hidden layer, no activation
      show(e);
    }

    function oneStep() {
      var o = opts();
      if (o.loss !== s.loss) { s.loss = o.loss; s.losses = []; }   // a new curve for a new loss
      var rows;
      if (o.batch === "full") {
        rows = s.order.slice().sort(function (a, b) { return a - b; });
        s.pos = n;
      } else {
        if (s.pos === 0) shuffle(s.order, s.random);
        rows = [s.order[s.pos]];
        s.pos += 1;
      }
      var value = step(s.net, s.velocity, X, T, rows, o);
      if (!isFinite(value)) s.diverged = true;
      if (s.pos >= n) {
        s.pos = 0;
        s.epoch += 1;
        s.losses.push(evaluate(s.net, X, T, o).loss);
      }
    }

    function show(e) {
      var o = opts();
      e = e || evaluate(s.net, X, T, o);
      out("epoch").textContent = s.epoch + (s.pos ? " + " + s.pos + " of " + n : "");
      out("loss").textContent = isFinite(e.loss) ? e.loss.toPrecision(4) : "diverged (" + e.loss + ")";
      out("wrong").textContent = e.wrong + " of " + n;
      out("weights").textContent = paramNames(s.net).map(function (k) {
        return k + " = [" + Array.prototype.map.call(s.net[k], function (v) {
          return (v >= 0 ? " " : "") + v.toFixed(3);
        }).join(",") + "]";
      }).join("\n");
      drawRegions(o, e);
      drawCurve(o);
    }

    // colours follow the page: text colour for axes, page background for the shading
    function palette() {
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

    var G = 120, cells = document.createElement("canvas");
    cells.width = cells.height = G;
    function drawRegions(o, e) {
      var c = sized(regions), ctx = c.ctx, p = palette();
      var L = 34, B = 30, R = 6, TOP = 6, W = c.w - L - R, H = c.h - B - TOP;
      var x0 = cfg.xlim[0], x1 = cfg.xlim[1], y0 = cfg.ylim[0], y1 = cfg.ylim[1];
      var image = cells.getContext("2d").createImageData(G, G), sign = new Int8Array(G * G);
      var i, j, z, q, k, col, mix = p.dark ? 0.55 : 0.6;
      for (j = 0; j < G; j++) {
        for (i = 0; i < G; i++) {
          z = score(s.net, o.activation, x0 + (i + 0.5) / G * (x1 - x0),
            y1 - (j + 0.5) / G * (y1 - y0), null, null);
          q = o.loss === "perceptron" ? (z > 0 ? 1 : 0) : sigmoid(z);
          sign[j * G + i] = z > 0 ? 1 : 0;
          for (k = 0; k < 3; k++) {
            col = CLASS[0][k] * (1 - q) + CLASS[1][k] * q;
            image.data[4 * (j * G + i) + k] = Math.round(col * (1 - mix) + p.bg[k] * mix);
          }
          image.data[4 * (j * G + i) + 3] = 255;
        }
      }
      for (j = 0; j < G; j++) {   // the boundary z = 0: cells whose neighbour has the other sign
        for (i = 0; i < G; i++) {
          k = j * G + i;
          if ((i + 1 < G && sign[k] !== sign[k + 1]) || (j + 1 < G && sign[k] !== sign[k + G])) {
            image.data[4 * k] = 123; image.data[4 * k + 1] = 50; image.data[4 * k + 2] = 148;
          }
        }
      }
      cells.getContext("2d").putImageData(image, 0, 0);
      ctx.clearRect(0, 0, c.w, c.h);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(cells, L, TOP, W, H);
      for (k = 0; k < n; k++) {
        ctx.beginPath();
        ctx.arc(L + (X[2 * k] - x0) / (x1 - x0) * W, TOP + (y1 - X[2 * k + 1]) / (y1 - y0) * H,
          n > 50 ? 3 : 6, 0, 2 * Math.PI);
        ctx.fillStyle = "rgb(" + CLASS[T[k]].join(",") + ")";
        ctx.fill();
        ctx.lineWidth = 1;
        ctx.strokeStyle = "#ffffff";
        ctx.stroke();
      }
      axes(ctx, p, L, TOP, W, H, [x0, x1], [y0, y1], cfg.xlabel, cfg.ylabel, false);
      regions.setAttribute("aria-label", "Decision regions after epoch " + s.epoch + ": " +
        e.wrong + " of " + n + " points on the wrong side (vermilion: class 0, blue: class 1, " +
        "purple line: the boundary)");
    }

    function ticks(lo, hi) {
      var span = hi - lo, stepv = Math.pow(10, Math.floor(Math.log10(span / 4))), out = [], v;
      if (span / stepv > 10) stepv *= 5; else if (span / stepv > 5) stepv *= 2;
      for (v = Math.ceil(lo / stepv) * stepv; v <= hi + 1e-9 * span; v += stepv) out.push(v);
      return out;
    }

    function axes(ctx, p, L, TOP, W, H, xr, yr, xlabel, ylabel, logy) {
      ctx.strokeStyle = p.text;
      ctx.fillStyle = p.text;
      ctx.lineWidth = 1;
      ctx.strokeRect(L + 0.5, TOP + 0.5, W - 1, H - 1);
      ctx.font = "10px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ticks(xr[0], xr[1]).forEach(function (v) {
        var x = L + (v - xr[0]) / (xr[1] - xr[0]) * W;
        ctx.fillText(+v.toPrecision(3) + "", x, TOP + H + 3);
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

    function drawCurve(o) {
      var c = sized(curve), ctx = c.ctx, p = palette();
      var L = 44, B = 30, R = 16, TOP = 6, W = c.w - L - R, H = c.h - B - TOP;
      var logs = s.losses.map(function (v) { return Math.log10(Math.max(v, 1e-8)); });
      var finite = logs.filter(isFinite);
      var lo = Math.floor(Math.min.apply(null, finite.concat([-1]))), hi = Math.ceil(Math.max.apply(null, finite.concat([0])));
      if (hi - lo < 1) hi = lo + 1;
      var first = s.epoch - (s.losses.length - 1), total = Math.max(cfg.epochs, s.epoch);
      ctx.clearRect(0, 0, c.w, c.h);
      axes(ctx, p, L, TOP, W, H, [0, total], [lo, hi], "epoch", o.loss + " loss (log)", true);
      ctx.strokeStyle = BOUNDARY;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      logs.forEach(function (v, k) {
        if (!isFinite(v)) return;
        var x = L + (first + k) / total * W, y = TOP + (hi - v) / (hi - lo) * H;
        if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
      curve.setAttribute("aria-label", "Loss after each epoch, " + s.losses.length + " points, last " +
        (s.losses.length ? s.losses[s.losses.length - 1].toPrecision(4) : "none"));
    }

    var timer = null, buttons = {};
    ["train", "pause", "step", "reset", "original"].forEach(function (name) {
      buttons[name] = form.querySelector("button[name=" + name + "]");
    });
    function running(on) {
      buttons.train.disabled = on;
      buttons.pause.disabled = !on;
      buttons.step.disabled = on;
    }
    function frame() {
      var o = opts(), stepsLeft = cfg.epochs_per_frame * (o.batch === "full" ? 1 : n);
      while (stepsLeft-- > 0 && s.epoch < Math.max(cfg.epochs, 1) && !s.diverged) oneStep();
      show();
      if (s.epoch >= cfg.epochs || s.diverged) { stop(); return; }
      timer = window.requestAnimationFrame(frame);
    }
    function stop() {
      if (timer !== null) window.cancelAnimationFrame(timer);
      timer = null;
      running(false);
    }
    function note(text) { out("status").textContent = text; }

    buttons.train.addEventListener("click", function () {
      if (s.epoch >= cfg.epochs) reset();
      running(true);
      timer = window.requestAnimationFrame(frame);
    });
    buttons.pause.addEventListener("click", stop);
    buttons.step.addEventListener("click", function () { oneStep(); show(); });
    buttons.reset.addEventListener("click", function () { stop(); reset(); });
    buttons.original.addEventListener("click", function () {
      stop();
      field("hidden").value = cfg.start.hidden;
      field("seed").value = cfg.seed;
      reset(start());
      note("Starting from the chapter's weights.");
    });
    function fresh() {
      var h = parseInt(field("hidden").value, 10);
      if (!(h >= 0 && h <= cfg.max_hidden)) return;
      stop();
      reset(initNet(h, field("activation").value, seed()));
      note("New random start (seed " + seed() + ", drawn in the page): it differs from the " +
        "chapter's printed weights. \u201cChapter's start\u201d returns to them.");
    }
    field("hidden").addEventListener("change", fresh);
    field("seed").addEventListener("change", fresh);
    ["lr", "momentum", "activation", "loss", "batch"].forEach(function (name) {
      field(name).addEventListener("change", function () { if (timer === null) show(); });
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    if (window.MutationObserver) {   // redraw when the theme switches between light and dark
      new MutationObserver(function () { show(); })
        .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "class"] });
    }
    if (window.ResizeObserver) new ResizeObserver(function () { show(); }).observe(regions);
    Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
    reset(start());
    running(false);
    root.setAttribute("data-nn-ready", "1");
    root.nnPlayground = { core: core, state: s, step: oneStep, show: show };
  }

  mount(document.currentScript.parentElement);
})();
