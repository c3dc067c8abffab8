-- Save states: MAME's buffer_save/buffer_load, through a file in Python's private directory.
-- commands.lua runs them at MAME's safe point only (see `deferred` there).
local M = {}

-- A state's string at least this large is freed at once after a save or load (a full Lua
-- collection, about 10 ms: left to Lua's pace, a pool's MAMEs would each hold one more
-- state); a smaller one is left to Lua's pace (catch's, 15 KB, saves in under 0.5 ms).
local COLLECT_STATES_OVER = 16 * 1024 * 1024

--- Why no state may be saved or loaded now, as an error code and text; nil when one may.
--- Refused on a driver MAME marks as unable to save (its buffer_save still returns bytes,
--- which would not restore the machine) and while a hard reset is pending (the machine is
--- about to be replaced).
function M.refusal(hard_reset_pending)
	if not manager.machine.system.supports_save then
		return "no_save", string.format("MAME's driver for %q does not support save states",
			emu.romname())
	elseif hard_reset_pending then
		return "reset_pending", "a hard reset is pending: step once before saving or "
			.. "loading a state"
	end
end

-- States of any size travel through a file, named by the command: one write and one read
-- on each side (a 112 MB state crosses in about 40 ms each way, where pieces over the
-- sockets took seconds and several copies in Python). Python removes the file once the
-- reply has come; MAME's own errors (a full directory) are the code "state_file".
-- Returns nothing when written, else why (the text of the error).
local function write_state(path, data)
	local file, why = io.open(path, "wb")
	if file then
		file:setvbuf("no") -- one write(2): a full directory fails here, not at close
		local ok
		ok, why = file:write(data)
		file:close()
		if ok then
			return nil
		end
	end
	return string.format("cannot write the state (%d bytes) to %s: %s (runtime directory "
		.. "full? see AIOMAME_RUNTIME_DIR)", #data, path, tostring(why))
end

--- Saves the whole machine state in `path`: the reply, "state_file" and its size, or
--- "error", a code and its text.
function M.save(path)
	local machine = manager.machine
	local ok, data = pcall(machine.buffer_save, machine)
	if not ok or type(data) ~= "string" then
		return "error", "save_failed", "MAME could not save the state: " .. tostring(data)
	end
	local size = #data
	local why = write_state(path, data)
	if why then
		return "error", "state_file", why
	end
	data = nil
	if size >= COLLECT_STATES_OVER then
		collectgarbage()
	end
	return "state_file", size
end

--- Makes the machine the state in `path` (`size` bytes) at once: the reply, "ok" or
--- "error", a code and its text. MAME checks the header (system, layout signature) and the
--- size, not the contents.
function M.load(path, size)
	local file, why = io.open(path, "rb")
	local data = file and file:read("a")
	if file then
		file:close()
		os.remove(path) -- its room back before MAME takes the state in
	end
	if type(data) ~= "string" or #data ~= size then
		return "error", "state_file", string.format("cannot read the state (%d bytes) "
			.. "from %s: %s", size, path, data and #data .. " bytes" or tostring(why))
	end
	local machine = manager.machine
	local ok, result = pcall(machine.buffer_load, machine, data)
	data = nil
	if size >= COLLECT_STATES_OVER then
		collectgarbage()
	end
	if not ok or result ~= true then
		return "error", "load_failed", string.format(
			"MAME refused the state (%d bytes): %s", size, tostring(result))
	end
	return "ok"
end

return M
