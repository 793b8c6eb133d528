// paledot view: draws the data paledot computed (the JSON in #paledot-data) for the slider's step.
// Nothing here computes the sky: positions, numbers and frames all come from paledot.
// Pixels: paledot's convention, 0-based (x, y) with y up; the canvas shows the frame's box flipped
// for display (first row at the top), each camera pixel `zoom` canvas pixels wide.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("paledot-data").textContent);
  const N = D.steps.length;
  const SVG = "http://www.w3.org/2000/svg";
  const COLOURS = { earth: "#5aaaff", moon: "#ffd25a", sun: "#ffa040", mars: "#ff7050" };
  const $ = (id) => document.getElementById(id);
  const slider = $("slider");
  const canvas = $("frame");
  const ctx = canvas.getContext("2d");
  const box = D.box;
  const shown = { w: Math.floor(box.w / box.bin), h: Math.floor(box.h / box.bin) };
  const zoom = Math.max(1, Math.floor(480 / Math.max(shown.w, shown.h)));
  canvas.width = shown.w * zoom;
  canvas.height = shown.h * zoom;
  const images = new Array(N).fill(null);
  let current = -1;
  let timer = null;

  function el(tag, attrs, parent, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function colour(name) { return COLOURS[name] || "#dddddd"; }
  function title(name) { return name.charAt(0).toUpperCase() + name.slice(1); }
  function fmtDate(utc) { return utc.slice(0, 16).replace("T", " "); }

  // Labels that never overlap: each tries spots around its anchor, nearest first.
  function placeLabels(svg, items, taken, bounds, fontPx) {
    const spots = [];
    for (const r of [1, 2, 3, 4.5, 6]) {
      for (const a of [-45, 45, -135, 135, 0, 180, -90, 90]) spots.push([r, a]);
    }
    for (const it of items) {
      const w = it.text.length * fontPx * 0.6 + 4, h = fontPx + 3;
      let best = null;
      for (const [r, a] of spots) {
        const d = (it.r || 4) + 4 + (r - 1) * 12, rad = (a * Math.PI) / 180;
        const cx = it.x + d * Math.cos(rad), cy = it.y + d * Math.sin(rad);
        const x = Math.cos(rad) >= -0.01 ? cx : cx - w, y = cy - h / 2;
        const b = [x, y, x + w, y + h];
        if (b[0] < bounds[0] || b[1] < bounds[1] || b[2] > bounds[2] || b[3] > bounds[3]) continue;
        if (taken.some((t) => b[0] < t[2] && b[2] > t[0] && b[1] < t[3] && b[3] > t[1])) continue;
        best = { b, cx, cy, far: r > 1 };
        break;
      }
      if (!best) continue;
      taken.push(best.b);
      if (best.far) {
        el("line", { x1: it.x, y1: it.y, x2: best.cx, y2: best.cy, class: "leader" }, svg);
      }
      el("text", { x: best.b[0] + 2, y: best.b[3] - 3, class: "label", fill: it.colour || "#ddd",
        "font-size": fontPx }, svg, it.text);
    }
  }

  function compass(svg, x0, y0, north, east, len, taken) {
    // north/east: unit vectors in display pixels (y down)
    const g = el("g", { class: "compass" }, svg);
    for (const [v, t] of [[north, "N"], [east, "E"]]) {
      const x1 = x0 + v[0] * len, y1 = y0 + v[1] * len;
      el("line", { x1: x0, y1: y0, x2: x1, y2: y1 }, g);
      el("text", { x: x1 + v[0] * 9 - 4, y: y1 + v[1] * 9 + 4, class: "label" }, g, t);
    }
    taken.push([x0 - len - 14, y0 - len - 14, x0 + len + 14, y0 + len + 14]);
  }

  // ---- the frame -----------------------------------------------------------------------------
  function toCanvas(x, y) {
    // a frame pixel (0-based, y up) to canvas coordinates (top-left origin), centre of pixel
    const cx = ((x - box.x0) / box.bin + 0.5) * zoom;
    const cy = (shown.h - 1 - (y - box.y0) / box.bin + 0.5) * zoom;
    return [cx, cy];
  }

  function image(i) {
    if (images[i]) return images[i];
    const img = new Image();
    const s = D.steps[i];
    img.src = D.served ? "frame.png?time=ET:" + s.et.toPrecision(17) : s.frame;
    images[i] = img;
    return img;
  }

  function drawFrame(i) {
    const img = image(i);
    const paint = () => {
      if (i !== current) return;
      ctx.imageSmoothingEnabled = false;
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.dataset.drawnStep = String(i);
    };
    if (img.complete && img.naturalWidth > 0) paint();
    else img.addEventListener("load", paint, { once: true });
  }

  function drawOverlay(s) {
    const svg = $("frame-overlay");
    clear(svg);
    const W = canvas.width, H = canvas.height;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    if (!$("show-labels").checked) return;
    const taken = [];
    const items = [];
    for (const b of s.bodies) {
      const [x, y] = toCanvas(b.x, b.y);
      if (x < 0 || y < 0 || x > W || y > H) continue;
      const r = Math.max(7, (b.diam_px / 2 / box.bin) * zoom + 5);
      el("circle", { cx: x, cy: y, r, class: "ring", stroke: colour(b.name) }, svg);
      taken.push([x - r, y - r, x + r, y + r]);
      items.push({ x, y, r, text: title(b.name) + (b.hidden ? " (hidden)" : ""), colour: colour(b.name) });
    }
    // compass and scale bar in the lower corners
    const len = 26;
    const north = [s.north[0], -s.north[1]], east = [s.east[0], -s.east[1]];
    compass(svg, W - 46, H - 46, north, east, len, taken);
    const pxPerArcsec = zoom / box.bin / D.camera.pixel_scale_arcsec;
    const bar = D.camera.bar_arcsec * pxPerArcsec;
    el("rect", { x: 12, y: H - 18, width: bar, height: 4, class: "bar" }, svg);
    el("text", { x: 12, y: H - 24, class: "label" }, svg, `${D.camera.bar_arcsec} arcsec`);
    taken.push([8, H - 40, 16 + Math.max(bar, 80), H - 8]);
    placeLabels(svg, items, taken, [0, 0, W, H], 13);
  }

  // ---- the sky chart -------------------------------------------------------------------------
  function drawSky(s) {
    const svg = $("sky");
    clear(svg);
    const S = 440, c = S / 2, R = D.chart_radius_deg, k = (c - 24) / R;
    svg.setAttribute("viewBox", `0 0 ${S} ${S}`);
    const P = (e, n) => [c - e * k, c - n * k]; // east to the left, north up
    el("circle", { cx: c, cy: c, r: R * k, class: "horizon" }, svg);
    const taken = [];
    const labels = [];
    for (const st of s.chart.stars) {
      const [x, y] = P(st[0], st[1]);
      if (Math.hypot(x - c, y - c) > R * k) continue;
      const r = Math.max(0.7, 3.4 - 0.33 * st[2]);
      el("circle", { cx: x, cy: y, r, class: "star" }, svg);
      if (st[3]) labels.push({ x, y, r, text: `HIP ${st[3]} V${st[2].toFixed(1)}`, colour: "#9ab" });
    }
    const f = s.chart.field.map((p) => P(p[0], p[1]).join(",")).join(" ");
    el("polygon", { points: f, class: "field" }, svg);
    const fx = s.chart.field.map((p) => P(p[0], p[1]));
    labels.unshift({ x: Math.min(...fx.map((p) => p[0])), y: Math.min(...fx.map((p) => p[1])), r: 2,
      text: "frame", colour: "#8c8" });
    const bodies = s.chart.bodies.slice().sort((a, b) => (a.v ?? 99) - (b.v ?? 99));
    for (const b of bodies) {
      const [x, y] = P(b.e, b.n);
      if (Math.hypot(x - c, y - c) > R * k) continue;
      el("circle", { cx: x, cy: y, r: 3.5, class: "body", fill: colour(b.name) }, svg);
      taken.push([x - 4, y - 4, x + 4, y + 4]);
      labels.unshift({ x, y, r: 4, text: title(b.name) + (b.v !== null ? ` V${b.v.toFixed(1)}` : ""),
        colour: colour(b.name) });
    }
    compass(svg, S - 40, S - 40, [0, -1], [-1, 0], 24, taken);
    const deg = R >= 10 ? 5 : R >= 2 ? 1 : 0.5;
    el("rect", { x: 14, y: S - 18, width: deg * k, height: 3, class: "bar" }, svg);
    el("text", { x: 14, y: S - 24, class: "label" }, svg, `${deg} deg`);
    taken.push([10, S - 38, 20 + deg * k, S - 10]);
    placeLabels(svg, labels, taken, [0, 0, S, S], 12);
  }

  // ---- the numbers ---------------------------------------------------------------------------
  function buildNumbers() {
    const t = $("numbers");
    let head = "<tr><th></th>" + D.targets.map((n) => `<th>${title(n)}</th>`).join("") + "</tr>";
    let body = "";
    for (const col of D.columns) {
      body += `<tr><th class="q">${col}</th>` +
        D.targets.map((n) => `<td data-target="${n}" data-col="${col}"></td>`).join("") + "</tr>";
    }
    t.innerHTML = head + body;
  }

  function fillNumbers(s) {
    for (const row of s.rows) {
      for (const col of D.columns) {
        const td = document.querySelector(`#numbers td[data-target="${row.target}"][data-col="${col}"]`);
        if (td) td.textContent = row.cells[col] ?? "";
      }
    }
    const pairs = s.pairs.map((p) =>
      `<div class="pair" data-pair="${p.pair}">${p.pair}: separation ` +
      `<span data-col="separation arcsec">${p["separation arcsec"]}</span> arcsec` +
      (p["separation deg"] ? ` (${p["separation deg"]} deg)` : "") +
      `, position angle <span data-col="position angle deg">${p["position angle deg"]}</span> deg</div>`);
    const faces = s.rows.filter((r) => r.face).map((r) =>
      `<div class="face">${title(r.target)} face: sub-observer ${r.face["sub-observer"]}, sub-solar ` +
      `${r.face["sub-solar"]}, north pole PA ${r.face["north pole PA"]}, bright limb PA ` +
      `${r.face["bright limb PA"]} deg</div>`);
    $("pairs").innerHTML = pairs.join("") + faces.join("");
  }

  // ---- the windows timeline ------------------------------------------------------------------
  const T0 = D.span.start, T1 = D.span.stop, TW = 1000;
  const PAD = 44;
  const tx = (et) => PAD + ((et - T0) / (T1 - T0)) * (TW - 2 * PAD);

  function nearestStep(et, lo, hi) {
    let best = -1, dist = Infinity;
    for (let i = 0; i < N; i++) {
      const t = D.steps[i].et;
      if (lo !== undefined && (t < lo || t > hi)) continue;
      const d = Math.abs(t - et);
      if (d < dist) { dist = d; best = i; }
    }
    return best;
  }
  function goWindow(w) {
    const i = nearestStep((w.start + w.stop) / 2, w.start, w.stop);
    if (i >= 0) go(i);
  }

  function buildTimeline() {
    const svg = $("timeline");
    svg.setAttribute("viewBox", `0 0 ${TW} 96`);
    el("rect", { x: PAD, y: 30, width: TW - 2 * PAD, height: 26, class: "track" }, svg);
    svg.addEventListener("click", (ev) => {
      if (ev.target.classList.contains("window")) return;
      const r = svg.getBoundingClientRect();
      const et = T0 + (((ev.clientX - r.left) * TW) / r.width - PAD) / (TW - 2 * PAD) * (T1 - T0);
      go(nearestStep(et));
    });
    D.windows.spans.forEach((w, k) => {
      const x0 = tx(w.start), x1 = Math.max(tx(w.stop), x0 + 2);
      const rect = el("rect", { x: x0, y: 30, width: x1 - x0, height: 26, class: "window",
        "data-window": k }, svg);
      el("title", {}, rect, `window ${k + 1}: ${fmtDate(w.start_utc)} to ${fmtDate(w.stop_utc)} UTC, ` +
        `${w.hours.toFixed(1)} h, closed by ${w.closed_by}`);
      rect.addEventListener("click", () => goWindow(w));
    });
    const days = (T1 - T0) / 86400;
    const every = [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500].find((d) => days / d <= 10) || 1000;
    const first = Math.ceil((T0 - D.steps[0].et) / 86400 / every) * every;
    for (let d = first; D.steps[0].et + d * 86400 <= T1; d += every) {
      const et = D.steps[0].et + d * 86400, x = tx(et);
      if (x < PAD) continue;
      el("line", { x1: x, y1: 56, x2: x, y2: 62, class: "tick" }, svg);
      el("text", { x, y: 74, class: "axis" }, svg, utcOf(et, every < 1));
    }
    const marks = D.epochs.map((e, k) => [e.et, "frame " + (k + 1), "mark"]);
    if (D.campaign) D.campaign.epochs.forEach((e, k) => marks.push([e, "plan " + (k + 1), "plan"]));
    for (const [et, label, cls] of marks) {
      const x = tx(et);
      const m = el("line", { x1: x, y1: 24, x2: x, y2: 62, class: cls }, svg);
      el("text", { x, y: cls === "plan" ? 92 : 20, class: "axis " + cls }, svg, label);
      m.addEventListener("click", (ev) => { ev.stopPropagation(); go(nearestStep(et)); });
    }
    el("line", { id: "cursor", x1: 0, y1: 26, x2: 0, y2: 60, class: "cursor" }, svg);
    const list = $("window-list");
    const spans = D.windows.spans;
    let text = `<p class="src">Constraint: ${D.windows.constraint}.` +
      (spans.length ? ` ${spans.length} window(s)` + (D.windows.cut ? ` (and ${D.windows.cut} more)` : "") +
        "; click one to go there." : ` No window: ${D.windows.why_empty}.`) + "</p><ol>";
    spans.slice(0, 12).forEach((w, k) => {
      text += `<li><a href="#" data-window="${k}">${fmtDate(w.start_utc)} to ${fmtDate(w.stop_utc)}` +
        `</a> UTC, ${w.hours.toFixed(1)} h, closed by ${w.closed_by}</li>`;
    });
    list.innerHTML = text + "</ol>";
    list.querySelectorAll("a[data-window]").forEach((a) => a.addEventListener("click", (ev) => {
      ev.preventDefault();
      goWindow(spans[Number(a.dataset.window)]);
    }));
  }
  // UTC date of an ET instant from the nearest step's label (the page holds no leap-second table)
  function utcOf(et, withTime) {
    const s = D.steps[nearestStep(et)];
    const dt = new Date(Date.parse(s.utc.replace(" ", "T") + "Z") + (et - s.et) * 1000);
    const iso = dt.toISOString();
    return withTime ? iso.slice(5, 10) + " " + iso.slice(11, 16) : iso.slice(5, 10);
  }

  // ---- the Moon's orbit ----------------------------------------------------------------------
  function buildOrbit() {
    const svg = $("orbit");
    const O = D.orbit;
    if (!O) { $("orbit-panel").hidden = true; return; }
    const S = 440, c = S / 2;
    const ext = Math.max(...O.path.map((p) => Math.max(Math.abs(p[0]), Math.abs(p[1])))) || 1;
    const k = (c - 40) / ext;
    const extN = Math.max(...O.path.map((p) => Math.abs(p[1])));
    const H = Math.min(S, Math.max(200, 2 * extN * k + 110)), cy = H / 2;
    svg.setAttribute("viewBox", `0 0 ${S} ${H}`);
    svg.style.height = H + "px";
    const P = (p) => [c - p[0] * k, cy - p[1] * k];
    const pts = O.path.map((p) => P(p).join(",")).join(" ");
    el("polyline", { points: pts, class: "orbit-path" }, svg);
    if (O.marks.length >= 2) {
      const dt = (O.path_et[1] - O.path_et[0]) / (O.path.length - 1);
      const a = D.epochs.length ? D.epochs[0].et : D.campaign.epochs[0];
      const list = D.epochs.length ? D.epochs.map((e) => e.et) : D.campaign.epochs;
      const b = list[list.length - 1];
      const i0 = Math.max(0, Math.round((a - O.path_et[0]) / dt));
      const i1 = Math.min(O.path.length - 1, Math.round((b - O.path_et[0]) / dt));
      const arc = O.path.slice(i0, i1 + 1).map((p) => P(p).join(",")).join(" ");
      el("polyline", { points: arc, class: "orbit-covered" }, svg);
    }
    el("circle", { cx: c, cy, r: Math.max(3, O.earth_radius_arcsec * k), fill: COLOURS.earth }, svg);
    const taken = [[c - 5, cy - 5, c + 5, cy + 5]];
    const labels = [{ x: c, y: cy, r: 4, text: "Earth", colour: COLOURS.earth }];
    const marks = D.epochs.length ? D.epochs.map((e) => e.utc) : (D.campaign ? D.campaign.epochs : []);
    O.marks.forEach((m, j) => {
      const [x, y] = P(m);
      el("circle", { cx: x, cy: y, r: 4.5, class: "orbit-mark" }, svg);
      taken.push([x - 5, y - 5, x + 5, y + 5]);
      const label = typeof marks[j] === "string" ? fmtDate(marks[j]).slice(5, 10) : `plan ${j + 1}`;
      labels.push({ x, y, r: 5, text: label, colour: "#ffb060" });
    });
    // the compass in the corner farthest from the orbit's path
    const path = O.path.map(P);
    const corners = [[S - 36, H - 36], [36, H - 36], [S - 36, 36], [36, 36]];
    const clearance = (q) => Math.min(...path.map((p) => Math.hypot(p[0] - q[0], p[1] - q[1])));
    const [qx, qy] = corners.reduce((a, b) => (clearance(b) > clearance(a) + 1 ? b : a));
    compass(svg, qx, qy, [0, -1], [-1, 0], 20, taken);
    placeLabels(svg, labels, taken, [0, 0, S, H], 12);
    el("circle", { id: "orbit-now", cx: -10, cy: -10, r: 4, class: "orbit-now" }, svg);
    const share = O.share;
    $("orbit-caption").textContent = O.marks.length >= 2
      ? `The ${O.marks_label} (orange) span ${(share * 100).toFixed(1)}% of the Moon's orbit around ` +
        `Earth (bold arc)${share > 0.5 ? ": more than half" : ""}. Grey: one orbit (${O.days.toFixed(2)} d) ` +
        "from the first frame; red: the Moon at the slider's instant. North up, east left."
      : "The Moon around Earth over one orbit; red: at the slider's instant. North up, east left.";
    orbitScale = { P };
  }
  let orbitScale = null;

  // ---- claims --------------------------------------------------------------------------------
  function buildClaims() {
    const ul = $("claims");
    if (!D.claims.length) { $("claims-panel").hidden = true; return; }
    ul.innerHTML = D.claims.map((c, k) => {
      const cls = c.verdict.split(" ")[0].replace(/[^a-z]/g, "");
      const about = c.epoch === null ? "the whole sequence" : `frame ${c.epoch + 1}`;
      return `<li class="claim" data-claim="${k}" data-epoch="${c.epoch ?? ""}">` +
        `<span class="verdict ${cls}">${c.verdict}</span> <b>${escapeHtml(c.claim)}</b>` +
        ` <span class="src">(${escapeHtml(c.source)}; about ${about})</span>` +
        `<div>computed: ${escapeHtml(c.computed)}. ${escapeHtml(c.why)}</div></li>`;
    }).join("");
    ul.querySelectorAll("li.claim").forEach((li) => li.addEventListener("click", () => {
      const e = li.dataset.epoch;
      if (e !== "" && D.epochs[Number(e)]) go(nearestStep(D.epochs[Number(e)].et));
    }));
  }
  function escapeHtml(t) {
    return String(t).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
  }

  // ---- one step ------------------------------------------------------------------------------
  function update(i) {
    const s = D.steps[i];
    slider.value = String(i);
    $("utc").textContent = s.utc + " UTC";
    const tags = [`step ${i + 1} of ${N}`];
    if (s.published !== null) tags.push(`published frame ${s.published + 1}`);
    if (s.campaign !== null) tags.push(`campaign frame ${s.campaign + 1}`);
    const inWin = D.windows.spans.findIndex((w) => s.et >= w.start && s.et <= w.stop);
    tags.push(inWin >= 0 ? `in window ${inWin + 1}` : "outside every window");
    $("stepinfo").textContent = tags.join(" · ");
    drawFrame(i);
    drawOverlay(s);
    drawSky(s);
    fillNumbers(s);
    const lit = s.bodies.filter((b) => b.in_frame).map((b) =>
      `${title(b.name)} at (${b.x.toFixed(1)}, ${b.y.toFixed(1)}) px` + (b.snr !== null ? `, SNR ${b.snr}` : "") +
      (b.saturated ? ", saturated" : ""));
    $("frame-caption").textContent = `${D.camera.title}: exposure ${s.exposure_ms.toPrecision(3)} ms; ` +
      `box ${box.w} x ${box.h} px from (${box.x0}, ${box.y0})` + (box.bin > 1 ? `, shown binned ${box.bin}x${box.bin}` : "") +
      ` of ${D.camera.columns} x ${D.camera.rows}; ` + (lit.length ? lit.join("; ") : "no target on the detector") +
      (s.stars_drawn ? `; ${s.stars_drawn} star(s) drawn` : "") + (s.warnings.length ? ". " + s.warnings.join("; ") : "");
    const cur = $("cursor");
    if (cur) { const x = tx(s.et); cur.setAttribute("x1", x); cur.setAttribute("x2", x); }
    if (orbitScale && D.orbit.steps[i]) {
      const [x, y] = orbitScale.P(D.orbit.steps[i]);
      $("orbit-now").setAttribute("cx", x);
      $("orbit-now").setAttribute("cy", y);
    }
    const here = [];
    document.querySelectorAll("#claims li.claim").forEach((li) => {
      const on = li.dataset.epoch !== "" && Number(li.dataset.epoch) === s.published;
      li.classList.toggle("current", on);
      if (on) here.push(D.claims[Number(li.dataset.claim)]);
    });
    $("frame-claims").innerHTML = here.map((c) =>
      `<div><span class="verdict ${c.verdict.split(" ")[0].replace(/[^a-z]/g, "")}">${c.verdict}</span> ` +
      `${escapeHtml(c.claim)}: ${escapeHtml(c.computed)}</div>`).join("");
  }

  function go(i) {
    i = Math.max(0, Math.min(N - 1, Math.round(i)));
    if (i === current) return;
    const t0 = performance.now();
    current = i;
    update(i);
    view.lastUpdateMs = performance.now() - t0;
  }
  function play() {
    if (timer) { clearInterval(timer); timer = null; $("play").textContent = "▶ play"; return; }
    if (current >= N - 1) go(0);
    $("play").textContent = "❚❚ pause";
    timer = setInterval(() => {
      if (current >= N - 1) { play(); return; }
      go(current + 1);
    }, 180);
  }
  function nextMarked(dir) {
    const marks = D.steps.map((s, i) => (s.published !== null || s.campaign !== null ? i : -1)).filter((i) => i >= 0);
    const t = dir > 0 ? marks.find((i) => i > current) : marks.reverse().find((i) => i < current);
    if (t !== undefined) go(t);
  }

  slider.max = String(N - 1);
  slider.addEventListener("input", () => go(Number(slider.value)));
  $("first").addEventListener("click", () => go(0));
  $("prev").addEventListener("click", () => go(current - 1));
  $("next").addEventListener("click", () => go(current + 1));
  $("last").addEventListener("click", () => go(N - 1));
  $("play").addEventListener("click", play);
  $("prev-mark").addEventListener("click", () => nextMarked(-1));
  $("next-mark").addEventListener("click", () => nextMarked(1));
  $("show-labels").addEventListener("change", () => drawOverlay(D.steps[current]));
  $("brighten").addEventListener("change", () => {
    canvas.style.filter = $("brighten").checked ? "brightness(5)" : ""; // display only: pixels unchanged
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target === slider && ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End",
      "PageUp", "PageDown"].includes(ev.key)) return; // the slider steps itself and says so
    if (ev.key === "ArrowRight" || ev.key === "ArrowUp") { go(current + 1); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowDown") { go(current - 1); ev.preventDefault(); }
    else if (ev.key === "Home") go(0);
    else if (ev.key === "End") go(N - 1);
    else if (ev.key === "PageDown") nextMarked(1);
    else if (ev.key === "PageUp") nextMarked(-1);
    else if (ev.key === " " && ev.target.tagName !== "BUTTON") { play(); ev.preventDefault(); }
  });

  const view = { data: D, go, lastUpdateMs: 0, get current() { return current; }, canvasZoom: zoom };
  window.paledotView = view;
  buildNumbers();
  buildTimeline();
  buildOrbit();
  buildClaims();
  if (!D.served) for (let i = 0; i < N; i++) image(i); // decode every embedded frame once, up front
  const start = D.steps.findIndex((s) => s.published !== null);
  go(start >= 0 ? start : 0);
})();
