-- Test only (tests/test_errors.py). A MAME that dies right after its hello: this plugin,
-- started before the aiomame plugin, wraps emu.file so that the reply socket the aiomame
-- plugin opens exits MAME (status 3) as soon as the hello has been written.
local exports = { name = "aiomame_exit_after_hello", version = "1.0.0",
	description = "MAME exits after the hello", license = "MIT", author = { name = "aiomame" } }

function exports.startplugin()
	local real_file = emu.file
	emu.file = function(...)
		local file = real_file(...)
		local wrapper = {}
		function wrapper:open(name) return file:open(name) end
		function wrapper:close() return file:close() end
		function wrapper:write(data)
			local wrote = file:write(data)
			if data:find("hello", 1, true) then
				os.exit(3)
			end
			return wrote
		end
		return wrapper
	end
end

return exports
