-- Test only (tests/test_errors.py): makes this MAME look like one without emu.file, so that
-- the aiomame plugin, started after this one, reports it.
local exports = { name = "aiomame_hide_emu_file", version = "1.0.0",
	description = "removes emu.file", license = "MIT", author = { name = "aiomame" } }
function exports.startplugin()
	emu.file = nil
end
return exports
