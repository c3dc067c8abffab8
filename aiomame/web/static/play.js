// The play page: sends the held keys (KeyboardEvent.code) and a gamepad's over the WebSocket
// whenever they change; shows each step's frame (binary: u16 0, u32 length, JPEG) and line
// (JSON).
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const screen = document.getElementById("screen");
const held = new Set();
let read = new Set();
let ws = null;
let sent = "";
let padKeys = new Set();
let sticks = null;
let kind = "discrete";
let actions = [];
window.aiomame = {frames: 0, steps: [], connected: false};

// The standard gamepad layout onto the keys the server reads (see aiomame/web/keymap.py).
const PAD_BUTTONS = {0: "Space", 1: "KeyZ", 2: "KeyX", 3: "KeyC", 4: "KeyV", 5: "KeyA",
                     8: "Digit5", 9: "Digit1", 12: "ArrowUp", 13: "ArrowDown",
                     14: "ArrowLeft", 15: "ArrowRight"};

function send() {
  const keys = [...new Set([...held, ...padKeys])].sort();
  const message = JSON.stringify({keys, sticks});
  if (message === sent || !ws || ws.readyState !== WebSocket.OPEN) return;
  ws.send(message);
  sent = message;
  document.querySelectorAll("#keys td[data-key]").forEach(td =>
    td.classList.toggle("held", td.dataset.key.split(" / ").some(k => keys.includes(k))));
}

addEventListener("keydown", (e) => {
  if (!read.has(e.code)) return;
  e.preventDefault();
  held.add(e.code);
  send();
});
addEventListener("keyup", (e) => {
  if (!read.has(e.code)) return;
  e.preventDefault();
  held.delete(e.code);
  send();
});
addEventListener("blur", () => { held.clear(); send(); });

function pollGamepad() {
  const pad = [...(navigator.getGamepads ? navigator.getGamepads() : [])].find(p => p);
  const keys = new Set();
  let axes = null;
  if (pad) {
    document.getElementById("gamepad").textContent = "gamepad: " + pad.id;
    pad.buttons.forEach((b, i) => { if (b.pressed && PAD_BUTTONS[i]) keys.add(PAD_BUTTONS[i]); });
    const [x = 0, y = 0] = pad.axes;
    if (kind === "axes") axes = [x, y];
    else {
      if (x < -0.5) keys.add("ArrowLeft");
      if (x > 0.5) keys.add("ArrowRight");
      if (y < -0.5) keys.add("ArrowUp");
      if (y > 0.5) keys.add("ArrowDown");
    }
  }
  padKeys = keys;
  sticks = axes;
  send();
  requestAnimationFrame(pollGamepad);
}

function showKeys(rows) {
  const table = document.getElementById("keys");
  table.innerHTML = "<tr><td>key</td><td>input</td><td>actions</td></tr>";
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const [text, attr] of [[row.key, true], [row.input], [row.actions]]) {
      const td = document.createElement("td");
      td.textContent = text;
      if (attr) td.dataset.key = text;
      tr.append(td);
    }
    table.append(tr);
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${scheme}://${location.host}/stream?token=${encodeURIComponent(token)}`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => { window.aiomame.connected = true; sent = ""; send(); };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") {
      const old = screen.src;
      const length = new DataView(event.data).getUint32(2);  // u16 env 0, u32 length, JPEG
      screen.src = URL.createObjectURL(new Blob([new Uint8Array(event.data, 6, length)], {type: "image/jpeg"}));
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      window.aiomame.frames += 1;
      return;
    }
    const m = JSON.parse(event.data);
    if (m.type === "hello") {
      document.getElementById("title").textContent = `aiomame: ${m.game}`;
      document.title = `aiomame: play ${m.game}`;
      kind = m.kind;
      actions = m.actions;
      read = new Set(m.read);
      showKeys(m.keys);
    } else if (m.type === "step") {
      window.aiomame.steps.push(m);
      document.getElementById("status").textContent =
        `step ${m.step} · return ${m.return} · action ` +
        (kind === "discrete" && m.action !== null ? actions[m.action] : JSON.stringify(m.action));
      document.getElementById("info").textContent =
        Object.entries(m.values).map(([k, v]) => `${k} ${v}`).join("  ");
    }
  };
  ws.onclose = () => {
    window.aiomame.connected = false;
    document.getElementById("status").textContent = "disconnected (the game ended?)";
  };
}

screen.onload = () => { screen.width = screen.naturalWidth * 2; };
connect();
requestAnimationFrame(pollGamepad);
