-- The hello: the running machine looked over (screens, devices and their address spaces,
-- input ports and fields, media), as Python gets it at start and from "inputs"; the objects
-- found are handed to the modules whose commands address them by index or name.
local frames = require("aiomame.frames")
local inputs = require("aiomame.inputs")
local memory = require("aiomame.memory")

local M = {}

local PROTOCOL_VERSION = 5

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

-- Screens in MAME's own (device tree) order, the first the main one: their descriptions
-- into info.screens; the devices and which are vector screens into `screens` and `vector`.
local function describe_screens(machine, info, screens, vector)
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
end

-- Devices with address spaces, in device order: into info.devices with their spaces, and
-- the spaces into `spaces`. The default device for memory, info.default_cpu: the machine's
-- own CPU, the CPU with the shallowest tag (":f3" on pet2001, not its floppy drive's
-- ":ieee8:c4040:un1"), ":maincpu" before any other, else the first in device order; no
-- CPU: the first device.
local function describe_devices(machine, info, spaces)
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
end

-- Ports and their fields, in tag and name order: into info.ports, the fields into
-- `fields` (a field's id is its index there, 0-based).
local function describe_ports(machine, info, fields)
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
end

--- Looks the running machine over: hands its screens, spaces and fields to frames, memory
--- and inputs, and returns the hello's info. Runs again after a hard reset, which builds a
--- new machine (same layout, new objects).
function M.describe()
	local machine = manager.machine
	local screens, vector, spaces, fields = {}, {}, {}, {}
	frames.use_screens(screens, vector)
	memory.use_spaces(spaces)
	inputs.use_fields(fields)
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
	describe_screens(machine, info, screens, vector)
	describe_devices(machine, info, spaces)
	describe_ports(machine, info, fields)
	return info
end

return M
