// report.html: the timeline, the list of moments and the trends, drawn from the session's data (inlined by
// report/html.py). Times in the data are integer milliseconds; the timeline works in seconds.
//
// The timeline's content sits in one group whose transform alone changes on zoom and pan (strokes do not
// scale), so a frame costs one attribute and the time axis, whatever the number of events.
(function () {
  "use strict";

  const D = JSON.parse(document.getElementById("session-data").textContent);
  const audio = document.getElementById("audio");
  const N = D.names.length;
  const DURATION_S = Math.max(D.duration_ms, 1000) / 1000;
  const SEEK_BEFORE_S = D.seek_before_ms / 1000;
  const LANE_H = 58, BAR_H = 22, TOP = 6, AXIS_H = 22, LEFT = 150, RIGHT = 10;
  const LANES_H = N * LANE_H;
  const MIN_SPAN_S = 2;
  const KIND_WORDS = {interruption: "interruption", backchannel: "backchannel", simultaneous_start: "simultaneous start",
                      transition_overlap: "transition overlap", pause: "pause", gap: "gap"};
  const MARKS = new Set(["interruption", "backchannel", "simultaneous_start", "transition_overlap"]);
  const KIND_COLOURS = {interruption: D.style.ink, backchannel: D.style.backchannel,
                        simultaneous_start: D.style.simultaneous_start, transition_overlap: D.style.transition_overlap,
                        pause: "#a0aec0", gap: "#d69e2e"};

  const svg = document.getElementById("timeline-svg");
  const box = document.getElementById("timeline");
  const tooltip = document.getElementById("tooltip");
  const events = D.events.map((e, i) => ({i, kind: e[0], start: e[1] / 1000, end: e[2] / 1000, by: e[3], to: e[4],
                                           outcome: e[5], startText: (e[1] / 1000).toFixed(3)}));
  const view = {t0: 0, span: DURATION_S};
  let width = 600;           // of the plot, px
  let world, cursor, cursorHead, gridLines, tickLabels, markEls = [], rangeText, trendView;
  let scheduled = false, followPlayback = true, selected = null;

  // --- formatting ---------------------------------------------------------------------------
  function clock(s, tenths) {
    const neg = s < 0 ? "-" : "";
    s = Math.abs(s);
    let whole = tenths ? Math.floor(s) : Math.round(s);
    const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), sec = whole % 60;
    let text = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
    if (tenths) text += "." + Math.floor((s - whole) * 10 + 1e-6);
    return neg + text;
  }
  const secs = (s) => s.toFixed(2) + " s";
  const who = (e) => {
    if (e.kind === "pause") return D.names[e.by];
    if (e.kind === "gap") return D.names[e.to] + " → " + D.names[e.by];
    return D.names[e.by] + " → " + D.names[e.to];
  };
  const what = (e) => KIND_WORDS[e.kind] + (e.outcome ? ", " + e.outcome : "");
  function describe(e) {
    const at = " at " + clock(e.start, true);
    if (e.kind === "pause") return "Pause of " + D.names[e.by] + ": " + secs(e.end - e.start) + at;
    if (e.kind === "gap") return "Gap " + secs(e.end - e.start) + at + ": " + D.names[e.to] + " stopped, " +
      D.names[e.by] + " answered (" + D.names[e.by] + "'s response latency)";
    const overlap = e.kind === "interruption" && e.outcome === "successful" ? ", overlap " : ", lasting ";
    return what(e)[0].toUpperCase() + what(e).slice(1) + ": " + who(e) + at + overlap + secs(e.end - e.start);
  }
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const n3 = (x) => Math.round(x * 1000) / 1000;

  // --- timeline: built once ---------------------------------------------------------------
  const laneMid = (k) => k * LANE_H + LANE_H / 2;
  const barTop = (k) => laneMid(k) - BAR_H / 2;

  function worldMarkup() {
    const parts = [];
    for (let k = 0; k < N; k++) parts.push(`<line class="lane-line" x1="0" x2="${DURATION_S}" y1="${laneMid(k)}" ` +
      `y2="${laneMid(k)}" vector-effect="non-scaling-stroke"/>`);
    for (const e of events) {
      if (e.kind !== "gap") continue;
      const y0 = Math.min(laneMid(e.by), laneMid(e.to)), y1 = Math.max(laneMid(e.by), laneMid(e.to));
      parts.push(`<rect class="sil gap" data-i="${e.i}" data-kind="gap" data-start-s="${e.startText}" x="${e.start}" ` +
        `width="${n3(e.end - e.start)}" y="${y0}" height="${y1 - y0}"/>`);
    }
    D.spurts.forEach((flat, k) => {
      let d = "";
      for (let j = 0; j < flat.length; j += 2) d += `M${flat[j] / 1000} ${barTop(k)}h${(flat[j + 1] - flat[j]) / 1000}v${BAR_H}H${flat[j] / 1000}z`;
      parts.push(`<path class="spurts" fill="${D.colours[k]}" d="${d}"/>`);
    });
    let d = "";
    for (let j = 0; j < D.overlaps.length; j += 2) d += `M${D.overlaps[j] / 1000} 0h${(D.overlaps[j + 1] - D.overlaps[j]) / 1000}v${LANES_H}H${D.overlaps[j] / 1000}z`;
    parts.push(`<path class="overlap" d="${d}"/>`);
    for (const e of events) {
      if (e.kind !== "pause") continue;
      parts.push(`<rect class="sil pause" data-i="${e.i}" data-kind="pause" data-start-s="${e.startText}" x="${e.start}" ` +
        `width="${n3(e.end - e.start)}" y="${laneMid(e.by) - 3}" height="6"/>`);
    }
    for (const e of events) {
      if (!MARKS.has(e.kind)) continue;
      let y1, y2;
      if (e.kind === "interruption") { y1 = barTop(e.by) - 16; y2 = barTop(e.by) + 5; }
      else { y1 = barTop(e.by) + BAR_H - 4; y2 = barTop(e.by) + BAR_H + 13; }
      parts.push(`<line class="mk ${e.kind} ${e.outcome}" data-i="${e.i}" data-kind="${e.kind}" ` +
        `data-start-s="${e.startText}"${e.outcome ? ` data-outcome="${e.outcome}"` : ""} x1="${e.start}" x2="${e.start}" ` +
        `y1="${y1}" y2="${y2}"/>`);
    }
    parts.push('<g id="moments"></g>');
    return parts.join("");
  }

  function buildTimeline() {
    const labels = D.labels.map((label, k) => `<text class="lane-label" x="-12" y="${laneMid(k) + 4}" ` +
      `text-anchor="end" fill="${D.colours[k]}" style="fill:${D.colours[k]}">${esc(label)}</text>`).join("");
    let grid = "", ticks = "";
    for (let j = 0; j < 40; j++) {
      grid += `<line y1="0" y2="${LANES_H}" visibility="hidden"/>`;
      ticks += `<text class="tick-label" y="16" text-anchor="middle" visibility="hidden"></text>`;
    }
    svg.setAttribute("height", TOP + LANES_H + AXIS_H);
    svg.innerHTML =
      `<defs><clipPath id="tl-clip"><rect id="tl-clip-rect" x="0" y="-2" height="${LANES_H + 4}" width="10"/></clipPath></defs>` +
      `<g transform="translate(${LEFT},${TOP})">` +
      `<rect class="plot-bg" id="plot-bg" x="0" y="0" height="${LANES_H}" width="10"/>` +
      `<g class="grid" id="grid">${grid}</g>` +
      `<g clip-path="url(#tl-clip)"><g id="world">${worldMarkup()}</g>` +
      `<line id="cursor" y1="-2" y2="${LANES_H + 2}" x1="0" x2="0"/>` +
      `<path id="cursor-head" d="M-5 -2h10l-5 6z"/></g>` +
      `<g id="ticks" transform="translate(0,${LANES_H})">${ticks}</g>${labels}</g>`;
    world = document.getElementById("world");
    cursor = document.getElementById("cursor");
    cursorHead = document.getElementById("cursor-head");
    gridLines = Array.from(document.getElementById("grid").children);
    tickLabels = Array.from(document.getElementById("ticks").children);
    rangeText = document.getElementById("view-range");
    markEls = new Array(events.length);
    for (const el of world.querySelectorAll("[data-i]")) markEls[+el.dataset.i] = el;
  }

  function measure() {
    width = Math.max(200, box.clientWidth - LEFT - RIGHT);
    for (const id of ["tl-clip-rect", "plot-bg"]) document.getElementById(id).setAttribute("width", width);
  }

  // --- timeline: each frame ---------------------------------------------------------------
  const scale = () => width / view.span;
  const xOf = (t) => (t - view.t0) * scale();
  const tOf = (x) => view.t0 + x / scale();

  function clampView() {
    view.span = Math.min(DURATION_S, Math.max(Math.min(MIN_SPAN_S, DURATION_S), view.span));
    view.t0 = Math.min(DURATION_S - view.span, Math.max(0, view.t0));
  }

  function schedule() {
    if (!scheduled) { scheduled = true; requestAnimationFrame(draw); }
  }

  function draw() {
    scheduled = false;
    const k = scale();
    world.setAttribute("transform", `matrix(${k} 0 0 1 ${-view.t0 * k} 0)`);
    drawAxis();
    drawCursor();
    rangeText.textContent = clock(view.t0, view.span < 60) + " – " + clock(view.t0 + view.span, view.span < 60) +
      " (" + (view.span < 120 ? view.span.toFixed(1) + " s" : clock(view.span)) + " shown)";
    if (trendView) {
      trendView.setAttribute("x", trendView.dataset.x0 * 1 + view.t0 * trendView.dataset.k);
      trendView.setAttribute("width", Math.max(2, view.span * trendView.dataset.k));
    }
  }

  function drawAxis() {
    const steps = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
    const step = steps.find((s) => view.span / s <= width / 90) || 7200;
    let t = Math.ceil(view.t0 / step) * step, j = 0;
    for (; t <= view.t0 + view.span + 1e-9 && j < gridLines.length; t += step, j++) {
      const x = xOf(t).toFixed(1);
      gridLines[j].setAttribute("x1", x); gridLines[j].setAttribute("x2", x);
      gridLines[j].setAttribute("visibility", "visible");
      tickLabels[j].setAttribute("x", x);
      tickLabels[j].textContent = clock(t, step < 1);
      tickLabels[j].setAttribute("visibility", "visible");
    }
    for (; j < gridLines.length; j++) {
      gridLines[j].setAttribute("visibility", "hidden");
      tickLabels[j].setAttribute("visibility", "hidden");
    }
  }

  function drawCursor() {
    const t = audio ? audio.currentTime : 0;
    const x = xOf(t);
    const shown = x >= -1 && x <= width + 1;
    cursor.setAttribute("transform", `translate(${x.toFixed(1)},0)`);
    cursorHead.setAttribute("transform", `translate(${x.toFixed(1)},0)`);
    cursor.setAttribute("visibility", shown ? "visible" : "hidden");
    cursorHead.setAttribute("visibility", shown ? "visible" : "hidden");
  }

  function show(t0, span) {
    view.t0 = t0; view.span = span;
    clampView();
    schedule();
  }

  function zoomAt(factor, tFixed) {
    const span = Math.min(DURATION_S, Math.max(MIN_SPAN_S, view.span * factor));
    const share = (tFixed - view.t0) / view.span;
    show(tFixed - share * span, span);
  }

  function reveal(start, end) {
    // bring [start, end] into view: zoomed in on it if the view is wide, else just panned to it
    const wanted = Math.max(20, (end - start) * 3);
    if (view.span > Math.max(120, wanted * 4)) show((start + end) / 2 - wanted / 2, wanted);
    else if (start < view.t0 || end > view.t0 + view.span) show((start + end) / 2 - view.span / 2, view.span);
  }

  // --- playing ----------------------------------------------------------------------------
  function playFrom(t) {
    if (!audio) return;
    audio.currentTime = Math.max(0, t - SEEK_BEFORE_S);
    followPlayback = true;
    const playing = audio.play();
    if (playing) playing.catch(() => {});      // no sound device, or the browser wants a click first
    schedule();
  }

  function seekTo(t) {
    if (!audio) return;
    audio.currentTime = Math.max(0, t - SEEK_BEFORE_S);
    schedule();
  }

  function followLoop() {
    if (!audio || audio.paused) return;
    const t = audio.currentTime;
    if (followPlayback && (t < view.t0 || t > view.t0 + view.span)) show(t - view.span * 0.1, view.span);
    drawCursor();
    requestAnimationFrame(followLoop);
  }

  if (audio) {
    audio.addEventListener("play", () => requestAnimationFrame(followLoop));
    for (const name of ["seeked", "timeupdate", "pause"]) audio.addEventListener(name, schedule);
    audio.addEventListener("error", () => { document.getElementById("audio-error").hidden = false; });
  }

  function select(e) {
    if (selected !== null && markEls[selected]) markEls[selected].classList.remove("sel");
    selected = e.i;
    if (markEls[e.i]) markEls[e.i].classList.add("sel");
    for (const row of listBody.querySelectorAll("tr.sel")) row.classList.remove("sel");
    const row = listBody.querySelector(`tr[data-i="${e.i}"]`);
    if (row) {
      row.classList.add("sel");
      const wrap = listBody.closest(".list-wrap");
      if (row.offsetTop < wrap.scrollTop + 28 || row.offsetTop > wrap.scrollTop + wrap.clientHeight - 24)
        wrap.scrollTop = row.offsetTop - wrap.clientHeight / 2;
    }
  }

  // --- timeline interaction ---------------------------------------------------------------
  let drag = null, dragged = false;
  const plotX = (ev) => ev.clientX - svg.getBoundingClientRect().left - LEFT;

  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const x = plotX(ev);
    if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY) || ev.shiftKey) {
      show(view.t0 + (ev.deltaX || ev.deltaY) / scale(), view.span);
    } else {
      zoomAt(Math.exp(ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015)), tOf(Math.min(width, Math.max(0, x))));
    }
    followPlayback = false;
  }, {passive: false});

  svg.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    drag = {x: ev.clientX, t0: view.t0, id: ev.pointerId};
    dragged = false;
  });
  window.addEventListener("pointermove", (ev) => {
    if (drag && ev.pointerId === drag.id) {
      const dx = ev.clientX - drag.x;
      if (!dragged && Math.abs(dx) > 3) {
        dragged = true;
        svg.classList.add("dragging");
        tooltip.hidden = true;
      }
      if (dragged) { followPlayback = false; show(drag.t0 - dx / scale(), view.span); }
    }
  });
  window.addEventListener("pointerup", () => { drag = null; svg.classList.remove("dragging"); });

  const plotY = (ev) => ev.clientY - svg.getBoundingClientRect().top - TOP;
  const markStarts = events.filter((e) => MARKS.has(e.kind));

  function eventAt(ev) {
    // the event under the pointer, or a mark within a few pixels of it in its lane (marks are thin)
    const target = ev.target.closest("[data-i]");
    if (target) return events[+target.dataset.i];
    const t = tOf(plotX(ev)), lane = Math.floor(plotY(ev) / LANE_H), near = 6 / scale();
    let lo = 0, hi = markStarts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (markStarts[mid].start < t - near) lo = mid + 1; else hi = mid; }
    let best = null;
    for (let j = lo; j < markStarts.length && markStarts[j].start <= t + near; j++) {
      const e = markStarts[j];
      if (e.by === lane && (!best || Math.abs(e.start - t) < Math.abs(best.start - t))) best = e;
    }
    return best;
  }

  svg.addEventListener("click", (ev) => {
    if (dragged) { dragged = false; return; }
    const e = eventAt(ev);
    if (e) {
      select(e);
      playFrom(e.start);
      return;
    }
    const x = plotX(ev);
    if (x >= 0 && x <= width && audio) {
      audio.currentTime = Math.max(0, Math.min(DURATION_S, tOf(x)));
      schedule();
    }
  });

  svg.addEventListener("mousemove", (ev) => {
    if (dragged) return;
    const e = eventAt(ev);
    if (!e) { tooltip.hidden = true; return; }
    tooltip.textContent = describe(e);
    tooltip.hidden = false;
    const r = box.getBoundingClientRect();
    let left = ev.clientX - r.left + 12;
    if (left + tooltip.offsetWidth > r.width) left = Math.max(0, ev.clientX - r.left - tooltip.offsetWidth - 12);
    tooltip.style.left = left + "px";
    tooltip.style.top = (ev.clientY - r.top + 14) + "px";
  });
  svg.addEventListener("mouseleave", () => { tooltip.hidden = true; });

  document.getElementById("zoom-in").addEventListener("click", () => zoomAt(0.5, view.t0 + view.span / 2));
  document.getElementById("zoom-out").addEventListener("click", () => zoomAt(2, view.t0 + view.span / 2));
  document.getElementById("zoom-all").addEventListener("click", () => show(0, DURATION_S));

  document.addEventListener("keydown", (ev) => {
    const tag = ev.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === " " && audio && tag !== "BUTTON" && tag !== "AUDIO") {
      ev.preventDefault();
      if (audio.paused) { const p = audio.play(); if (p) p.catch(() => {}); } else audio.pause();
    } else if (ev.key === "+" || ev.key === "=") zoomAt(0.5, view.t0 + view.span / 2);
    else if (ev.key === "-") zoomAt(2, view.t0 + view.span / 2);
    else if (ev.key === "0") show(0, DURATION_S);
    else if (ev.key === "ArrowLeft") show(view.t0 - view.span / 5, view.span);
    else if (ev.key === "ArrowRight") show(view.t0 + view.span / 5, view.span);
  });

  // --- the list of moments ----------------------------------------------------------------
  const listBody = document.querySelector("#event-list tbody");
  const kindSelect = document.getElementById("filter-kind");
  const bySelect = document.getElementById("filter-by");
  const toSelect = document.getElementById("filter-to");
  const focusBox = document.getElementById("focus");
  const countText = document.getElementById("event-count");
  let shownMoments = null;       // a figure's moments, when the list shows them instead of the events
  let listGeneration = 0;        // which listing the rows still to come belong to
  const FIRST_ROWS = 120;
  const afterPaint = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));

  function eventFilter() {
    const [kind, outcome] = kindSelect.value.split("/");
    const by = bySelect.value === "" ? null : +bySelect.value, to = toSelect.value === "" ? null : +toSelect.value;
    return (e) => (!kind || e.kind === kind) && (!outcome || e.outcome === outcome) &&
                  (by === null || e.by === by) && (to === null || e.to === to);
  }

  function filterTitle() {
    const parts = [kindSelect.value ? kindSelect.selectedOptions[0].textContent.replace(/^— /, "interruptions, ") : "events"];
    if (bySelect.value) parts.push("by " + D.names[+bySelect.value]);
    if (toSelect.value) parts.push("to " + D.names[+toSelect.value]);
    return parts.join(" ");
  }

  function listEvents(highlight) {
    shownMoments = null;
    clearMoments();
    const keep = eventFilter();
    const chosen = events.filter(keep);
    const rows = chosen.map((e) => `<tr data-i="${e.i}"><td>${clock(e.start, true)}</td><td><i class="kind" ` +
      `style="background:${KIND_COLOURS[e.kind]}"></i>${esc(what(e))}</td><td>${esc(who(e))}</td>` +
      `<td>${secs(e.end - e.start)}</td></tr>`);
    // a long list comes in two parts: what shows first, then the rest once the page is drawn
    const generation = ++listGeneration;
    listBody.innerHTML = rows.slice(0, FIRST_ROWS).join("") || '<tr class="empty"><td colspan="4">none</td></tr>';
    if (rows.length > FIRST_ROWS) afterPaint(() => setTimeout(() => {
      if (generation === listGeneration) listBody.insertAdjacentHTML("beforeend", rows.slice(FIRST_ROWS).join(""));
    }, 0));
    countText.textContent = chosen.length + " of " + events.length + " events";
    const filtering = highlight && chosen.length < events.length;
    focusBox.hidden = !(kindSelect.value || bySelect.value || toSelect.value);
    document.getElementById("focus-title").textContent = filterTitle() + " (" + chosen.length + ")";
    svg.classList.toggle("filtering", filtering);
    for (const e of events) if (markEls[e.i]) markEls[e.i].classList.toggle("hl", filtering && keep(e));
    return chosen;
  }

  function clearMoments() {
    document.getElementById("moments").innerHTML = "";
  }

  function listMoments(title, moments) {
    // moments: {start, end, text, lane}: a stretch (end > start) or a point in time
    shownMoments = moments;
    listGeneration++;
    focusBox.hidden = false;
    document.getElementById("focus-title").textContent = title + " (" + moments.length + ")";
    listBody.innerHTML = moments.map((m, j) => `<tr data-m="${j}"><td>${clock(m.start, true)}</td>` +
      `<td colspan="2">${esc(m.text)}</td><td>${m.end > m.start ? secs(m.end - m.start) : ""}</td></tr>`).join("") ||
      '<tr class="empty"><td colspan="4">none</td></tr>';
    countText.textContent = "";
    svg.classList.add("filtering");
    for (const el of markEls) if (el) el.classList.remove("hl");
    document.getElementById("moments").innerHTML = moments.map((m) => m.end > m.start
      ? `<rect class="moment" x="${m.start}" width="${n3(m.end - m.start)}" y="${m.lane * LANE_H + 3}" height="${LANE_H - 6}"/>`
      : `<line class="moment-at" x1="${m.start}" x2="${m.start}" y1="0" y2="${LANES_H}"/>`).join("");
  }

  function turnMoments(k, order, limit) {
    let turns = D.turns.filter((t) => t[0] === k).map((t) => ({start: t[1] / 1000, end: t[2] / 1000, ms: t[2] - t[1], lane: k}));
    if (order !== "time") turns.sort((a, b) => b.ms - a.ms || a.start - b.start);
    if (limit) turns = turns.slice(0, limit);
    for (const t of turns) t.text = "turn of " + D.names[k];
    return turns;
  }

  function coachingMoments(key) {
    const me = D.trainee;
    return (D.coaching[key] || []).map((m) => {
      if (key === "monologue") return {start: m.start_s, end: m.start_s + m.length_s, lane: me, text: "turn longer than the alert"};
      const text = m.offset_s < 0 ? "came in " + secs(-m.offset_s) + " before the client stopped"
                                  : "answered " + secs(m.offset_s) + " after the client stopped";
      return {start: m.start_s, end: m.start_s, lane: me, text};
    });
  }

  for (const sel of [kindSelect, bySelect, toSelect]) sel.addEventListener("change", () => listEvents(true));
  document.getElementById("focus-clear").addEventListener("click", () => {
    kindSelect.value = bySelect.value = toSelect.value = "";
    listEvents(false);
    for (const b of document.querySelectorAll(".fig.active")) b.classList.remove("active");
  });

  listBody.addEventListener("click", (ev) => {
    const row = ev.target.closest("tr");
    if (!row) return;
    if (row.dataset.i !== undefined) {
      const e = events[+row.dataset.i];
      select(e);
      reveal(e.start, e.end);
      playFrom(e.start);
    } else if (row.dataset.m !== undefined && shownMoments) {
      const m = shownMoments[+row.dataset.m];
      reveal(m.start, m.end);
      playFrom(m.start);
    }
  });

  // --- the figures: each lists the moments behind it --------------------------------------
  document.addEventListener("click", (ev) => {
    const button = ev.target.closest("button.fig.link");
    if (!button) return;
    for (const b of document.querySelectorAll(".fig.active")) b.classList.remove("active");
    button.classList.add("active");
    const spec = JSON.parse(button.dataset.show);
    let first = null;
    if (spec.turns !== undefined) {
      const moments = turnMoments(spec.turns, spec.order, spec.limit);
      listMoments(spec.title, moments);
      first = moments[0] || null;
    } else if (spec.coaching) {
      const moments = coachingMoments(spec.coaching);
      listMoments(spec.title, moments);
      first = moments.slice().sort((a, b) => a.start - b.start)[0] || null;
    } else {
      kindSelect.value = spec.kind + (spec.outcome ? "/" + spec.outcome : "");
      bySelect.value = spec.by === undefined ? "" : String(spec.by);
      toSelect.value = spec.to === undefined ? "" : String(spec.to);
      const chosen = listEvents(true);
      first = chosen[0] || null;
    }
    if (first) { seekTo(first.start); if (spec.limit === 1) reveal(first.start, first.end); }
  });

  // --- trends within the session ----------------------------------------------------------
  function buildTrends() {
    // columns as long as their stretch of the session (the last one may be shorter)
    const host = document.getElementById("trends-chart");
    const T = D.trends, bins = T.talk_ms.length, binS = T.bin_s;
    const w = Math.max(260, host.clientWidth), left = 44, right = 8, h1 = 90, h2 = 60, gap = 44, top = 18;
    const k = (w - left - right) / DURATION_S;
    const per = binS === 60 ? "minute" : binS / 60 + " minutes";
    const maxInt = Math.max(1, ...T.interruptions.map((row) => Math.max(...row)));
    const y2top = top + h1 + gap, bottom = y2top + h2;
    let out = `<text class="title" x="0" y="11">Talk share per ${per}</text>` +
      `<text class="title" x="0" y="${y2top - 24}">Interruptions made per ${per}</text>`;
    for (const p of [0, 50, 100]) {
      const y = top + h1 - h1 * p / 100;
      out += `<line x1="${left}" x2="${w - right}" y1="${y}" y2="${y}" stroke="#edf2f7"/>` +
        `<text x="${left - 5}" y="${y + 4}" text-anchor="end">${p} %</text>`;
    }
    const everyone = D.names.map((_, i) => i);
    const order = D.trainee === null ? everyone : [D.trainee, ...everyone.filter((i) => i !== D.trainee)];
    const labelEvery = Math.max(1, Math.ceil(bins / 12));
    T.talk_ms.forEach((row, b) => {
      const t0 = b * binS, t1 = Math.min((b + 1) * binS, DURATION_S);
      const colW = (t1 - t0) * k, x = left + t0 * k + Math.min(3, colW * 0.1), bw = Math.max(1, colW - 2 * Math.min(3, colW * 0.1));
      const span = clock(t0) + "–" + clock(t1);
      const all = row.reduce((a, v) => a + v, 0);
      let y = top + h1;
      for (const s of all ? order : []) {
        const hh = h1 * row[s] / all;
        y -= hh;
        out += `<rect x="${x}" y="${y}" width="${bw}" height="${hh}" fill="${D.colours[s]}" opacity="0.85">` +
          `<title>${esc(D.names[s])}: ${Math.round(100 * row[s] / all)} % of the talk, ${span}</title></rect>`;
      }
      const group = bw / N;
      T.interruptions[b].forEach((count, s) => {
        const hh = h2 * count / maxInt;
        out += `<rect x="${x + s * group}" y="${bottom - hh}" width="${group * 0.9}" height="${hh}" fill="${D.colours[s]}">` +
          `<title>${esc(D.names[s])}: ${count} interruptions made, ${span}</title></rect>`;
        if (count && group > 9) out += `<text x="${x + s * group + group * 0.45}" y="${bottom - hh - 3}" text-anchor="middle">${count}</text>`;
      });
      if (b % labelEvery === 0) out += `<text x="${left + t0 * k}" y="${bottom + 14}" text-anchor="start">${clock(t0)}</text>`;
    });
    if (D.talk_share_target && D.trainee !== null) {
      const band = Math.round(D.talk_share_target.min * 100) + "–" + Math.round(D.talk_share_target.max * 100) + " %";
      for (const v of [D.talk_share_target.min, D.talk_share_target.max]) {
        const y = top + h1 - h1 * v;
        out += `<line class="target" x1="${left}" x2="${w - right}" y1="${y}" y2="${y}"><title>target for ` +
          `${esc(D.names[D.trainee])}: ${band}</title></line>`;
      }
    }
    out += `<line x1="${left}" x2="${w - right}" y1="${bottom}" y2="${bottom}" stroke="#cbd5e0"/>`;
    out += `<rect class="view" id="trend-view" y="${top - 2}" height="${bottom - top + 4}" data-x0="${left}" data-k="${k}"/>`;
    for (let b = 0; b < bins; b++) {
      const t0 = b * binS, t1 = Math.min((b + 1) * binS, DURATION_S);
      out += `<rect class="col" data-bin="${b}" x="${left + t0 * k}" y="${top}" width="${(t1 - t0) * k}" height="${bottom - top}"/>`;
    }
    host.innerHTML = `<svg height="${bottom + 20}" viewBox="0 0 ${w} ${bottom + 20}">${out}</svg>`;
    trendView = document.getElementById("trend-view");
  }

  document.getElementById("trends-chart").addEventListener("click", (ev) => {
    const col = ev.target.closest("[data-bin]");
    if (col) show(+col.dataset.bin * D.trends.bin_s, Math.min(D.trends.bin_s, DURATION_S));
  });

  // --- start --------------------------------------------------------------------------------
  buildTimeline();
  measure();
  buildTrends();
  draw();
  listEvents(false);
  window.addEventListener("resize", () => { measure(); buildTrends(); schedule(); });
  afterPaint(() => { document.documentElement.dataset.ready = performance.now().toFixed(1); });
})();
