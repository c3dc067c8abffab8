-- The commands: the handler of each named command, the loop that serves them between steps,
-- and the machine's start and frame callbacks that decide when they run. Only the fixed
-- commands in `handlers` exist: no Lua source ever travels over the socket.
local msgpack = require("aiomame.msgpack")
local transport = require("aiomame.transport")
local hello = require("aiomame.hello")
local frames = require("aiomame.frames")
local inputs = require("aiomame.inputs")
local memory = require("aiomame.memory")
local states = require("aiomame.states")
local step = require("aiomame.step")

local M = {}

local reply, receive, lost, connected = transport.reply, transport.receive, transport.lost,
	transport.connected
local STEP_COMMAND, RUN = transport.STEP_COMMAND, step.RUN
local begin_step, advance = step.begin, step.advance
local DEFER = {} -- a handler's result: a state command, to be run at the safe point
local handlers = {}
-- MAME builds a new machine on a hard reset and runs frame callbacks before it says
-- start: until then, every object we hold (fields, screens, spaces) is stale.
local hard_reset_pending = false
-- Save states need a safe point: between MAME's time slices, where MAME itself saves and
-- loads. A step ends inside the screen's vblank timer callback (frame_done), where a loaded
-- state would not hold: MAME re-arms the vblank timers after the callback from the time
-- before the load, and the CPUs would then run several frames to catch up. So a state
-- command there is deferred: the periodic callback (after frame_done, and after MAME's
-- throttling, in the same frame update) pauses MAME; the paused machine's next frame
-- update, between time slices, calls frame_done again without emulating anything, and
-- the command runs there. The next step resumes.
local deferred = nil -- the state command waiting for the safe point
local paused = false -- paused by us, for `deferred`
local safe_point = false -- serving commands from that paused frame update

-- {"watch", {{tag, space, address, type}, ...}}: the reads sent back after every step.
function handlers.watch(msg)
	step.watching(memory.watch(msg[2]))
	return reply("ok")
end

-- {"read", {{tag, space, address, type}, ...}} -> {"values", {...}}
function handlers.read(msg)
	return reply("values", memory.read(msg[2]))
end

-- {"read_range", tag, space, start, length} -> {"bytes", bin}: a block of memory as bytes
-- (reads go through the address map, as the CPU's would).
function handlers.read_range(msg)
	return reply("bytes", msgpack.bin(memory.read_range(msg[2], msg[3], msg[4], msg[5])))
end

-- {"write", {{tag, space, address, type, value}, ...}}
function handlers.write(msg)
	memory.write(msg[2])
	return reply("ok")
end

-- {"reset", "soft" | "hard"}: scheduled by MAME; takes effect within the next step.
-- The step's frames are counted from the new machine's start.
function handlers.reset(msg)
	if msg[2] == "hard" then
		hard_reset_pending = true
		manager.machine:hard_reset()
	else
		manager.machine:soft_reset()
	end
	return reply("ok")
end

-- {"setting", id[, value]} -> {"setting", value, {{value, name}, ...}}: see inputs.setting.
function handlers.setting(msg)
	return reply("setting", inputs.setting(msg[2], msg[3]))
end

-- {"inputs"} -> {"inputs", ports}: the ports and fields, ids as in the hello.
function handlers.inputs()
	return reply("inputs", hello.describe().ports)
end

-- {"save_state", path} -> {"state_file", size}: the whole machine state, in `path`; at the
-- safe point (see `deferred`), where no input is held and no step runs: the next step runs
-- from the state as it was saved.
function handlers.save_state(msg)
	local code, text = states.refusal(hard_reset_pending)
	local path = msg[2]
	if code then
		return reply("error", code, text)
	elseif type(path) ~= "string" then
		error("save_state needs a file path, got a " .. type(path), 0)
	elseif not safe_point then
		return DEFER
	end
	return reply(states.save(path))
end

-- {"load_state", path, size} -> {"ok"}: the machine is the state in `path` (`size` bytes),
-- at the safe point as save_state.
function handlers.load_state(msg)
	local code, text = states.refusal(hard_reset_pending)
	local path, size = msg[2], msg[3]
	if code then
		return reply("error", code, text)
	elseif type(path) ~= "string" or math.type(size) ~= "integer" then
		error("load_state needs a file path and its size", 0)
	elseif not safe_point then
		return DEFER
	end
	return reply(states.load(path, size))
end

-- {"frames", path, offset, size}: write frames of `size` bytes into the file at `path`
-- (which must exist) from byte `offset` (a pool's shared file: each MAME its slot).
-- Other frames go on to the frames file; their step reply's byte count is negative.
function handlers.frames(msg)
	frames.use_slot(msg[2], msg[3], msg[4])
	return reply("ok")
end

function handlers.exit()
	reply("bye")
	lost()
	return RUN
end

-- Serve commands until one lets emulation run again (step, exit) or the socket closes.
local function serve()
	while connected() do
		local msg, why = receive()
		if msg == nil then
			if why then
				io.stderr:write("aiomame: " .. why .. ": exiting\n")
			end
			return lost()
		end
		local handler = msg and handlers[msg[1]]
		if msg == STEP_COMMAND then
			handler, msg = begin_step, why
		end
		if not msg then
			reply("error", "bad_command", why)
		elseif not handler then
			reply("error", "unknown_command", tostring(msg[1]))
		else
			local ok, result = pcall(handler, msg)
			if not ok then
				reply("error", "failed", tostring(result))
			elseif result == RUN then
				if paused then
					paused = false
					emu.unpause()
				end
				return
			elseif result == DEFER then
				deferred = msg
				return -- MAME pauses in the periodic callback
			end
		end
	end
end

--- At machine start: connects to Python's socket at `path` and says hello. After a reset,
--- the same connection; after a hard one, the new machine's objects.
function M.start(path)
	if connected() then
		if hard_reset_pending then
			hard_reset_pending = false
			inputs.forget_held()
			hello.describe()
			step.watching(memory.rewatch())
			inputs.restore_settings()
		end
		return
	end
	if transport.connect(path) then
		reply("hello", hello.describe())
	end
end

--- Runs after frame_done in every frame update: pauses MAME for a deferred state command.
function M.periodic()
	if deferred and not paused then
		paused = true
		emu.pause()
	end
end

--- Every frame done: counts the step's frames; once it is over, replies and serves
--- commands until the next step; at the safe point, runs the deferred state command first.
function M.frame_done()
	if not connected() or hard_reset_pending then
		return
	end
	if deferred then -- the paused frame update: between time slices, nothing emulated
		local msg = deferred
		deferred = nil
		if not (paused and manager.machine.paused) then
			reply("error", "failed", "MAME did not pause for " .. tostring(msg[1]))
		else
			safe_point = true
			local ok, err = pcall(handlers[msg[1]], msg)
			if not ok then
				reply("error", "failed", tostring(err))
			end
		end
		serve()
		safe_point = false
		return
	end
	if advance() then
		serve()
	end
end

return M
