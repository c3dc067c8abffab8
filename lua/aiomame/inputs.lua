-- Inputs: the ioport fields a step presses and releases, and DIP switch / configuration
-- settings, kept over hard resets.
local M = {}

local sunpack = string.unpack
local fields = {} -- field id (as in hello) -> ioport field
local held = {} -- the fields the current step pressed
local kept = {} -- {port tag, field name, value} per setting made

--- The running machine's fields, by id + 1 (see hello.lua).
function M.use_fields(list)
	fields = list
end

--- Presses the `count` inputs of a step command: from byte `pos` of `body`, per input its
--- field id (u32) and value (i64), big-endian. Raises on an unknown id.
function M.press(body, pos, count)
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
end

--- Releases what the step pressed.
function M.release()
	for i = 1, #held do
		held[i]:clear_value()
		held[i] = nil
	end
end

--- Forgets what the step pressed without releasing it: after a hard reset, its fields are
--- the old machine's.
function M.forget_held()
	held = {}
end

--- A DIP switch's or configuration field's setting (its user_value) and its settings
--- ({value, name} each, by value), set first to `value` (one of the field's settings'
--- values, checked by Python) if given. Raises on an unknown id or a value not an integer.
function M.setting(id, value)
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
	return field.user_value, list
end

--- Makes the settings again on a new machine (a hard reset starts from the defaults).
function M.restore_settings()
	local ports = manager.machine.ioport.ports
	for _, entry in ipairs(kept) do
		local port = ports[entry[1]]
		local field = port and port.fields[entry[2]]
		if field then
			field.user_value = entry[3]
		end
	end
end

return M
