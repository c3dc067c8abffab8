-- msgpack in pure Lua (5.3 and 5.4: string.pack/unpack), for aiomame's plugin.
--
-- Only what the wire protocol uses: nil, booleans, integers (64-bit, negative too), floats,
-- str, bin, arrays and maps. A Lua table is an array when its keys are exactly 1..#t (the
-- empty table too), else a map. Lua strings are sent as msgpack str; wrap one with bin()
-- to send it as bin. Decoded str and bin are both Lua strings; a nil inside an array does
-- not survive decoding (a Lua table has no holes): the protocol sends none.
local M = {}

local spack, sunpack, byte, sub, mtype = string.pack, string.unpack, string.byte, string.sub,
	math.type
local concat = table.concat

local BIN = {} -- metatable marking a string to be sent as bin

--- `s` to be encoded as msgpack bin instead of str.
function M.bin(s)
	return setmetatable({ s }, BIN)
end

local function int(n)
	if n >= 0 then
		if n < 0x80 then
			return spack("B", n)
		elseif n < 0x100 then
			return spack("BB", 0xcc, n)
		elseif n < 0x10000 then
			return spack(">BI2", 0xcd, n)
		elseif n < 0x100000000 then
			return spack(">BI4", 0xce, n)
		end
		return spack(">Bi8", 0xcf, n)
	elseif n >= -0x20 then
		return spack("b", n)
	elseif n >= -0x80 then
		return spack("Bb", 0xd0, n)
	elseif n >= -0x8000 then
		return spack(">Bi2", 0xd1, n)
	elseif n >= -0x80000000 then
		return spack(">Bi4", 0xd2, n)
	end
	return spack(">Bi8", 0xd3, n)
end

local function raw(s, fix, b8, b16, b32)
	local n = #s
	if fix and n < 32 then
		return spack("B", fix + n) .. s
	elseif n < 0x100 and b8 then
		return spack("BB", b8, n) .. s
	elseif n < 0x10000 then
		return spack(">BI2", b16, n) .. s
	end
	return spack(">BI4", b32, n) .. s
end

local function header(n, fix, b16, b32)
	if n < 16 then
		return spack("B", fix + n)
	elseif n < 0x10000 then
		return spack(">BI2", b16, n)
	end
	return spack(">BI4", b32, n)
end

local encode

local function table_(t)
	if getmetatable(t) == BIN then
		return raw(t[1], nil, 0xc4, 0xc5, 0xc6)
	end
	local count = 0
	for _ in pairs(t) do
		count = count + 1
	end
	local n = #t
	local parts = {}
	if count == n then
		parts[1] = header(n, 0x90, 0xdc, 0xdd)
		for i = 1, n do
			parts[i + 1] = encode(t[i])
		end
	else
		parts[1] = header(count, 0x80, 0xde, 0xdf)
		for k, v in pairs(t) do
			parts[#parts + 1] = encode(k)
			parts[#parts + 1] = encode(v)
		end
	end
	return concat(parts)
end

--- The msgpack encoding of `v` (a string).
function encode(v)
	local kind = type(v)
	if kind == "number" then
		if mtype(v) == "integer" then
			return int(v)
		end
		return spack(">Bd", 0xcb, v)
	elseif kind == "string" then
		return raw(v, 0xa0, 0xd9, 0xda, 0xdb)
	elseif kind == "table" then
		return table_(v)
	elseif kind == "boolean" then
		return v and "\195" or "\194"
	elseif v == nil then
		return "\192"
	end
	error("msgpack: cannot encode a " .. kind, 0)
end
M.encode = encode
M.int = int

local decode

local function array(s, pos, n)
	local t = {}
	for i = 1, n do
		t[i], pos = decode(s, pos)
	end
	return t, pos
end

local function map(s, pos, n)
	local t, k = {}, nil
	for _ = 1, n do
		k, pos = decode(s, pos)
		t[k], pos = decode(s, pos)
	end
	return t, pos
end

-- Fixed-size types: first byte -> string.unpack format of what follows.
local FIXED = {
	[0xcc] = "B", [0xcd] = ">I2", [0xce] = ">I4", [0xcf] = ">i8",
	[0xd0] = "b", [0xd1] = ">i2", [0xd2] = ">i4", [0xd3] = ">i8",
	[0xca] = ">f", [0xcb] = ">d",
}
-- Length-prefixed types: first byte -> {length format, kind}.
local SIZED = {
	[0xd9] = { "B", "raw" }, [0xda] = { ">I2", "raw" }, [0xdb] = { ">I4", "raw" },
	[0xc4] = { "B", "raw" }, [0xc5] = { ">I2", "raw" }, [0xc6] = { ">I4", "raw" },
	[0xdc] = { ">I2", array }, [0xdd] = { ">I4", array },
	[0xde] = { ">I2", map }, [0xdf] = { ">I4", map },
}

--- The value encoded at `s[pos]` and the position after it.
function decode(s, pos)
	local b = byte(s, pos)
	if not b then
		error("msgpack: truncated data", 0)
	end
	pos = pos + 1
	if b < 0x80 then
		return b, pos
	elseif b >= 0xe0 then
		return b - 0x100, pos
	elseif b >= 0xa0 and b < 0xc0 then
		local last = pos + b - 0xa0
		if last - 1 > #s then
			error("msgpack: truncated data", 0)
		end
		return sub(s, pos, last - 1), last
	elseif b >= 0x90 and b < 0xa0 then
		return array(s, pos, b - 0x90)
	elseif b >= 0x80 and b < 0x90 then
		return map(s, pos, b - 0x80)
	elseif b == 0xc0 then
		return nil, pos
	elseif b == 0xc2 then
		return false, pos
	elseif b == 0xc3 then
		return true, pos
	end
	local format = FIXED[b]
	if format then
		if b == 0xcf and byte(s, pos) >= 0x80 then
			error("msgpack: unsigned integer above 2^63-1", 0)
		end
		return sunpack(format, s, pos)
	end
	local sized = SIZED[b]
	if not sized then
		error(string.format("msgpack: unsupported type byte 0x%02x", b), 0)
	end
	local n
	n, pos = sunpack(sized[1], s, pos)
	if sized[2] == "raw" then
		if pos + n - 1 > #s then
			error("msgpack: truncated data", 0)
		end
		return sub(s, pos, pos + n - 1), pos + n
	end
	return sized[2](s, pos, n)
end

--- The one value encoded in `s`.
function M.decode(s)
	local value, pos = decode(s, 1)
	if pos ~= #s + 1 then
		error("msgpack: trailing bytes after the value", 0)
	end
	return value
end

return M
