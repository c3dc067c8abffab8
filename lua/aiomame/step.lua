-- The hot path, binary both ways (string.pack with formats made once, laid out in
-- aiomame/transport/protocol.py): the step command (press, run N frames), the count of its
-- frames in MAME's frame-done callback, and the step reply.
local transport = require("aiomame.transport")
local frames = require("aiomame.frames")
local inputs = require("aiomame.inputs")
local memory = require("aiomame.memory")

local M = {}

M.RUN = {} -- what a command's handler returns to let emulation run again (a step, exit)
local RUN = M.RUN
local send, reply = transport.send, transport.reply
local capture, write_pair = frames.capture, frames.write_pair
local press, release, read_watched = inputs.press, inputs.release, memory.read_watched
local spack, sunpack, unpack = string.pack, string.unpack, table.unpack

-- msgpack's bin header for each size of length (bin 8, 16, 32).
local BIN_HEAD = { [">BB"] = 0xc4, [">BI2"] = 0xc5, [">BI4"] = 0xc6 }
local frames_left = 0
local step_screen = 0 -- screen index of the current step (0: no frame)
local step_pair = false -- the step also returns its next-to-last frame (max pooling)
local pair_size = 0 -- bytes of the next-to-last frame written this step
-- The step reply: a msgpack bin (header, then its length) holding little-endian i64
-- words: the kind (70: "F"), the frame number, width, height, pixel byte count and the
-- watched values; made per watch.
local reply_format, reply_size, reply_head = ">BB<i8i8i8i8i8", 40, 0xc4

--- The step reply carries `count` watched values from now on.
function M.watching(count)
	reply_size = 40 + 8 * count
	local head = reply_size < 256 and ">BB" or reply_size < 65536 and ">BI2" or ">BI4"
	reply_format = head .. "<i8i8i8i8i8" .. string.rep("i8", count)
	reply_head = BIN_HEAD[head]
end

--- The binary step command: "S", frames (u32), screen index or -1 (i16), pair (u8),
--- input count (u16), then per input its field id (u32) and value (i64), big-endian:
--- press, then RUN. With `pair` (and 2 frames or more), the step's next-to-last frame
--- goes into the frames file right after the last one, for Python to take their maximum.
--- Raises on a bad command.
function M.begin(body)
	local _, n_frames, screen, pair, count, pos = sunpack(">c1I4i2BI2", body)
	if n_frames < 1 then
		error("frames must be >= 1, got " .. n_frames, 0)
	elseif #body ~= pos - 1 + 12 * count then
		error(string.format("a step command of %d bytes for %d inputs", #body, count), 0)
	end
	press(body, pos, count)
	frames_left = n_frames
	step_screen = screen + 1
	step_pair, pair_size = pair ~= 0 and n_frames > 1 and step_screen > 0, 0
	return RUN
end

-- The step reply: the frame (see frames.capture) and the watched values.
local function step_reply()
	local number, width, height, count = capture(step_screen, step_pair, pair_size)
	if not number then
		return reply("error", "frames_file", tostring(width))
	end
	return send(spack(reply_format, reply_head, reply_size, 70, number, width, height, count,
		unpack(read_watched())))
end

--- Counts a frame done: true when commands are to be served now (no step running, or its
--- last frame done and replied), false while the step runs (or its reply could not go).
function M.advance()
	if frames_left == 0 then
		return true
	end
	frames_left = frames_left - 1
	if frames_left > 0 then
		if step_pair and frames_left == 1 then
			pair_size = write_pair(step_screen)
		end
		return false
	end
	local ok, sent = pcall(step_reply)
	release()
	if not ok then
		sent = reply("error", "failed", tostring(sent))
	end
	return sent
end

return M
