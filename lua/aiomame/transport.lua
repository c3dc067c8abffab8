-- The wire: reading commands from MAME's stdin and writing replies to Python's socket.
--   Python -> Lua: MAME's stdin is one end of a Unix socket pair. A command is a u32
--     big-endian length, then a msgpack array {command, args...} or a binary step command
--     (b"S" ..., see step.lua); reads block, so MAME waits without using CPU until the next one.
--   Lua -> Python: MAME's own Unix-socket client (emu.file "domain.PATH") connects to the
--     socket Python listens on (AIOMAME_SOCKET) and carries msgpack arrays {kind, ...}.
local msgpack = require("aiomame.msgpack")

local M = {}

M.STEP_COMMAND = {} -- what receive() returns for a binary step command
local STEP_COMMAND = M.STEP_COMMAND
-- A reply that does not fit in the socket buffer is written in pieces while Python reads;
-- with no progress for this long, Python is taken to be gone.
local WRITE_STALL_SECONDS = 30
-- The longest command read from stdin (states go through a file, not here); a longer length
-- means the stream is corrupt, and MAME exits rather than wait for that many bytes.
local MAX_COMMAND = 1024 * 1024 * 1024

local pack, unpack, sunpack = msgpack.encode, msgpack.decode, string.unpack
local stdin = io.stdin
local out = nil -- the reply socket (emu.file), once connected

--- Connects the reply socket to Python's, at `path`; false (said on stderr, MAME told to
--- exit) when it cannot.
function M.connect(path)
	local file = emu.file("", 3) -- read | write, no create: connect, don't listen
	local err = file:open("domain." .. path)
	if err then
		io.stderr:write("aiomame: cannot connect to " .. path .. ": " .. tostring(err) .. "\n")
		manager.machine:exit()
		return false
	end
	out = file
	return true
end

--- Whether the reply socket is open.
function M.connected()
	return out ~= nil
end

--- Closes the reply socket and exits MAME: nobody drives us any more, never spin on our own.
function M.lost()
	if out then
		out:close()
		out = nil
	end
	manager.machine:exit()
end

--- Writes all of `data` to the reply socket; false when it is closed or Python stalled.
--- MAME's socket is non-blocking: a reply larger than the socket buffer goes in pieces, as
--- fast as Python takes them.
function M.send(data)
	if not out then
		return false
	end
	local n = #data
	local wrote = out:write(data)
	if wrote == n then
		return true
	end
	local pos, stalled_since = wrote + 1, nil
	while pos <= n do
		wrote = out:write(data:sub(pos, pos + 0xFFFF))
		if wrote > 0 then
			pos, stalled_since = pos + wrote, nil
		elseif not stalled_since then
			stalled_since = os.time()
		elseif os.time() - stalled_since > WRITE_STALL_SECONDS then
			io.stderr:write("aiomame: Python took no data for " .. WRITE_STALL_SECONDS
				.. " s: exiting\n")
			M.lost()
			return false
		end
	end
	return true
end
local send = M.send

--- Sends the msgpack array {...}; false as send.
function M.reply(...)
	return send(pack({ ... }))
end

-- Exactly `n` bytes from stdin (blocking), or nil at end of file: Python has gone away.
local function read_exact(n)
	local data = stdin:read(n)
	if data == nil or #data == n then
		return data
	end
	local parts = { data }
	local got = #data
	while got < n do
		data = stdin:read(n - got)
		if not data then
			return nil
		end
		parts[#parts + 1] = data
		got = got + #data
	end
	return table.concat(parts)
end

--- The next command (a table), or STEP_COMMAND and its bytes; false and why when its bytes
--- are not a command (the stream stays in step: the length said where it ends); nil when
--- stdin has closed or (with why) the length is past MAX_COMMAND: the stream cannot be
--- trusted.
function M.receive()
	local head = read_exact(4)
	if not head then
		return nil
	end
	local n = sunpack(">I4", head)
	if n > MAX_COMMAND then
		return nil, string.format("a command of %d bytes (at most %d): the stream is corrupt",
			n, MAX_COMMAND)
	end
	local body = n == 0 and "" or read_exact(n) -- read(0) would wait for a byte
	if not body then
		return nil
	end
	if body:byte(1) == 83 then -- "S": a binary step command
		return STEP_COMMAND, body
	end
	local ok, msg = pcall(unpack, body)
	if not ok then
		return false, tostring(msg)
	elseif type(msg) ~= "table" then
		return false, "a command must be an array, got a " .. type(msg)
	end
	return msg
end

return M
