-- Benchmark ceiling "plugin-only": the per-step readout of aiomame's plugin (pixels and their
-- write to the frames file, memory reads, msgpack encoding of the reply with the plugin's own
-- encoder) inside MAME, with no socket and no Python.
-- Run with -autoboot_script; settings come from the environment (see step_throughput.py).
local msgpack = dofile(os.getenv("BENCH_MSGPACK"))
local pack, int, spack = msgpack.encode, msgpack.int, string.pack
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
	local head = "\150\165frame" .. int(screen:frame_number()) .. pack(values)
	if frames_file then
		local pixels, w, h = screen:pixels()
		frames_file:seek("set", 0)
		frames_file:write(pixels)
		head = head .. int(w) .. int(h) .. spack(">BI4", 0xce, #pixels)
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
