-- Frames: a screen's pixels (its bitmap, or MAME's snapshot render for a vector screen) and
-- where they go: the frames file in Python's private directory (AIOMAME_FRAMES), which
-- Python maps, or a slot of a pool's shared frames file. Each is one write; the step reply
-- carries their byte count.
local M = {}

local frames_file = nil
-- A slot of a pool's shared frames file ("frames" command): the file, where the slot starts
-- and the one frame size it takes; frames of another size (a screen that changed size) and
-- max-pooled pairs still go to frames_file.
local slot_file, slot_offset, slot_size = nil, 0, 0
local screens = {} -- screen index (1-based here, 0-based on the wire) -> screen device
-- screen index -> true for a vector screen: MAME draws its vectors only into the render
-- container, not into the screen's bitmap, so its frame is the snapshot render.
local vector = {}

--- Opens the frames file at `path`; nil and why when it cannot.
function M.open(path)
	local file, err = io.open(path, "r+b")
	if not file then
		return nil, err
	end
	file:setvbuf("no") -- one write(2) per frame
	frames_file = file
	return true
end

--- The running machine's screens, and which are vector screens (see hello.lua).
function M.use_screens(list, vectors)
	screens, vector = list, vectors
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

--- Writes screen `index`'s frame into the frames file after the last frame's place (the
--- next-to-last frame of a max-pooled step); its byte count, or 0 when the write failed.
function M.write_pair(index)
	local pixels = frame_of(index)
	frames_file:seek("set", #pixels)
	if frames_file:write(pixels) then
		return #pixels
	end
	return 0
end

--- Screen `index`'s frame written out: the frame number (of screen 1 when `index` has no
--- screen, -1 with no screen at all), width, height and byte count: 0, 0, 0 with no screen
--- at `index`; negative when the frame went to the frames file although a slot is set.
--- With `pair`, a pair frame of `pair_size` bytes is in the frames file (write_pair): a
--- frame of another size (the screen changed size) is written twice instead. nil and why
--- when the write failed.
function M.capture(index, pair, pair_size)
	local screen = screens[index]
	local clock = screen or screens[1]
	local number = clock and clock:frame_number() or -1
	if not screen then
		return number, 0, 0, 0
	end
	local pixels, width, height = frame_of(index)
	local n = #pixels
	local file, offset, sign = frames_file, 0, 1
	if slot_file then
		if n == slot_size and not pair then
			file, offset = slot_file, slot_offset
		else
			sign = -1
		end
	end
	file:seek("set", offset)
	local ok, err = file:write(pixels)
	if ok and pair and pair_size ~= n then -- the screen changed size: no pair
		ok, err = file:write(pixels)
	end
	if not ok then
		return nil, err
	end
	return number, width, height, sign * n
end

--- Frames of `size` bytes go to the file at `path` (which must exist) from byte `offset`
--- (a pool's shared file: each MAME its slot). Raises on bad arguments or a file that
--- cannot be opened.
function M.use_slot(path, offset, size)
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
end

return M
