-- aiomame plugin for MAME (0.251 and later): the Lua side of aiomame's wire protocol.
--
-- It needs no Lua C module (MAME 0.276 and later embed a Lua that cannot load any): commands
-- come on MAME's stdin, replies go over MAME's own Unix-socket client, frames through a file
-- Python maps. At machine start the plugin connects and says hello; from then on emulation
-- runs only when told: each frame-done callback either counts down the frames of the
-- current step or, when the step is over, sends its reply and blocks on stdin until the
-- next step command. When stdin closes (Python is gone), the plugin exits MAME.
--
-- This file only checks MAME and wires the modules into MAME's callbacks:
--   transport.lua  stdin and the reply socket: framing, reading, writing
--   msgpack.lua    msgpack in pure Lua (string.pack)
--   commands.lua   the named commands, the loop serving them, the start and frame callbacks
--   step.lua       the hot path: the binary step command, its frames and its reply
--   hello.lua      the running machine looked over: screens, devices, ports, media
--   frames.lua     pixels (bitmap or vector snapshot), the frames file, shared-file slots
--   inputs.lua     pressing and releasing fields, DIP switch and configuration settings
--   memory.lua     reads, writes, blocks of bytes, the watched values
--   states.lua     save states through a file
local exports = {
	name = "aiomame",
	version = "2.0.0",
	description = "aiomame environment server",
	license = "MIT",
	author = { name = "aiomame" },
}

-- Notifier subscriptions end when collected: this file-level table keeps them (it lives as
-- long as the module, which package.loaded holds).
local subscriptions = {}
local OLDEST_MAME = "0.251"

-- The MAME facilities the plugin stands on; nil when all are there, else what is missing.
local function missing_facility()
	if not (string.pack and string.unpack and math.type) then
		return "string.pack (Lua 5.3)"
	elseif not emu.file then
		return "emu.file"
	elseif not (io.stdin and io.stdin.read) then
		return "io.stdin"
	elseif not (emu.add_machine_reset_notifier or emu.register_start) then
		return "a machine start notifier"
	elseif not emu.register_frame_done then
		return "emu.register_frame_done"
	end
	return nil
end

-- Calls `callback` at machine start and after every reset: emu.add_machine_reset_notifier
-- where it exists (0.254 and later; emu.register_start is deprecated, then removed), else
-- emu.register_start. Returns the subscription, which must stay referenced.
local function on_start(callback)
	if emu.add_machine_reset_notifier then
		return emu.add_machine_reset_notifier(callback)
	end
	emu.register_start(callback)
	return true
end

function exports.startplugin()
	local path = os.getenv("AIOMAME_SOCKET")
	if not path or path == "" then
		return -- not started by aiomame: stay inert
	end
	-- Before a connection exists, the only way to tell Python is a line on stderr and an exit.
	local function fail(text)
		io.stderr:write("aiomame: " .. text .. "\n")
		io.stderr:flush()
		os.exit(1)
	end
	local missing = missing_facility()
	if missing then -- Python turns this line into UnsupportedMameError
		fail(string.format("unsupported MAME %s: it lacks %s; aiomame needs MAME %s or later",
			emu.app_version(), missing, OLDEST_MAME))
	end
	local opened, err = require("aiomame.frames").open(os.getenv("AIOMAME_FRAMES") or "")
	if not opened then
		fail("cannot open the frames file: " .. tostring(err))
	end
	local commands = require("aiomame.commands")
	subscriptions.start = on_start(function() commands.start(path) end)
	subscriptions.periodic = emu.register_periodic(commands.periodic)
	emu.register_frame_done(commands.frame_done)
end

return exports
