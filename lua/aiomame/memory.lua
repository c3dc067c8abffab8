-- Memory: reads and writes through the address spaces (as the CPU's would), blocks of
-- bytes, and the watch: the reads sent back with every step reply.
local M = {}

-- The most bytes one read_range returns (its reply must stay under Python's 64 MiB).
local MAX_RANGE = 16 * 1024 * 1024
local READERS = {
	u8 = "read_u8", s8 = "read_i8", u16 = "read_u16",
	s16 = "read_i16", u32 = "read_u32", s32 = "read_i32",
}
local WRITERS = {
	u8 = "write_u8", s8 = "write_i8", u16 = "write_u16",
	s16 = "write_i16", u32 = "write_u32", s32 = "write_i32",
}

local spaces = {} -- "device tag\0space name" -> address space
local watch_list = {} -- what "watch" asked for: {tag, space, address, type} each
local watched = {} -- the same, resolved: { read function name, space, address }

--- The running machine's address spaces, by "device tag\0space name" (see hello.lua).
function M.use_spaces(map)
	spaces = map
end

local function space_of(tag, name)
	local space = spaces[tag .. "\0" .. name]
	if not space then
		error(string.format("no address space %q on device %q", name, tag), 0)
	end
	return space
end

--- Resolves the watch list again (on a new machine after a hard reset); its length.
--- Raises on an unknown space or type.
function M.rewatch()
	local list = {}
	for i, a in ipairs(watch_list) do
		list[i] = { assert(READERS[a[4]], "bad type"), space_of(a[1], a[2]), a[3] }
	end
	watched = list
	return #list
end

--- Watches `list` ({tag, space, address, type} each) instead; its length. Raises on an
--- unknown space or type, and the watch stays as it was.
function M.watch(list)
	local previous = watch_list
	watch_list = list
	local ok, count = pcall(M.rewatch)
	if not ok then
		watch_list = previous
		error(count, 0)
	end
	return count
end

--- The watched values now, in watch order.
function M.read_watched()
	local values = {}
	for i = 1, #watched do
		local w = watched[i]
		values[i] = w[2][w[1]](w[2], w[3])
	end
	return values
end

--- The values at `list` ({tag, space, address, type} each). Raises on an unknown space or
--- type.
function M.read(list)
	local values = {}
	for i, a in ipairs(list) do
		local space = space_of(a[1], a[2])
		values[i] = space[assert(READERS[a[4]], "bad type")](space, a[3])
	end
	return values
end

--- Writes `list` ({tag, space, address, type, value} each). Raises on an unknown space or
--- type.
function M.write(list)
	for _, a in ipairs(list) do
		local space = space_of(a[1], a[2])
		space[assert(WRITERS[a[4]], "bad type")](space, a[3], a[5])
	end
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

--- `length` bytes (a string) of space `name` on device `tag` from address `start`. Raises
--- on an unknown space, or a block that is empty, too long or outside the space.
function M.read_range(tag, name, start, length)
	local space = space_of(tag, name)
	if math.type(start) ~= "integer" or math.type(length) ~= "integer" then
		error("read_range needs integer start and length", 0)
	elseif length < 1 or length > MAX_RANGE then
		error(string.format("read_range length must be 1..%d, got %d", MAX_RANGE, length), 0)
	elseif start < 0 or start + length * byte_step(space) - 1 > space.address_mask then
		error(string.format("read_range 0x%X..0x%X is outside %s %s (0x0-0x%X)", start,
			start + length * byte_step(space) - 1, tag, name, space.address_mask), 0)
	end
	return read_bytes(space, start, length)
end

return M
