#!/usr/bin/env bash
# Verification harness for the "catch" ROM on stock MAME (tested with 0.251, 0.276, 0.289).
#
#  1. if suite8080 is installed: rebuild from catch.asm and check that the
#     committed ROM files and aiomame/games/catch_layout.py match (build.py --check)
#  2. boot the ROM set headless without any script, print what MAME prints
#  3. run probe.lua twice with the same scripted inputs: it checks boot, coin/start,
#     paddle movement (RAM and pixels), a tracking policy, no-op game over and a
#     random agent, and prints the numbers; the two runs must print the same lines
#     (RAM and picture digests included), TIMING lines aside
#  4. convert the raw frame probe.lua saved into a PNG as the player sees it
#
# Environment: MAME (default /usr/games/mame), CATCH_PNG (default
# /tmp/catch_screenshot.png), CATCH_OUT (work directory, default a new temp dir).
# Exit status 0 only if every step passed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MAME=${MAME:-/usr/games/mame}
PNG=${CATCH_PNG:-/tmp/catch_screenshot.png}
OUT=${CATCH_OUT:-$(mktemp -d -t catchcheck.XXXXXX)}
mkdir -p "$OUT"
# The ROM image cut into the files this MAME expects (their names change between versions).
ROMPATH="$OUT/roms"
(cd "$REPO" && python3 -m aiomame roms catch "$ROMPATH" --mame "$MAME" >/dev/null)
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy
FLAGS=(-rompath "$ROMPATH" -video none -sound none -nothrottle -skip_gameinfo)
fail=0

echo "== 1. build check"
if python3 -c "import suite8080" 2>/dev/null; then
    python3 "$HERE/build.py" --check || fail=1
else
    echo "suite8080 not installed: skipping the rebuild check (pip install suite8080==0.5.0)"
fi

echo "== 2. plain headless boot (5 emulated seconds, no script, stdin closed)"
set +e
timeout -s KILL 60 "$MAME" invaders "${FLAGS[@]}" -seconds_to_run 5 </dev/null \
    >"$OUT/plain.out" 2>"$OUT/plain.err"
rc=$?
set -e
echo "exit status: $rc"
echo "-- stdout:"; cat "$OUT/plain.out"
echo "-- stderr:"; cat "$OUT/plain.err"
[ "$rc" -eq 0 ] || { echo "FAIL: plain run exited with $rc"; fail=1; }

echo "== 3. probe runs"
for i in 1 2; do
    start=$(date +%s.%N)
    set +e
    CATCH_SHOT="$OUT/shot$i.bgra" timeout -s KILL 600 "$MAME" invaders "${FLAGS[@]}" \
        -seconds_to_run 3600 -autoboot_script "$HERE/probe.lua" </dev/null \
        >"$OUT/probe$i.out" 2>"$OUT/probe$i.err"
    rc=$?
    set -e
    end=$(date +%s.%N)
    echo "-- run $i: exit status $rc, wall $(python3 -c "print(round($end - $start, 1))") s"
    [ "$rc" -eq 0 ] || { echo "FAIL: probe run $i exited with $rc"; fail=1; }
    grep -q '^RESULT PASS' "$OUT/probe$i.out" || { echo "FAIL: probe run $i did not pass"; fail=1; }
done
cat "$OUT/probe1.out"
if diff <(grep -v '^TIMING' "$OUT/probe1.out") <(grep -v '^TIMING' "$OUT/probe2.out") >"$OUT/probe.diff" \
   && cmp -s "$OUT/shot1.bgra" "$OUT/shot2.bgra"; then
    echo "DETERMINISM ok: both runs printed the same state, digests and screenshot"
else
    echo "FAIL: the two runs differ:"; cat "$OUT/probe.diff"; fail=1
fi

echo "== 4. screenshot"
if [ -s "$OUT/shot1.bgra" ]; then
    python3 - "$OUT/shot1.bgra" "$PNG" <<'EOF'
import struct, sys, zlib
raw = open(sys.argv[1], "rb").read()
W, H, SCALE = 260, 224, 2            # MAME bitmap: 260 wide, 224 tall, B,G,R,A bytes
assert len(raw) == W * H * 4, len(raw)
rows = []
for y in range(W):                   # player view: 224 wide, 260 tall (rotated)
    line = bytearray()
    for x in range(H):
        o = (x * W + (W - 1 - y)) * 4
        line += bytes((raw[o + 2], raw[o + 1], raw[o])) * SCALE
    rows += [b"\x00" + bytes(line)] * SCALE
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = (b"\x89PNG\r\n\x1a\n"
       + chunk(b"IHDR", struct.pack(">IIBBBBB", H * SCALE, W * SCALE, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))
open(sys.argv[2], "wb").write(png)
print("wrote", sys.argv[2])
EOF
else
    echo "FAIL: no screenshot was taken"; fail=1
fi

echo "work files in $OUT"
if [ "$fail" -eq 0 ]; then echo "CHECK PASS"; else echo "CHECK FAIL"; fi
exit "$fail"
