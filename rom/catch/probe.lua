-- probe.lua: verification harness for the "catch" ROM (MAME 0.251, system invaders).
-- Run by check.sh as:  mame invaders -rompath ... -autoboot_script probe.lua
-- Environment: CATCH_SHOT = path for one raw BGRA frame of a game in progress
--              (optional). Prints "KEY value" lines; "ASSERT FAIL" lines on errors,
--              and ends with "RESULT PASS" or "RESULT FAIL".
-- All inputs come from a fixed script and a fixed-seed PRNG, so two runs must print
-- identical lines (check.sh diffs them, ignoring the TIMING lines).

local machine = manager.machine
local mem = machine.devices[":maincpu"].spaces["program"]
local screen = machine.screens[":screen"]
local ports = machine.ioport.ports
local F = {
  coin = ports[":IN1"].fields["Coin 1"],
  start = ports[":IN1"].fields["1 Player Start"],
  left = ports[":CONTP1"].fields["P1 Left"],
  right = ports[":CONTP1"].fields["P1 Right"],
}

-- RAM layout (see catch.asm / aiomame/games/catch_layout.py)
local A = {
  frame = 0x2000, gstate = 0x2005, gover = 0x2006, credits = 0x2007, score = 0x2008,
  scorebcd = 0x200A, lives = 0x200C, padx = 0x200D, event = 0x2013,
  obj = { {a = 0x2020, x = 0x2021, y = 0x2022}, {a = 0x2024, x = 0x2025, y = 0x2026} },
}
local function u8(a) return mem:read_u8(a) end
local function u16(a) return mem:read_u8(a) | (mem:read_u8(a + 1) << 8) end
local function u32(a) return u16(a) | (u16(a + 2) << 16) end

local failures = 0
local function out(...) print(table.concat({...}, " ")) end
local function check(cond, what)
  if not cond then failures = failures + 1; out("ASSERT FAIL", what) else out("ok", what) end
end

-- ---------------------------------------------------------------- pixels
-- pixels() is the unrotated 260x224 bitmap, 4 bytes per pixel (B,G,R,A).
-- Bitmap row r = video line = player-view x; bitmap column c = 4 + VRAM bit index,
-- player-view y = 259 - c.
local W, H = 260, 224
local function frame_pixels() return (screen:pixels()) end
local function lit(s, r, c) return s:byte((r * W + c) * 4 + 1) > 0 end
local function count_lit(s)
  local n = 0
  for i = 1, #s, 4 do if s:byte(i) > 0 then n = n + 1 end end
  return n
end
-- player-view x range of the paddle (rows 232..235 -> bitmap column 259-233 = 26)
local function paddle_pixels(s)
  local lo, hi
  for r = 0, H - 1 do
    if lit(s, r, 26) then lo = lo or r; hi = r end
  end
  return lo, hi
end
-- 64-bit FNV-style hash of a string, 4 bytes at a time
local WORDS = string.rep("I4", 32)
local function hash_str(s, h)
  h = h or 0xcbf29ce484222325
  local n = #s
  local pos = 1
  while pos + 127 <= n do
    local t = { string.unpack("<" .. WORDS, s, pos) }
    for i = 1, 32 do h = ((h ~ t[i]) * 0x100000001b3) & 0xffffffffffff end
    pos = pos + 128
  end
  for i = pos, n do h = ((h ~ s:byte(i)) * 0x100000001b3) & 0xffffffffffff end
  return h
end

-- ---------------------------------------------------------------- scheduler
-- The scenario runs in a coroutine; step() yields until the next frame is done.
local nframes = 0
local digest_ram = 0xcbf29ce484222325
local digest_pix = 0xcbf29ce484222325
local function set_inputs(coin, start, left, right)
  F.coin:set_value(coin and 1 or 0)
  F.start:set_value(start and 1 or 0)
  F.left:set_value(left and 1 or 0)
  F.right:set_value(right and 1 or 0)
end
local function step(n) for _ = 1, (n or 1) do coroutine.yield() end end

local function state()
  return { gstate = u8(A.gstate), gover = u8(A.gover), credits = u8(A.credits),
           score = u16(A.score), lives = u8(A.lives), padx = u8(A.padx), event = u8(A.event) }
end
local function show(tag)
  local s = state()
  out(tag, "frame=" .. nframes, "ramframe=" .. u32(A.frame), "gstate=" .. s.gstate,
      "gover=" .. s.gover, "credits=" .. s.credits, "score=" .. s.score,
      "lives=" .. s.lives, "padx=" .. s.padx)
end

-- policies: return left, right
local function tracking()
  local best, bx = -1, nil
  for _, o in ipairs(A.obj) do
    if u8(o.a) ~= 0 and u8(o.y) > best then best = u8(o.y); bx = u8(o.x) end
  end
  if not bx then return false, false end
  local want = math.max(0, math.min(200, bx - 8))  -- centre paddle (24) under ball (8)
  local px = u8(A.padx)
  if px > want + 3 then return true, false end
  if px < want - 3 then return false, true end
  return false, false
