-- Test only (tests/test_faults.py). The aiomame plugin cannot be made to send bad bytes, so
-- this plugin, started with it, wraps emu.file: the reply socket the aiomame plugin opens
-- passes every reply through unchanged, until a command named fault_arm_<kind> (which the
-- aiomame plugin refuses as unknown, a reply passed through too) arms a fault; the next reply
-- is then replaced by:
--   garbage:   16 bytes that are not msgpack (0xc1 is never used);
--   truncated: its first half, and nothing more (the plugin goes on waiting for a command);
--   oversized: a reply declaring a 1 GiB bin, followed by 1,000 bytes of it;
--   misreported: a save_state reply saying the state file holds 1 TiB (a file cut short).
local exports = { name = "aiomame_faulty_wire", version = "1.0.0",
	description = "bad bytes on the reply socket", license = "MIT", author = { name = "aiomame" } }

local FAULTS = {
	garbage = function(data) return string.rep("\xc1", 16) end,
	truncated = function(data) return data:sub(1, #data // 2) end,
	oversized = function(data)
		return "\x92\xa5bytes\xc6" .. string.pack(">I4", 1 << 30) .. string.rep("\0", 1000)
	end,
	misreported = function(data) return "\x92\xaastate_file\xcf" .. string.pack(">I8", 1 << 40) end,
}

function exports.startplugin()
	local real_file = emu.file
	emu.file = function(...)
		local file = real_file(...)
		local armed = nil
		local wrapper = {}
		function wrapper:open(name) return file:open(name) end
		function wrapper:close() return file:close() end
		function wrapper:write(data)
			local kind = data:match("fault_arm_(%a+)")
			if kind and FAULTS[kind] then
				armed = FAULTS[kind]
			elseif armed then
				local fault = armed
				armed = nil
				file:write(fault(data))
				return #data -- the aiomame plugin believes its reply went out whole
			end
			return file:write(data)
		end
		return wrapper
	end
end

return exports
