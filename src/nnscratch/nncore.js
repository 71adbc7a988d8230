/* nnscratch in the page: the maths that the book's live figures run.
 *
 * Plain JavaScript, no library, nothing from the network. It computes what the
 * Python package computes, in float64, with the same formulas in the same order,
 * and tests/test_playground.py runs it under Node and checks it against nnscratch:
 *
 *   dense       z = x W + b, one example at a time (W row-major, n_in x n_out): the one
 *               forward pass of a Linear layer, used by the trainer and the digit reader
 *   sigmoid     sigma(z) from e = exp(-|z|), never overflowing (nnscratch.layers.sigmoid);
 *               backward g * s * (1 - s)
 *   tanh        backward g * (1 - a^2);  ReLU  max(z, 0), backward g * (z > 0)
 *   losses      squared error: MSE of sigma(z_out);  cross-entropy: BinaryCrossEntropy
 *               (from_logits=True), log(1 + e^z) - t z as numpy's logaddexp(0, z);
 *               perceptron criterion: mean max(0, -(2t - 1) z)
 *   Momentum    v = mu v + g;  theta = theta - eta v   (mu = 0 is plain gradient descent)
 *   drawing     strokes -> a 32 x 32 bitmap -> counts of 4 x 4 blocks, 0-16 -> / 16
 *               (nnscratch.drawing, the UCI digits' own preparation)
 *   softmax     the largest score subtracted first (nnscratch.layers.softmax)
 *
 * The pages' interfaces (playground.js, digits.js) are inlined after this file, in
 * one script, and find it as `core`; under Node it is `module.exports`.
 */
