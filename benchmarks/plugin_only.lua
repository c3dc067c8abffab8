-- Benchmark ceiling "plugin-only": the per-step readout of aiomame's plugin (pixels and their
-- write to the frames file, memory reads, the binary step reply packed as the plugin packs it)
-- inside MAME, with no socket and no Python.
-- Run with -autoboot_script; settings come from the environment (see step_throughput.py).
local spack = string.pack
local ratio = tonumber(os.getenv("BENCH_FRAME_RATIO"))
local steps = tonumber(os.getenv("BENCH_STEPS"))
local frames_file = nil -- set: frames asked for (one write of the pixels per step)
if os.getenv("BENCH_FRAMES") then
	frames_file = assert(io.open(os.getenv("BENCH_FRAMES"), "w+b"))
	frames_file:setvbuf("no")
end
local machine = manager.machine
local screen = machine.screens[os.getenv("BENCH_SCREEN")]
local space = machine.devices[os.getenv("BENCH_DEVICE")].spaces["program"]
local addresses = {}
for a in string.gmatch(os.getenv("BENCH_ADDRESSES"), "%d+") do
	addresses[#addresses + 1] = tonumber(a)
end
local reply_size = 40 + 8 * #addresses
local reply_format = ">BI2<i8i8i8i8i8" .. string.rep("i8", #addresses)
local frames, done, started = 0, 0, nil
emu.register_frame_done(function()
	frames = frames + 1
	if frames % ratio ~= 0 then
		return
	end
	if not started then
		started = emu.osd_ticks()
	end
	local values = {}
	for i = 1, #addresses do
		values[i] = space:read_u8(addresses[i])
	end
	local w, h, n = 0, 0, 0
	if frames_file then
		local pixels
		pixels, w, h = screen:pixels()
		frames_file:seek("set", 0)
		frames_file:write(pixels)
		n = #pixels
	end
	local reply = spack(reply_format, 0xc5, reply_size, 70, screen:frame_number(), w, h, n,
		table.unpack(values))
	done = done + 1
	if done == steps then
		local seconds = (emu.osd_ticks() - started) / emu.osd_ticks_per_second()
		print(string.format("AIOMAME_BENCH fps=%.1f", (steps - 1) * ratio / seconds))
		io.stdout:flush() -- MAME 0.251 may crash on exit after an autoboot script
		machine:exit()
	end
end)
