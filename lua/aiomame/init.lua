-- aiomame plugin for MAME (0.251 and later): the Lua side of aiomame's wire protocol.
--
-- It needs no Lua C module (MAME 0.276 and later embed a Lua that cannot load any):
--   Python -> Lua: MAME's stdin is one end of a Unix socket pair. Commands are a u32
--     big-endian length, then a msgpack array {command, args...}; the plugin reads them with
--     blocking reads, so MAME waits without using CPU until the next command comes.
--   Lua -> Python: MAME's own Unix-socket client (emu.file "domain.PATH") connects to the
--     socket Python listens on (AIOMAME_SOCKET) and carries msgpack arrays {kind, ...}.
--   Frames: written in one write to a file in Python's private directory (AIOMAME_FRAMES),
--     which Python maps; the step reply carries their byte count.
--   The hot path is binary on both sides (string.pack with formats made once): the step
--     command (b"S" ...) and the step reply (a msgpack bin holding b"F" ...), laid out in
--     aiomame/transport/protocol.py.
-- msgpack is aiomame/msgpack.lua (string.pack). At machine start the plugin connects and
-- says hello; from then on emulation runs only when told: each frame-done callback either
-- counts down the frames of the current step or, when the step is over, sends its reply
-- and blocks on stdin until the next step command. When stdin closes (Python is gone), the
-- plugin exits MAME. Only the fixed commands in `handlers` exist: no Lua source ever
-- travels over the socket.
local exports = {
	name = "aiomame",
	version = "2.0.0",
	description = "aiomame environment server",
	license = "MIT",
	author = { name = "aiomame" },
}

