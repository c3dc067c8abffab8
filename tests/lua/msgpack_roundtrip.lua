-- Test only (tests/test_lua_msgpack.py), run with -autoboot_script: decodes each case with the
-- plugin's msgpack and encodes it again, inside MAME's own Lua (5.3 or 5.4).
-- MSGPACK_IN holds an array of cases, each the msgpack bytes of one value (as a bin);
-- MSGPACK_OUT gets an array of results: the re-encoded bytes (bin), or "ERROR <message>".
local m = dofile(os.getenv("MSGPACK_LUA"))
local source = assert(io.open(os.getenv("MSGPACK_IN"), "rb"))
local cases = m.decode(source:read("a"))
source:close()
local results = {}
for i, case in ipairs(cases) do
	local ok, value = pcall(m.decode, case)
	if ok then
		ok, value = pcall(m.encode, value)
	end
	results[i] = ok and m.bin(value) or ("ERROR " .. tostring(value))
end
local sink = assert(io.open(os.getenv("MSGPACK_OUT"), "wb"))
sink:write(m.encode(results))
sink:close()
io.stdout:flush()
os.exit(0) -- not machine:exit(): MAME 0.251 may crash on exit after an autoboot script