end
local lcg = 12345
local function rnd3()
  lcg = (lcg * 1103515245 + 12345) & 0x7fffffff
  return (lcg >> 16) % 3
end

local function coin_and_start()
  set_inputs(true, false, false, false); step(3)
  set_inputs(false, false, false, false); step(3)
  set_inputs(false, true, false, false); step(3)
  set_inputs(false, false, false, false); step(1)
end

-- every new ball: its x must be (PRNG state * 217) >> 16 (the ROM's rscale)
local spawns = { n = 0, bad = 0, min = 999, max = -1, seen = {}, distinct = 0 }
local was_active = { 0, 0 }
local function watch_spawns()
  for i, o in ipairs(A.obj) do
    local a = u8(o.a)
    if a == 1 and was_active[i] == 0 then
      local x = u8(o.x)
      spawns.n = spawns.n + 1
      if x ~= (u16(0x2010) * 217) >> 16 or u8(o.y) ~= 16 then spawns.bad = spawns.bad + 1 end
      spawns.min = math.min(spawns.min, x); spawns.max = math.max(spawns.max, x)
      if not spawns.seen[x] then spawns.seen[x] = true; spawns.distinct = spawns.distinct + 1 end
    end
    was_active[i] = a
  end
end

-- play one episode with a policy until game over or max frames; returns stats
local function episode(policy, maxf)
  local f, catches, misses = 0, 0, 0
  local hold, act = 0, 0
  was_active = { u8(A.obj[1].a), u8(A.obj[2].a) }
  while u8(A.gstate) == 1 and f < maxf do
    local l, r = false, false
    if policy == "track" then l, r = tracking()
    elseif policy == "random" then
      if hold == 0 then act = rnd3(); hold = 3 end
      hold = hold - 1
      l, r = act == 1, act == 2
    end
    set_inputs(false, false, l, r)
    step()
    f = f + 1
    watch_spawns()
    local ev = u8(A.event)
    if ev == 1 then catches = catches + 1 elseif ev == 2 then misses = misses + 1 end
  end
  set_inputs(false, false, false, false)
  return { frames = f, catches = catches, misses = misses, score = u16(A.score),
           lives = u8(A.lives), over = u8(A.gstate) == 2 }
end

local function scenario()
  local t0 = os.clock()
  -- 1. boot
  step(120)
  show("BOOT")
  local px = frame_pixels()
  out("BOOT lit_pixels", count_lit(px))
  check(u8(A.gstate) == 0, "boots into attract mode (game_state 0)")
  check(u32(A.frame) >= 110, "frame counter runs (no watchdog reset): " .. u32(A.frame))
  check(count_lit(px) > 300, "attract screen is drawn")

  -- 2. coin, coin, start (the first coin is held for a single frame)
  set_inputs(true, false, false, false); step(1)
  set_inputs(false, false, false, false); step(3)
  check(u8(A.credits) == 1, "a one-frame coin press gives a credit")
  set_inputs(true, false, false, false); step(3)
  set_inputs(false, false, false, false); step(3)
  check(u8(A.credits) == 2, "second coin gives a second credit")
  set_inputs(false, true, false, false); step(1)
  set_inputs(false, false, false, false); step(1)
  show("START")
  check(u8(A.gstate) == 1 and u8(A.lives) == 3 and u8(A.credits) == 1 and u8(A.padx) == 100,
        "start begins a game: playing, 3 lives, credit used, paddle centred")
  local lo, hi = paddle_pixels(frame_pixels())
  out("PADDLE pixels", lo, hi)
  check(lo == 100 and hi == 123, "paddle pixels at x 100..123")

  -- 3. input latency and movement
  local before = u8(A.padx)
  set_inputs(false, false, true, false)
  local lat = 0
  repeat step(); lat = lat + 1 until u8(A.padx) ~= before or lat > 10
  out("LATENCY frames_from_set_value_to_ram_change", lat)
  step(40)
  local lpx = u8(A.padx)
  lo, hi = paddle_pixels(frame_pixels())
  out("LEFT padx", lpx, "pixels", lo, hi)
  check(lpx == 0 and lo == 0 and hi == 23, "holding left moves the paddle to x 0 (RAM and pixels)")
  set_inputs(false, false, false, true); step(60)
  local rpx = u8(A.padx)
  lo, hi = paddle_pixels(frame_pixels())
  out("RIGHT padx", rpx, "pixels", lo, hi)
  check(rpx == 200 and lo == 200 and hi == 223, "holding right moves the paddle to x 200 (RAM and pixels)")
  set_inputs(false, false, false, false)
  -- finish this game with no-ops
  episode("noop", 100000)
  show("END1")

  -- 4. tracking policy, fresh game (one credit left: start only)
  set_inputs(false, true, false, false); step(2); set_inputs(false, false, false, false); step(1)
  check(u8(A.gstate) == 1 and u8(A.credits) == 0, "start with a credit left starts a game")
  local shot_taken = false
  -- run in chunks so we can grab a screenshot mid-game
  local f = 0
  local catches, misses = 0, 0
  while f < 3000 and u8(A.gstate) == 1 do
    local l, r = tracking()
    set_inputs(false, false, l, r)
    step(); f = f + 1
    local ev = u8(A.event)
    if ev == 1 then catches = catches + 1 elseif ev == 2 then misses = misses + 1 end
    if not shot_taken and f > 600 and u8(A.obj[1].a) == 1 and u8(A.obj[2].a) == 1 then
      local y1, y2 = u8(A.obj[1].y), u8(A.obj[2].y)
      if math.min(y1, y2) > 40 and math.max(y1, y2) < 200 then
        local path = os.getenv("CATCH_SHOT")
        if path and path ~= "" then
          local fh = io.open(path, "wb"); fh:write(frame_pixels()); fh:close()
          out("SHOT frame", nframes, "balls", u8(A.obj[1].x), y1, u8(A.obj[2].x), y2, "padx", u8(A.padx))
        end
        shot_taken = true
      end
    end
  end
  out("TRACK frames", f, "catches", catches, "misses", misses, "score", u16(A.score),
      "lives", u8(A.lives))
  check(catches >= 50 and misses == 0, "tracking policy catches everything in 3000 frames")
  episode("noop", 100000)
  show("END2")

  -- 5. no-op from a fresh start until game over
  coin_and_start()
  check(u8(A.gstate) == 1, "coin + start starts a game")
  local nop = episode("noop", 5000)
  out("NOOP frames_to_game_over", nop.frames, "score", nop.score, "misses", nop.misses,
      "catches", nop.catches)
  check(nop.over and u8(A.lives) == 0 and u8(A.gover) == 1, "no-op play reaches game over")
  local scr = u16(A.score)
  step(30)
  check(u16(A.score) == scr and u8(A.gstate) == 2, "score kept after game over")
  local lit_over = count_lit(frame_pixels())
  out("GAMEOVER lit_pixels", lit_over)

  -- 6. random agent: uniform over noop/left/right, each held 3 frames
  local n, tot, totf, maxs = 20, 0, 0, 0
  local scores = {}
  for _ = 1, n do
    coin_and_start()
    local r = episode("random", 20000)
    scores[#scores + 1] = r.score
    tot = tot + r.score; totf = totf + r.frames; maxs = math.max(maxs, r.score)
  end
  out("RANDOM episodes", n, "mean_score", string.format("%.2f", tot / n), "max", maxs,
      "mean_frames", string.format("%.1f", totf / n), "scores", table.concat(scores, ","))

  -- 7. tracking agent over whole episodes (capped)
  local ttot = 0
  for i = 1, 2 do
    coin_and_start()
    local r = episode("track", 6000)
    out("TRACKEP", i, "frames", r.frames, "catches", r.catches, "misses", r.misses)
    ttot = ttot + r.catches
    episode("noop", 100000)
  end
  check(tot / n < ttot / 2 / 10, "random agent scores far below the tracking agent")

  out("SPAWNS", spawns.n, "x_min", spawns.min, "x_max", spawns.max, "distinct_x", spawns.distinct)
  check(spawns.n > 200 and spawns.bad == 0 and spawns.min >= 0 and spawns.max <= 216,
        "every ball spawns at y 16 with x = (rng * 217) >> 16 in 0..216")

  show("FINAL")
  out("DIGEST ram", string.format("%012x", digest_ram), "pixels", string.format("%012x", digest_pix))
  local dt = os.clock() - t0
  out("TIMING frames", nframes, "cpu_seconds", string.format("%.2f", dt),
      "fps", string.format("%.0f", nframes / dt))
  out("RESULT", failures == 0 and "PASS" or "FAIL", "failures=" .. failures)
end

-- Leave with os.exit: with Debian's MAME 0.251 (system liblua5.3) any autoboot
-- script makes about half of the normal shutdowns crash with SIGSEGV in lua_rotate,
-- which could also lose buffered stdout. Flushing and exiting from Lua avoids both.
local function finish(code)
  io.stdout:flush()
  os.exit(code)
end

local co = coroutine.create(scenario)
local done = false
frame_sub = emu.register_frame_done(function()
  if done then return end
  nframes = nframes + 1
  -- running digests: RAM state every frame, the whole picture every 4th frame
  local ram = {}
  for a = 0x2000, 0x202F do ram[#ram + 1] = string.char(mem:read_u8(a)) end
  digest_ram = hash_str(table.concat(ram), digest_ram)
  if nframes % 4 == 0 then digest_pix = hash_str(frame_pixels(), digest_pix) end
  local ok, err = coroutine.resume(co)
  if not ok then print("ERROR", err); print("RESULT FAIL"); done = true; finish(2) end
  if coroutine.status(co) == "dead" then done = true; finish(failures == 0 and 0 or 1) end
end)