var core = (function () {
  "use strict";

  // -------------------------------------------------------- one dense layer
  // out[j] = b[j] + sum_i x[i] W[i, j], the sum taken from i = 0 up.
  function dense(x, W, b, nIn, nOut, out) {
    var i, j, v;
    for (j = 0; j < nOut; j++) {
      v = 0.0;
      for (i = 0; i < nIn; i++) v += x[i] * W[i * nOut + j];
      out[j] = v + b[j];
    }
    return out;
  }

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

  // ------------------------------------------------ the 2-H-1 trainer's network
  // {hidden: H, W1 (2 x H, row-major), b1, W2 (H x 1), b2} or, for H = 0, one
  // linear unit {hidden: 0, W (2 x 1), b}. Arrays are plain float64 arrays.
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

  var input2 = new Float64Array(2), output1 = new Float64Array(1);
  var hiddenZ = new Float64Array(64), hiddenA = new Float64Array(64);

  // The output score z for one input (x0, x1); zh and h (if given) receive the
  // hidden layer's scores and activations.
  function score(net, act, x0, x1, zh, h) {
    input2[0] = x0;
    input2[1] = x1;
    if (net.hidden === 0) return dense(input2, net.W, net.b, 2, 1, output1)[0];
    var H = net.hidden, f = ACTIVATIONS[act].f, j;
    zh = zh || hiddenZ;
    h = h || hiddenA;
    dense(input2, net.W1, net.b1, 2, H, zh);
    for (j = 0; j < H; j++) h[j] = f(zh[j]);
    return dense(h, net.W2, net.b2, H, 1, output1)[0];
  }

  // The gradients of the batch `rows` of (X, T), given its deltas at the output.
  function backward(net, act, X, rows, delta, zh, h) {
    var n = rows.length, H = net.hidden, grads = zeroLike(net), k, j, r;
    if (H === 0) {
      for (k = 0; k < n; k++) {
        r = rows[k];
        grads.W[0] += X[2 * r] * delta[k];
        grads.W[1] += X[2 * r + 1] * delta[k];
        grads.b[0] += delta[k];
      }
      return grads;
    }
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
      for (j = 0; j < H; j++) {
        grads.W1[j] += X[2 * r] * d1[k * H + j];
        grads.W1[H + j] += X[2 * r + 1] * d1[k * H + j];
        grads.b1[j] += d1[k * H + j];
      }
    }
    return grads;
  }

  // One optimiser step on the examples `rows` of (X, T); returns the batch loss
  // measured before the step (what nnscratch.fit reports to on_batch).
  function step(net, velocity, X, T, rows, opts) {
    var n = rows.length, H = net.hidden, k, r;
    var z = new Float64Array(n), t = new Float64Array(n), delta = new Float64Array(n);
    var zh = new Float64Array(n * H), h = new Float64Array(n * H);
    for (k = 0; k < n; k++) {
      r = rows[k];
      t[k] = T[r];
      z[k] = score(net, opts.activation, X[2 * r], X[2 * r + 1],
        zh.subarray(k * H, k * H + H), h.subarray(k * H, k * H + H));
    }
    var value = LOSSES[opts.loss](z, t, n, delta);
    var grads = backward(net, ACTIVATIONS[opts.activation], X, rows, delta, zh, h);
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

  // ------------------------------------------------ the reader's own data points
  // A data set is {X: Float64Array (n x 2, row-major), T: Float64Array of 0/1}.
  function withPoint(data, x0, x1, t) {
    var n = data.T.length, X = new Float64Array(2 * n + 2), T = new Float64Array(n + 1);
    X.set(data.X);
    T.set(data.T);
    X[2 * n] = x0;
    X[2 * n + 1] = x1;
    T[n] = t;
    return { X: X, T: T };
  }

  function withoutPoint(data, index) {
    var n = data.T.length, X = new Float64Array(2 * n - 2), T = new Float64Array(n - 1), k, m = 0;
    for (k = 0; k < n; k++) {
      if (k === index) continue;
      X[2 * m] = data.X[2 * k];
      X[2 * m + 1] = data.X[2 * k + 1];
      T[m] = data.T[k];
      m++;
    }
    return { X: X, T: T };
  }

  // The point nearest to (x0, x1) when distances along the axes are measured in
  // units sx and sy (the screen's pixels per data unit); -1 when there is none.
  function nearestPoint(data, x0, x1, sx, sy) {
    var best = -1, bestD = Infinity, k, dx, dy, d;
    for (k = 0; k < data.T.length; k++) {
      dx = (data.X[2 * k] - x0) * sx;
      dy = (data.X[2 * k + 1] - x1) * sy;
      d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = k; }
    }
    return { index: best, distance: Math.sqrt(bestD) };
  }

  // ------------------------------------------------------------- the drawing
  // Strokes are arrays of points [u, v] on the drawing square, 0 <= u, v <= 1
  // (u to the right, v down). They become a SIZE x SIZE bitmap: a pixel is on when
  // its centre lies within RADIUS (in pixels) of a stroke. Every step is done in
  // the same order as nnscratch.drawing does it, so both give the same bitmap.
  var SIZE = 32, BLOCK = 4, RADIUS = 2.5;

  // The strokes in pixel units: as drawn, or (fit) scaled so that the drawing's
  // taller side spans the frame less the pen's radius at each end, centred.
  function toPixels(strokes, fit, radius) {
    var all = [].concat.apply([], strokes), scale = SIZE, cu = 0.5, cv = 0.5, k;
    if (fit && all.length) {
      var u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
      for (k = 0; k < all.length; k++) {
        u0 = Math.min(u0, all[k][0]); u1 = Math.max(u1, all[k][0]);
        v0 = Math.min(v0, all[k][1]); v1 = Math.max(v1, all[k][1]);
      }
      var span = Math.max(u1 - u0, v1 - v0);
      scale = span > 0 ? (SIZE - 2 * radius) / span : 0.0;
      cu = (u0 + u1) / 2;
      cv = (v0 + v1) / 2;
    }
    return strokes.map(function (stroke) {
      return stroke.map(function (p) {
        return [SIZE / 2 + (p[0] - cu) * scale, SIZE / 2 + (p[1] - cv) * scale];
      });
    });
  }

  // Turn on every pixel whose centre lies within `radius` of the segment a -> b.
  function inkSegment(bitmap, a, b, radius) {
    var dx = b[0] - a[0], dy = b[1] - a[1], L = dx * dx + dy * dy, r2 = radius * radius;
    var i, j, px, py, t, ex, ey;
    for (i = 0; i < SIZE; i++) {
      py = i + 0.5;
      for (j = 0; j < SIZE; j++) {
        px = j + 0.5;
        t = L > 0 ? ((px - a[0]) * dx + (py - a[1]) * dy) / L : 0.0;
        t = Math.min(Math.max(t, 0.0), 1.0);
        ex = px - (a[0] + t * dx);
        ey = py - (a[1] + t * dy);
        if (ex * ex + ey * ey <= r2) bitmap[i * SIZE + j] = 1;
      }
    }
  }

  function rasterise(pixelStrokes, radius) {
    var bitmap = new Uint8Array(SIZE * SIZE);
    pixelStrokes.forEach(function (stroke) {
      if (stroke.length === 1) inkSegment(bitmap, stroke[0], stroke[0], radius);
      for (var k = 1; k < stroke.length; k++) inkSegment(bitmap, stroke[k - 1], stroke[k], radius);
    });
    return bitmap;
  }

  // Move the bitmap by whole pixels so that its centre of mass is nearest the middle.
  function centred(bitmap) {
    var count = 0, si = 0, sj = 0, i, j;
    for (i = 0; i < SIZE; i++) {
      for (j = 0; j < SIZE; j++) {
        if (bitmap[i * SIZE + j]) { count++; si += i + 0.5; sj += j + 0.5; }
      }
    }
    if (count === 0) return bitmap;
    var di = Math.floor(SIZE / 2 - si / count + 0.5), dj = Math.floor(SIZE / 2 - sj / count + 0.5);
    var out = new Uint8Array(SIZE * SIZE);
    for (i = 0; i < SIZE; i++) {
      for (j = 0; j < SIZE; j++) {
        if (bitmap[i * SIZE + j] && i + di >= 0 && i + di < SIZE && j + dj >= 0 && j + dj < SIZE) {
          out[(i + di) * SIZE + j + dj] = 1;
        }
      }
    }
    return out;
  }

  // The number of pixels on in each 4 x 4 block: 8 x 8 counts, 0 to 16, row by row.
  function blockCounts(bitmap) {
    var n = SIZE / BLOCK, counts = new Float64Array(n * n), i, j;
    for (i = 0; i < SIZE; i++) {
      for (j = 0; j < SIZE; j++) {
        counts[Math.floor(i / BLOCK) * n + Math.floor(j / BLOCK)] += bitmap[i * SIZE + j];
      }
    }
    return counts;
  }

  // Strokes -> the 64 inputs the chapter's network reads (block counts / 16, as
  // nnscratch.data.load_digits scales them), with the bitmap they came from.
  function digitImage(strokes, opts) {
    var radius = opts && opts.radius !== undefined ? opts.radius : RADIUS;
    var bitmap = rasterise(toPixels(strokes, !!(opts && opts.fit), radius), radius);
    if (opts && opts.centre) bitmap = centred(bitmap);
    var counts = blockCounts(bitmap), image = new Float64Array(counts.length), k;
    for (k = 0; k < counts.length; k++) image[k] = counts[k] / 16.0;
    return { image: image, counts: counts, bitmap: bitmap };
  }

  // ------------------------------------------------------------- the reader
  // net = {hidden: H, W1 (64 x H), b1, W2 (H x 10), b2}: Linear -> ReLU -> Linear.
  function softmax(z) {
    var m = -Infinity, total = 0.0, p = new Float64Array(z.length), k;
    for (k = 0; k < z.length; k++) m = Math.max(m, z[k]);
    for (k = 0; k < z.length; k++) { p[k] = Math.exp(z[k] - m); total += p[k]; }
    for (k = 0; k < z.length; k++) p[k] /= total;
    return p;
  }

  function readDigit(net, image) {
    var H = net.hidden, nOut = net.b2.length, h = new Float64Array(H), j;
    dense(image, net.W1, net.b1, image.length, H, h);
    for (j = 0; j < H; j++) h[j] = Math.max(h[j], 0.0);
    return softmax(dense(h, net.W2, net.b2, H, nOut, new Float64Array(nOut)));
  }

  // Little-endian float32 ("f4") or float64 ("f8") numbers from base64 text, as float64.
  function decode(text, dtype) {
    var raw = atob(text), bytes = new Uint8Array(raw.length), k;
    for (k = 0; k < raw.length; k++) bytes[k] = raw.charCodeAt(k);
    var view = new DataView(bytes.buffer), size = dtype === "f4" ? 4 : 8;
    var out = new Float64Array(bytes.length / size);
    for (k = 0; k < out.length; k++) {
      out[k] = size === 4 ? view.getFloat32(4 * k, true) : view.getFloat64(8 * k, true);
    }
    return out;
  }

  return {
    dense: dense, sigmoid: sigmoid, logaddexp0: logaddexp0, LOSSES: LOSSES,
    ACTIVATIONS: ACTIVATIONS, copyNet: copyNet, paramNames: paramNames, zeroLike: zeroLike,
    score: score, step: step, evaluate: evaluate, allRows: allRows, rng: rng, shuffle: shuffle,
    initNet: initNet, withPoint: withPoint, withoutPoint: withoutPoint,
    nearestPoint: nearestPoint, SIZE: SIZE, BLOCK: BLOCK, RADIUS: RADIUS, toPixels: toPixels,
    rasterise: rasterise, centred: centred, blockCounts: blockCounts, digitImage: digitImage,
    softmax: softmax, readDigit: readDigit, decode: decode
  };
})();
if (typeof module === "object" && module.exports) module.exports = core;