local PROTOCOL_VERSION = 5
-- Notifier subscriptions end when collected: this file-level table keeps them (it lives as
-- long as the module, which package.loaded holds).
local subscriptions = {}
local OLDEST_MAME = "0.251"
-- A reply that does not fit in the socket buffer is written in pieces while Python reads;
-- with no progress for this long, Python is taken to be gone.
local WRITE_STALL_SECONDS = 30
-- The most bytes one read_range command returns (its reply must stay under Python's 64 MiB).
local MAX_RANGE = 16 * 1024 * 1024
-- A state's string at least this large is freed at once after a save or load (a full Lua
-- collection, about 10 ms: left to Lua's pace, a pool's MAMEs would each hold one more
-- state); a smaller one is left to Lua's pace (catch's, 15 KB, saves in under 0.5 ms).
local COLLECT_STATES_OVER = 16 * 1024 * 1024
-- The longest command read from stdin (states go through a file, not here); a longer length
-- means the stream is corrupt, and MAME exits rather than wait for that many bytes.
local MAX_COMMAND = 1024 * 1024 * 1024

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
	local msgpack = require("aiomame.msgpack")
	local pack, unpack = msgpack.encode, msgpack.decode
	local spack, sunpack = string.pack, string.unpack
	local stdin = io.stdin

	local STEP_COMMAND = {} -- what receive() returns for a binary step command
	local out = nil -- the reply socket (emu.file), once connected
	local frames_file, err = io.open(os.getenv("AIOMAME_FRAMES") or "", "r+b")
	if not frames_file then
		fail("cannot open the frames file: " .. tostring(err))
	end
	frames_file:setvbuf("no") -- one write(2) per frame
	-- A slot of a pool's shared frames file ("frames" command): the file, where the slot
	-- starts and the one frame size it takes; frames of another size (a screen that
	-- changed size) and max-pooled pairs still go to frames_file.
	local slot_file, slot_offset, slot_size = nil, 0, 0
	local fields = {} -- field id (as in hello) -> ioport field
	local screens = {} -- screen index (1-based here, 0-based on the wire) -> screen device
	-- screen index -> true for a vector screen: MAME draws its vectors only into the render
	-- container, not into the screen's bitmap, so its frame is the snapshot render.
	local vector = {}
	local spaces = {} -- "device tag\0space name" -> address space
	local watch_list = {} -- what "watch" asked for: {tag, space, address, type} each
	local watched = {} -- the same, resolved: { read function name, space, address }
	local BIN_HEAD = { [">BB"] = 0xc4, [">BI2"] = 0xc5, [">BI4"] = 0xc6 }
	local frames_left = 0
	local step_screen = 0 -- screen index of the current step (0: no frame)
	local step_pair = false -- the step also returns its next-to-last frame (max pooling)
	local pair_size = 0 -- bytes of the next-to-last frame written this step
	local held = {}
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

	local READERS = {
		u8 = "read_u8", s8 = "read_i8", u16 = "read_u16",
		s16 = "read_i16", u32 = "read_u32", s32 = "read_i32",
	}
	local WRITERS = {
		u8 = "write_u8", s8 = "write_i8", u16 = "write_u16",
		s16 = "write_i16", u32 = "write_u32", s32 = "write_i32",
	}

	local function lost()
		if out then
			out:close()
			out = nil
		end
		manager.machine:exit() -- nobody drives us any more: never spin on our own
	end

	-- Writes all of `data` to the reply socket. MAME's socket is non-blocking: a reply larger
	-- than the socket buffer goes in pieces, as fast as Python takes them.
	local function send(data)
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
				lost()
				return false
			end
		end
		return true
	end

	local function reply(...)
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

	-- The next command (a table); false and why when its bytes are not a command (the
	-- stream stays in step: the length said where it ends); nil when stdin has closed or
	-- the length is past MAX_COMMAND (then the stream cannot be trusted: see serve).
	local function receive()
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

	local function sorted_keys(t)
		local keys = {}
		for k in pairs(t) do
			keys[#keys + 1] = k
		end
		table.sort(keys)
		return keys
	end

	-- The entries of a space's address map: {start, end, mirror, read kind, write kind}, the
	-- kinds as MAME names them ("ram", "rom", "nop", "delegate"...); {} where MAME has no map.
	local function map_of(space)
		local ok, entries = pcall(function()
			local list = {}
			for _, e in ipairs(space.map.entries) do
				list[#list + 1] = { e.address_start, e.address_end, e.address_mirror,
					e.read and e.read.handlertype or "", e.write and e.write.handlertype or "" }
			end
			return list
		end)
		return ok and entries or {}
	end

	-- The media slots (image devices), one entry per device, in tag order: its tag, names
	-- and what is loaded (file: the path, or the item's name when software_list is set).
	-- machine.images is keyed by tag in 0.251, by names in some versions: go by the tag.
	local function media_of(machine)
		local by_tag = {}
		for key, image in pairs(machine.images) do
			local ok, entry = pcall(function()
				local device = image.device
				return {
					tag = device and device.tag or key, name = image.instance_name,
					brief = image.brief_instance_name,
					file = image.exists ~= false and image.filename or nil,
					software_list = image.loaded_through_softlist and image.software_list_name
						or nil,
				}
			end)
			if ok then
				by_tag[entry.tag] = entry
			end
		end
		local list = {}
		for _, tag in ipairs(sorted_keys(by_tag)) do
			list[#list + 1] = by_tag[tag]
		end
		return list
	end

	-- An analog field as the hello describes it: the values Action(port, field, value) may
	-- set (MAME's set_value clamps to these, in the field's own units: mask shifted out; a
	-- positional control counts 0..maxvalue-1), its default, its kind (the type's token
	-- without the player: "PADDLE", "DIAL", "TRACKBALL_X", "PEDAL", "AD_STICK_X",
	-- "LIGHTGUN_X"...) and player (0 for player 1). Properties are looked up under pcall:
	-- a MAME without one leaves its entry out.
	local function describe_analog(entry, field)
		local ok, mask = pcall(function() return field.mask end)
		if not ok or not mask or mask == 0 then
			return
		end
		local shift = 0
		while (mask >> shift) & 1 == 0 do
			shift = shift + 1
		end
		local function get(name)
			local got, value = pcall(function() return field[name] end)
			return got and value or nil
		end
		local got, token = pcall(function()
			return manager.machine.ioport:input_type_to_token(field.type)
		end)
		local kind = got and type(token) == "string" and token:gsub("^P%d+_", "") or "ANALOG"
		local low, high, default = get("minvalue"), get("maxvalue"), get("defvalue")
		if low and high then
			entry.min, entry.max = (low & mask) >> shift, (high & mask) >> shift
			if kind:find("^POSITIONAL") then
				entry.min, entry.max = 0, high - 1
			end
		end
		entry.default = default and (default & mask) >> shift
		entry.kind, entry.player = kind, get("player")
	end

	-- Look the running machine over: fill fields/screens/spaces, return the hello's info.
	-- Runs again after a hard reset, which builds a new machine (same layout, new objects).
	local function describe()
		local machine = manager.machine
		fields, screens, spaces, vector = {}, {}, {}, {}
		local info = {
			protocol = PROTOCOL_VERSION,
			mame = emu.app_version(),
			system = emu.romname(),
			supports_save = machine.system.supports_save,
			screens = {},
			devices = {},
			ports = {},
			media = media_of(machine),
		}
		-- Screens and devices in MAME's own (device tree) order: the first is the main one.
		for tag, screen in pairs(machine.screens) do
			local rotation, flipx, flipy = screen:orientation()
			local width, height, kind = screen.width, screen.height, screen.screen_type
			screens[#screens + 1] = screen
			if kind == "vector" then -- the snapshot: its size, already oriented
				vector[#screens] = true
				width, height = machine.video:snapshot_size()
				rotation, flipx, flipy = 0, false, false
			end
			info.screens[#info.screens + 1] = {
				tag = tag, width = width, height = height, type = kind,
				rotation = rotation, flipx = flipx, flipy = flipy, refresh = screen.refresh,
			}
		end
		-- The default device for memory: the machine's own CPU, the CPU with the shallowest
		-- tag (":f3" on pet2001, not its floppy drive's ":ieee8:c4040:un1"), ":maincpu"
		-- before any other, else the first in device order; no CPU: the first device.
		local default_depth = math.huge
		for tag, device in pairs(machine.devices) do
			local ok, dev_spaces = pcall(function() return device.spaces end)
			if ok and dev_spaces and next(dev_spaces) then
				local entry = { tag = tag, name = device.shortname, spaces = {} }
				for _, name in ipairs(sorted_keys(dev_spaces)) do
					local space = dev_spaces[name]
					spaces[tag .. "\0" .. name] = space
					entry.spaces[#entry.spaces + 1] = {
						name = name, data_width = space.data_width, endianness = space.endianness,
						address_mask = space.address_mask, shift = space.shift, map = map_of(space),
					}
				end
				info.devices[#info.devices + 1] = entry
				local cpu_ok, cpu = pcall(function() -- a CPU: it has registers
					for _ in pairs(device.state) do
						return true
					end
					return false
				end)
				local depth = tag == ":maincpu" and 0 or select(2, tag:gsub(":", ""))
				if cpu_ok and cpu and depth < default_depth then
					info.default_cpu, default_depth = tag, depth
				end
			end
		end
		if not info.default_cpu and info.devices[1] then
			info.default_cpu = info.devices[1].tag
		end
		local ports = machine.ioport.ports
		for _, ptag in ipairs(sorted_keys(ports)) do
			local entry = { tag = ptag, fields = {} }
			local port_fields = ports[ptag].fields
			for _, fname in ipairs(sorted_keys(port_fields)) do
				local field = port_fields[fname]
				fields[#fields + 1] = field
				local described = { name = fname, id = #fields - 1, analog = field.is_analog }
				if described.analog then
					describe_analog(described, field)
				end
				entry.fields[#entry.fields + 1] = described
			end
			info.ports[#info.ports + 1] = entry
		end
		return info
	end

	local function space_of(tag, name)
		local space = spaces[tag .. "\0" .. name]
		if not space then
			error(string.format("no address space %q on device %q", name, tag), 0)
		end
		return space
	end

	local function read_all()
		local values = {}
		for i = 1, #watched do
			local w = watched[i]
			values[i] = w[2][w[1]](w[2], w[3])
		end
		return values
	end

	-- Screen `index`'s pixels now (B,G,R,A), width, height: its bitmap, or for a vector
	-- screen MAME's snapshot render (at snapshot_size: -snapsize, else MAME's default).
	local function frame_of(index)
		if vector[index] then
			local video = manager.machine.video
			local width, height = video:snapshot_size()
			return video:snapshot_pixels(), width, height
		end
		return screens[index]:pixels()
	end

	local function release()
		for i = 1, #held do
			held[i]:clear_value()
			held[i] = nil
		end
	end

	local STEP = {}
	local DEFER = {} -- a state command, to be run at the safe point
	local handlers = {}

	-- The step reply: a msgpack bin (header, then its length) holding little-endian i64
	-- words: the kind (70: "F"), the frame number, width, height, pixel byte count and the
	-- watched values; made per watch.
	local reply_format, reply_size, reply_head = ">BB<i8i8i8i8i8", 40, 0xc4
	local function resolve_watched()
		local list = {}
		for i, a in ipairs(watch_list) do
			list[i] = { assert(READERS[a[4]], "bad type"), space_of(a[1], a[2]), a[3] }
		end
		watched = list
		reply_size = 40 + 8 * #list
		local head = reply_size < 256 and ">BB" or reply_size < 65536 and ">BI2" or ">BI4"
		reply_format = head .. "<i8i8i8i8i8" .. string.rep("i8", #list)
		reply_head = BIN_HEAD[head]
	end

	-- {"watch", {{tag, space, address, type}, ...}}: the reads sent back after every step.
	function handlers.watch(msg)
		local previous = watch_list
		watch_list = msg[2]
		local ok, err = pcall(resolve_watched)
		if not ok then
			watch_list = previous
			error(err, 0)
		end
		return reply("ok")
	end

	-- {"read", {{tag, space, address, type}, ...}} -> {"values", {...}}
	function handlers.read(msg)
		local values = {}
		for i, a in ipairs(msg[2]) do
			local space = space_of(a[1], a[2])
			values[i] = space[assert(READERS[a[4]], "bad type")](space, a[3])
		end
		return reply("values", values)
	end

	-- Addresses per byte: 8 on a bit-addressed space (TMS34010: shift 3), else 1.
	local function byte_step(space)
		local shift = space.shift
		return shift > 0 and 1 << shift or 1
	end

	-- `length` bytes of a space from `start` (a byte every byte_step addresses): read_range
	-- where MAME has it (one C++ call), else read_u8 one byte at a time, joined in chunks.
	local function read_bytes(space, start, length)
		local step = byte_step(space)
		local last = start + length * step - 1
		if length == 1 then -- read_range refuses a step longer than its range
			return string.char(space:read_u8(start))
		elseif space.read_range then
			return space:read_range(start, last, 8, step)
		end
		local parts, chunk, read_u8, char = {}, {}, space.read_u8, string.char
		for address = start, last, step do
			chunk[#chunk + 1] = read_u8(space, address)
			if #chunk == 4096 then
				parts[#parts + 1] = char(table.unpack(chunk))
				chunk = {}
			end
		end
		parts[#parts + 1] = char(table.unpack(chunk))
		return table.concat(parts)
	end

	-- {"read_range", tag, space, start, length} -> {"bytes", bin}: a block of memory as bytes
	-- (reads go through the address map, as the CPU's would).
	function handlers.read_range(msg)
		local space = space_of(msg[2], msg[3])
		local start, length = msg[4], msg[5]
		if math.type(start) ~= "integer" or math.type(length) ~= "integer" then
			error("read_range needs integer start and length", 0)
		elseif length < 1 or length > MAX_RANGE then
			error(string.format("read_range length must be 1..%d, got %d", MAX_RANGE, length), 0)
		elseif start < 0 or start + length * byte_step(space) - 1 > space.address_mask then
			error(string.format("read_range 0x%X..0x%X is outside %s %s (0x0-0x%X)", start,
				start + length * byte_step(space) - 1, msg[2], msg[3], space.address_mask), 0)
		end
		return reply("bytes", msgpack.bin(read_bytes(space, start, length)))
	end

	-- {"write", {{tag, space, address, type, value}, ...}}
	function handlers.write(msg)
		for _, a in ipairs(msg[2]) do
			local space = space_of(a[1], a[2])
			space[assert(WRITERS[a[4]], "bad type")](space, a[3], a[5])
		end
		return reply("ok")
	end

	-- The binary step command: "S", frames (u32), screen index or -1 (i16), pair (u8),
	-- input count (u16), then per input its field id (u32) and value (i64), big-endian:
	-- press, run, reply. With `pair` (and 2 frames or more), the step's next-to-last frame
	-- goes into the frames file right after the last one, for Python to take their maximum.
	local function step(body)
		local _, frames, screen, pair, count, pos = sunpack(">c1I4i2BI2", body)
		if frames < 1 then
			error("frames must be >= 1, got " .. frames, 0)
		elseif #body ~= pos - 1 + 12 * count then
			error(string.format("a step command of %d bytes for %d inputs", #body, count), 0)
		end
		for i = 1, count do
			local id, value
			id, value, pos = sunpack(">I4i8", body, pos)
			local field = fields[id + 1]
			if not field then
				error("no input field with id " .. id, 0)
			end
			field:set_value(value)
			held[i] = field
		end
		frames_left = frames
		step_screen = screen + 1
		step_pair, pair_size = pair ~= 0 and frames > 1 and step_screen > 0, 0
		return STEP
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

	-- {"setting", id[, value]} -> {"setting", value, {{value, name}, ...}}: a DIP switch's
	-- or configuration field's setting (its user_value), set first to `value` (one of the
	-- field's settings' values, checked by Python) if given. A setting is kept over hard
	-- resets (MAME's new machine starts from the defaults: `kept` puts them back).
	local kept = {} -- {port tag, field name, value} per setting made
	function handlers.setting(msg)
		local id, value = msg[2], msg[3]
		local field = math.type(id) == "integer" and fields[id + 1]
		if not field then
			error("no input field with id " .. tostring(id), 0)
		end
		local ok, settings = pcall(function() return field.settings end)
		local list = {}
		for v, name in pairs(ok and settings or {}) do
			list[#list + 1] = { v, name }
		end
		table.sort(list, function(a, b) return a[1] < b[1] end)
		if value ~= nil then
			if math.type(value) ~= "integer" then
				error("a setting's value is an integer, got " .. tostring(value), 0)
			end
			field.user_value = value
			local port = field.port.tag
			for i = #kept, 1, -1 do
				if kept[i][1] == port and kept[i][2] == field.name then
					table.remove(kept, i)
				end
			end
			kept[#kept + 1] = { port, field.name, value }
		end
		return reply("setting", field.user_value, list)
	end

	local function restore_settings()
		local ports = manager.machine.ioport.ports
		for _, entry in ipairs(kept) do
			local port = ports[entry[1]]
			local field = port and port.fields[entry[2]]
			if field then
				field.user_value = entry[3]
			end
		end
	end

	-- {"inputs"} -> {"inputs", ports}: the ports and fields, ids as in the hello.
	function handlers.inputs()
		return reply("inputs", describe().ports)
	end

	-- Save states: MAME's buffer_save/buffer_load, at the safe point (see `deferred`), where
	-- no input is held and frames_left is 0: the next step runs from the state as it was
	-- saved or loaded. Refused on a driver MAME marks as unable to save (its buffer_save
	-- still returns bytes, which would not restore the machine) and while a hard reset is
	-- pending (the machine is about to be replaced).
	local function save_refusal()
		if not manager.machine.system.supports_save then
			return "no_save", string.format("MAME's driver for %q does not support save states",
				emu.romname())
		elseif hard_reset_pending then
			return "reset_pending", "a hard reset is pending: step once before saving or "
				.. "loading a state"
		end
	end

	-- States of any size travel through a file in Python's private directory, named by the
	-- command: one write and one read on each side (a 112 MB state crosses in about 40 ms
	-- each way, where pieces over the sockets took seconds and several copies in Python).
	-- Python removes the file once the reply has come; MAME's own errors (a full directory)
	-- are the code "state_file".
	local function write_state(path, data)
		local file, why = io.open(path, "wb")
		if file then
			file:setvbuf("no") -- one write(2): a full directory fails here, not at close
			local ok
			ok, why = file:write(data)
			file:close()
			if ok then
				return true
			end
		end
		reply("error", "state_file", string.format("cannot write the state (%d bytes) "
			.. "to %s: %s (runtime directory full? see AIOMAME_RUNTIME_DIR)", #data, path,
			tostring(why)))
		return false -- replied: the caller must not reply again
	end

	-- {"save_state", path} -> {"state_file", size}: the whole machine state, in `path`.
	function handlers.save_state(msg)
		local code, text = save_refusal()
		local path = msg[2]
		if code then
			return reply("error", code, text)
		elseif type(path) ~= "string" then
			error("save_state needs a file path, got a " .. type(path), 0)
		elseif not safe_point then
			return DEFER
		end
		local machine = manager.machine
		local ok, data = pcall(machine.buffer_save, machine)
		if not ok or type(data) ~= "string" then
			return reply("error", "save_failed", "MAME could not save the state: " .. tostring(data))
		end
		local size = #data
		if write_state(path, data) then
			data = nil
			if size >= COLLECT_STATES_OVER then
				collectgarbage()
			end
			return reply("state_file", size)
		end
	end

	-- {"load_state", path, size} -> {"ok"}: the machine is the state in `path` (`size`
	-- bytes) at once. MAME checks the header (system, layout signature) and the size, not
	-- the contents.
	function handlers.load_state(msg)
		local code, text = save_refusal()
		local path, size = msg[2], msg[3]
		if code then
			return reply("error", code, text)
		elseif type(path) ~= "string" or math.type(size) ~= "integer" then
			error("load_state needs a file path and its size", 0)
		elseif not safe_point then
			return DEFER
		end
		local file, why = io.open(path, "rb")
		local data = file and file:read("a")
		if file then
			file:close()
			os.remove(path) -- its room back before MAME takes the state in
		end
		if type(data) ~= "string" or #data ~= size then
			return reply("error", "state_file", string.format("cannot read the state (%d bytes) "
				.. "from %s: %s", size, path, data and #data .. " bytes" or tostring(why)))
		end
		local machine = manager.machine
		local ok, result = pcall(machine.buffer_load, machine, data)
		data = nil
		if size >= COLLECT_STATES_OVER then
			collectgarbage()
		end
		if not ok or result ~= true then
			return reply("error", "load_failed", string.format(
				"MAME refused the state (%d bytes): %s", size, tostring(result)))
		end
		return reply("ok")
	end

	-- {"frames", path, offset, size}: write frames of `size` bytes into the file at `path`
	-- (which must exist) from byte `offset` (a pool's shared file: each MAME its slot).
	-- Other frames go on to the frames file; their step reply's byte count is negative.
	function handlers.frames(msg)
		local path, offset, size = msg[2], msg[3], msg[4]
		if type(path) ~= "string" or math.type(offset) ~= "integer" or offset < 0
				or math.type(size) ~= "integer" or size < 1 then
			error("frames needs a path, an offset >= 0 and a size >= 1", 0)
		end
		local file, why = io.open(path, "r+b")
		if not file then
			error("cannot open " .. path .. ": " .. tostring(why), 0)
		end
		file:setvbuf("no")
		if slot_file then
			slot_file:close()
		end
		slot_file, slot_offset, slot_size = file, offset, size
		return reply("ok")
	end

	function handlers.exit()
		reply("bye")
		lost()
		return STEP
	end

	-- The step reply (see reply_format): the pixels are in the frames file, or in the slot
	-- (then the byte count is negative when they went to the frames file all the same);
	-- width, height and byte count are 0 when no frame was asked for.
	local function step_reply()
		local screen = screens[step_screen]
		local clock = screen or screens[1]
		local number = clock and clock:frame_number() or -1
		if not screen then
			return send(spack(reply_format, reply_head, reply_size, 70, number, 0, 0, 0,
				table.unpack(read_all())))
		end
		local pixels, width, height = frame_of(step_screen)
		local n = #pixels
		local file, offset, sign = frames_file, 0, 1
		if slot_file then
			if n == slot_size and not step_pair then
				file, offset = slot_file, slot_offset
			else
				sign = -1
			end
		end
		file:seek("set", offset)
		local ok, err = file:write(pixels)
		if ok and step_pair and pair_size ~= n then -- the screen changed size: no pair
			ok, err = file:write(pixels)
		end
		if not ok then
			return reply("error", "frames_file", tostring(err))
		end
		return send(spack(reply_format, reply_head, reply_size, 70, number, width, height,
			sign * n, table.unpack(read_all())))
	end

	-- Serve commands until one lets emulation run again (step, exit) or the socket closes.
	local function serve()
		while out do
			local msg, why = receive()
			if msg == nil then
				if why then
					io.stderr:write("aiomame: " .. why .. ": exiting\n")
				end
				return lost()
			end
			local handler = msg and handlers[msg[1]]
			if msg == STEP_COMMAND then
				handler, msg = step, why
			end
			if not msg then
				reply("error", "bad_command", why)
			elseif not handler then
				reply("error", "unknown_command", tostring(msg[1]))
			else
				local ok, result = pcall(handler, msg)
				if not ok then
					reply("error", "failed", tostring(result))
				elseif result == STEP then
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

	subscriptions.start = on_start(function()
		if out then -- a reset; after a hard one: same connection, new machine objects
			if hard_reset_pending then
				hard_reset_pending = false
				held = {}
				describe()
				resolve_watched()
				restore_settings()
			end
			return
		end
		local file = emu.file("", 3) -- read | write, no create: connect, don't listen
		local err = file:open("domain." .. path)
		if err then
			io.stderr:write("aiomame: cannot connect to " .. path .. ": " .. tostring(err) .. "\n")
			manager.machine:exit()
			return
		end
		out = file
		reply("hello", describe())
	end)

	-- Runs after frame_done in every frame update: pauses MAME for a deferred state command.
	subscriptions.periodic = emu.register_periodic(function()
		if deferred and not paused then
			paused = true
			emu.pause()
		end
	end)

	emu.register_frame_done(function()
		if not out or hard_reset_pending then
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
		if frames_left > 0 then
			frames_left = frames_left - 1
			if frames_left > 0 then
				if step_pair and frames_left == 1 then
					local pixels = frame_of(step_screen)
					-- after the last frame's place
					frames_file:seek("set", #pixels)
					if frames_file:write(pixels) then
						pair_size = #pixels
					end
				end
				return
			end
			local ok, sent = pcall(step_reply)
			release()
			if not ok then
				sent = reply("error", "failed", tostring(sent))
			end
			if not sent then
				return
			end
		end
		serve()
	end)
end

return exports
