-- Benchmark ceiling "plugin-only": the per-step readout of aiomame's plugin (pixels, memory
-- reads, msgpack encoding of the reply, and for the shared transport the write of the pixels
-- to the frames file) inside MAME, with no socket and no Python.
-- Run with -autoboot_script; settings come from the environment (see step_throughput.py).
local mpack = require("mpack")
local pack, spack = mpack.pack, string.pack
local ratio = tonumber(os.getenv("BENCH_FRAME_RATIO"))
local steps = tonumber(os.getenv("BENCH_STEPS"))
local with_pixels = os.getenv("BENCH_PIXELS") == "1"
local frames_file = nil -- set: the plugin's shared transport (one write of the pixels)
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
	local head = "\150" .. pack("frame") .. pack(screen:frame_number()) .. pack(values)
	if with_pixels then
		local pixels, w, h = screen:pixels()
		if frames_file then
			frames_file:seek("set", 0)
			frames_file:write(pixels)
			head = head .. pack(w) .. pack(h) .. "\206" .. spack(">I4", #pixels)
		else
			head = head .. pack(w) .. pack(h) .. "\198" .. spack(">I4", #pixels)
		end
	else
		head = head .. "\192\192\192"
	end
	done = done + 1
	if done == steps then
		local seconds = (emu.osd_ticks() - started) / emu.osd_ticks_per_second()
		print(string.format("AIOMAME_BENCH fps=%.1f", (steps - 1) * ratio / seconds))
		io.stdout:flush() -- MAME 0.251 may crash on exit after an autoboot script
		machine:exit()
	end
end)
