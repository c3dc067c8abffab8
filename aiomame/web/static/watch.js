// The watch page: one WebSocket brings each env's frames (binary, see showFrames) and the
// pool's progress (JSON text); nothing else is fetched.
"use strict";
const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
const fpsSelect = document.getElementById("fps");
const zoomSelect = document.getElementById("zoom");
let fps = params.get("fps") || document.body.dataset.fps || "10";
if (![...fpsSelect.options].some(o => o.value === fps)) fpsSelect.add(new Option(fps));
fpsSelect.value = fps;
const tiles = [];
let rates = [];
let memory = [];
let ws = null;
window.aiomame = {frames: 0, stats: 0, connected: false};

// Only the tiles on screen get frames: the server is told which those are.
const onScreen = new Set();
const observer = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const id = Number(e.target.id.slice(3));
    e.isIntersecting ? onScreen.add(id) : onScreen.delete(id);
  }
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({visible: [...onScreen]}));
});

function tile(i) {
  const div = document.createElement("div");
  div.className = "tile";
  div.id = "env" + i;
  div.dataset.frames = "0";
  const img = document.createElement("img");
  img.alt = "env " + i;
  const line = document.createElement("div");
  line.className = "line";
  line.textContent = "env " + i;
  div.append(img, line);
  document.getElementById("grid").append(div);
  observer.observe(div);
  img.onload = () => {
    img.width = img.naturalWidth * Number(zoomSelect.value);
    if (img.dataset.old) URL.revokeObjectURL(img.dataset.old);
  };
  return {div, img, line};
}

function fmt(x) {
  if (x === null || x === undefined) return "–";
  if (Array.isArray(x)) return x.map(fmt).join("/");
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

function showStats(s) {
  window.aiomame.stats += 1;
  if (s.rate && (!rates.length || rates[rates.length - 1][0] !== s.rate[0])) rates.push(s.rate);
  if (rates.length > 600) rates.shift();
  const now = s.rate ? s.rate[1] : 0;
  document.getElementById("summary").textContent =
    `${tiles.length} envs · ${s.total_steps.toLocaleString()} steps · ${Math.round(now).toLocaleString()} steps/s`;
  for (let i = 0; i < tiles.length; i++) {
    const t = tiles[i];
    const ret = s.returns ? fmt(s.returns[i]) : "–";
    const last = s.last_returns ? fmt(s.last_returns[i]) : "–";
    const values = s.values[i] || [];
    const shown = memory.map((m, j) => [m, values[j]])
      .filter(([m]) => /score|lives|health|credits/.test(m)).slice(0, 3)
      .map(([m, v]) => `${m} ${v}`).join(" ");
    t.line.textContent = `env ${i} · episode ${s.episode[i]} · step ${s.steps[i]}\n` +
      `return ${ret} (last ${last}) · restarts ${s.restarts[i]}` + (shown ? `\n${shown}` : "");
    t.line.title = memory.map((m, j) => `${m} = ${values[j]}`).join("\n");
    t.div.classList.toggle("dead", s.dead[i]);
  }
  drawChart();
}

function drawChart() {
  const c = document.getElementById("chart");
  const g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  if (rates.length < 2) return;
  const t0 = rates[0][0], t1 = rates[rates.length - 1][0];
  const top = Math.max(1, ...rates.map(r => r[1])) * 1.1;
  g.strokeStyle = "#6c6";
  g.beginPath();
  rates.forEach(([t, v], k) => {
    const x = (t - t0) / Math.max(1e-9, t1 - t0) * (c.width - 2) + 1;
    const y = c.height - 1 - v / top * (c.height - 14);
    k ? g.lineTo(x, y) : g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#aab";
  g.font = "11px sans-serif";
  g.fillText(`steps/s (max ${Math.round(top / 1.1).toLocaleString()})`, 4, 11);
}

// A binary message: frames, each u16 env id, u32 length (big-endian), then the JPEG.
function showFrames(data) {
  const view = new DataView(data);
  for (let at = 0; at + 6 <= data.byteLength;) {
    const id = view.getUint16(at), length = view.getUint32(at + 2);
    const jpeg = new Uint8Array(data, at + 6, length);
    at += 6 + length;
    const t = tiles[id];
    if (!t) continue;
    const old = t.img.src;
    t.img.dataset.old = old && old.startsWith("blob:") ? old : "";
    t.img.src = URL.createObjectURL(new Blob([jpeg], {type: "image/jpeg"}));
    t.div.dataset.frames = String(Number(t.div.dataset.frames) + 1);
    window.aiomame.frames += 1;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${scheme}://${location.host}/stream?token=${encodeURIComponent(token)}&fps=${fps}`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => { window.aiomame.connected = true; };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") return showFrames(event.data);
    const m = JSON.parse(event.data);
    if (m.type === "hello") {
      document.getElementById("title").textContent = `aiomame: ${m.game}`;
      document.title = `aiomame: ${m.game} × ${m.envs}`;
      memory = m.memory;
      rates = m.rates;
      if (!tiles.length) for (let i = 0; i < m.envs; i++) tiles.push(tile(i));
    } else if (m.type === "stats") showStats(m);
  };
  ws.onclose = () => {
    window.aiomame.connected = false;
    document.getElementById("summary").textContent = "disconnected (the run ended?)";
  };
}

fpsSelect.onchange = () => {
  fps = fpsSelect.value;
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({fps: Number(fps)}));
};
zoomSelect.onchange = () => tiles.forEach(t => { t.img.width = t.img.naturalWidth * Number(zoomSelect.value); });
connect();
