; =====================================================================
; DUEL - a tiny original two-player game for the Midway 8080 B/W (Space
; Invaders) board, written for aiomame as a freely redistributable ROM.
; Runs on stock MAME as system "invaders", like CATCH (rom/catch), whose
; drawing and PRNG code it reuses.
;
; Assembler: suite8080 (asm80), Intel 8080 mnemonics, in the small
; dialect rom/build8080.py lints for:
;   - at most one semicolon per line (comments only, never in data)
;   - no arithmetic expressions: every address/constant is an EQU name
;   - hex literals start with a digit and end in h, e.g. 0f0h
;   - labels are alphanumeric only, and no identifier or literal may
;     contain the letters "db" or "equ" (the parser looks for them
;     anywhere in a line)
;   - EQU lines have no colon after the name
;
; ---------------------------------------------------------------------
; Hardware recap (see rom/catch/catch.asm for the video RAM layout)
;   Port 1 read: bit0 coin (active LOW), bit1 2P start, bit2 1P start,
;   bit5 P1 left, bit6 P1 right. Port 2 read: bit4 P2 fire, bit5 P2
;   left, bit6 P2 right, but only when MAME's cabinet setting is
;   "Cocktail" (upright: they mirror player 1), so port 2 is read only in
;   a two-player game. Port 6 write: watchdog. Ports 3/5: sound, kept 0
;   (bit 5 of port 5 flips a cocktail screen).
;
; Game
;   Two paddles (24x4 px) race to catch the same falling balls: player
;   1's solid paddle on rows 232-235, player 2's hollow one on rows
;   240-243, both moving 4 px per frame. Balls (8x8) fall 3 px per frame
;   from row 16, one every 48 frames (at most two at once), at columns
;   drawn from a 16-bit xorshift PRNG (seeded 0ACE1h at power-on, stepped
;   every frame and once per spawn). When a ball's top row reaches 225 or
;   more it is resolved for both players at once: the only paddle that
;   overlaps it scores, or of two the one whose centre is closer (equal:
;   nobody), else it is lost. 11 points win, and after 99 balls the higher
;   score wins (equal: draw). 1P start plays against the computer, which
;   moves player 2's paddle 2 px per frame toward the lowest ball once
;   that ball is past row aiwake. 2P start reads both players.
;
; Frame loop: as in CATCH, the RST 2 handler counts frames and raises
; VBFLAG, and the main loop runs one game step per frame. Each frame's
; work fits in the frame (about 33000 cycles): LATE counts the steps
; that did not, and stays 0.
; =====================================================================

; ------------------------- RAM map (2000h-23FFh) ---------------------
frame     equ 2000h    ; u32 frames since power-on, incremented at vblank
framehi   equ 2002h    ; high word of frame
vbflag    equ 2004h    ; u8 set by the vblank interrupt, cleared by main
gstate    equ 2005h    ; u8 0 = attract (never played), 1 = playing, 2 = game over
mode      equ 2006h    ; u8 0 before the first game, 1 = vs computer, 2 = two players
credits   equ 2007h    ; u8 credits, 0..9
p1score   equ 2008h    ; u8 player 1 points this match
p2score   equ 2009h    ; u8 player 2 points this match
p1x       equ 200ah    ; u8 player 1 paddle left edge, player-view x (0..200)
p2x       equ 200bh    ; u8 player 2 paddle left edge (0..200)
winner    equ 200ch    ; u8 0 while playing and for a draw, 1 or 2 at game over
event     equ 200dh    ; u8 this frame: 0 none, 1 P1 caught, 2 P2 caught, 3 lost
balls     equ 200eh    ; u8 balls resolved (caught or lost) this match
incur     equ 200fh    ; u8 port 1 as read this frame
rng       equ 2010h    ; u16 xorshift PRNG state (never 0)
spawnt    equ 2012h    ; u8 frames until the next spawn attempt
inprev    equ 2013h    ; u8 port 1 as read last frame
dshift    equ 2014h    ; u8 scratch for the sprite routine
dsrc      equ 2015h    ; u16 scratch for the sprite routine
mulm      equ 2017h    ; u8 scratch for rscale
gend      equ 2018h    ; u8 set when this frame's step ended the match
prompt    equ 2019h    ; u8 1: draw the coin/start prompt on the next idle frame
late      equ 201ah    ; u8 steps that ended after the next vblank (should stay 0)
obj0a     equ 2020h    ; u8 ball 0 active flag
obj0x     equ 2021h    ; u8 ball 0 left edge, player-view x (0..216)
obj0y     equ 2022h    ; u8 ball 0 top edge, player-view y (16..223 while drawn)
obj1a     equ 2024h    ; u8 ball 1 active flag
obj1x     equ 2025h    ; u8 ball 1 x
obj1y     equ 2026h    ; u8 ball 1 y
stacktop  equ 2400h    ; stack grows down from here (2300h-23FFh reserved)

; ------------------------- tuning ------------------------------------
padw      equ 24       ; paddle width in pixels
padmid    equ 22       ; paddle columns between its two edge columns
padmax    equ 200      ; largest paddle x (224 - padw)
padstart  equ 100      ; both paddles' x at game start
padspeed  equ 4        ; player paddle pixels per frame
aispeed   equ 2        ; computer paddle pixels per frame
aiwake    equ 124      ; the computer follows a ball only once its y >= aiwake
aitol     equ 2        ; it stops when its centre is within aitol-1 px of the ball's
objstarty equ 16       ; ball y when spawned
objspeed  equ 3        ; ball pixels per frame
objcatchy equ 225      ; a ball with y >= this is resolved
catchw    equ 31       ; overlap: u = x+7-padx, 0 <= u < catchw (padw+7)
half      equ 15       ; centre distance = abs(u - half)
spawnint  equ 48       ; frames between spawns
spawn1st  equ 20       ; frames from start to the first spawn
xrange    equ 217      ; ball x = (random16 * 217) >> 16, so 0..216
winscore  equ 11       ; points that win a match
ballcap   equ 99       ; balls after which the match ends anyway
maxcred   equ 9        ; credit cap

; ------------------------- screen cells -------------------------------
; Text cells are 8x8: H = 24h + character column (0..27), L = byte index
; (31 = top text row, 0 = bottom text row).
cellp1    equ 241fh    ; "P1" top-left
cellp1d   equ 271fh    ; its 2 digits
cellp2    equ 3b1fh    ; "P2" top-right
cellp2d   equ 3e1fh    ; its 2 digits
cellcred  equ 2400h    ; "CREDIT" bottom-left
cellcrd   equ 2b00h    ; credit digit
celltitle equ 3016h    ; "DUEL"
cellwin   equ 2e16h    ; "P1 WINS" / "P2 WINS"
celldraw  equ 3016h    ; "DRAW"
cellcoin  equ 2c10h    ; "INSERT COIN"
cellstart equ 2b0eh    ; "1 OR 2 PLAYERS"
rowtitle  equ 22       ; text rows cleared when a game starts
rowcoin   equ 16
rowstart  equ 14
p1row     equ 2402h    ; line 0, byte 2: paddle 1 is bits 4-7 (rows 232-235)
p2row     equ 2401h    ; line 0, byte 1: paddle 2 is bits 4-7 (rows 240-243)
p2byte    equ 1        ; the same byte index, for fillrow
textline  equ 27h      ; H of line 56 (2400h + 56 * 32), where message text starts
textlines equ 112      ; lines 56-167 hold every message (cells 7-20)
p2mid     equ 90h      ; paddle 2 between its edges: rows 240 and 243 only
floorbit  equ 02h      ; byte 1, bit 1: floor line (row 246)
divrow    equ 241eh    ; line 0, byte 30: divider under the score (row 10)

; =====================================================================
        org 0
; RST 0 / reset
        di
        lxi sp, stacktop
        jmp init
        nop
; RST 1 at 0008h: mid-screen interrupt, not used
isr1:   ei
        ret
        ds 6
; RST 2 at 0010h: start of vblank. Count the frame and wake the main loop.
isr2:   push psw
        push h
        lhld frame
        inx h
        shld frame
        mov a, h
        ora l
        jnz isr2b
        lhld framehi
        inx h
        shld framehi
isr2b:  mvi a, 1
        sta vbflag
        pop h
        pop psw
        ei
        ret

; ------------------------- power-on ----------------------------------
init:   out 6
        xra a
        out 3
        out 5
; clear RAM and video RAM (2000h-3FFFh)
        lxi h, 2000h
        lxi b, 2000h
clrall: mvi m, 0
        inx h
        dcx b
        mov a, b
        ora c
        jnz clrall
        out 6
        lxi h, 0ace1h
        shld rng
        mvi a, 1
        sta inprev
        call drawhud
        call drawattr
        ei

; ------------------------- main loop ---------------------------------
main:   lda vbflag
        ora a
        jz main
        xra a
        sta vbflag
        out 6
        in 1
        sta incur
        call rand
        call docoin
        lda gstate
        cpi 1
        jnz mainidle
        call play
        jmp mainend
mainidle:
        call idle
mainend:
        lda incur
        sta inprev
; a step still running at the next vblank (VBFLAG already set again)
; would make that frame show no step: count it (saturating at 255)
        lda vbflag
        ora a
        jz main
        lda late
        inr a
        jz main
        sta late
        jmp main

; ------------------------- PRNG --------------------------------------
; 16-bit xorshift (7,9,8), period 65535. Returns the new state in HL.
rand:   lhld rng
        mov a, h
        rar
        mov a, l
        rar
        xra h
        mov h, a
        mov a, l
        rar
        mov a, h
        rar
        xra l
        mov l, a
        xra h
        mov h, a
        shld rng
        ret

; ------------------------- coins -------------------------------------
; A credit is added on the frame the coin line goes down (active low).
docoin: lda inprev
        ani 1
        rz
        lda incur
        ani 1
        rnz
        lda credits
        cpi maxcred
        rnc
        inr a
        sta credits
        jmp drawcred

; ------------------------- attract / game over -----------------------
; Start is level-triggered: a held start with a credit starts a game,
; 1P start (checked first) against the computer, 2P start for two
; players. Either costs one credit. The first frame after a match only
; draws the prompt (a start held then starts the game a frame later).
idle:   lda prompt
        ora a
        jz idcred
        xra a
        sta prompt
        jmp drawprompt
idcred: lda credits
        ora a
        rz
        lda incur
        mvi b, 1
        ani 4
        jnz idstart
        lda incur
        mvi b, 2
        ani 2
        rz
idstart:
        mov a, b
        sta mode
        lda credits
        dcr a
        sta credits
        call drawcred
        jmp newgame

; The match's memory is set before anything is drawn, and the drawing
; fits in the rest of the frame (the text rows are cleared only where
; text is: lines 56-167).
newgame:
        lda gstate
        cpi 2
        cz xorpads
        xra a
        sta p1score
        sta p2score
        sta winner
        sta event
        sta balls
        sta gend
        sta obj0a
        sta obj1a
        mvi a, padstart
        sta p1x
        sta p2x
        mvi a, spawn1st
        sta spawnt
        mvi a, 1
        sta gstate
        mvi a, rowtitle
        call clrtext
        mvi a, rowcoin
        call clrtext
        mvi a, rowstart
        call clrtext
        call drawscores
        jmp xorpads

; ------------------------- one step of play --------------------------
play:   xra a
        sta event
; erase balls and paddles at their old positions (XOR)
        lxi h, obj0a
        call objxor
        lxi h, obj1a
        call objxor
        call xorpads
        lda incur
        lxi h, p1x
        mvi b, padspeed
        call movepad
        call p2input
        lxi h, p2x
        call movepad
        call xorpads
        lxi h, obj0a
        call objmove
        lxi h, obj1a
        call objmove
        lda gend
        ora a
        jnz gameend
        call spawn
; draw balls at their new positions (XOR)
        lxi h, obj0a
        call objxor
        lxi h, obj1a
        jmp objxor

; the match is over: the balls are off screen, show the result (and the
; prompt on the next frame, so that each frame's drawing fits the frame)
gameend:
        xra a
        sta obj0a
        sta obj1a
        inr a
        sta prompt
        mvi a, 2
        sta gstate
        lda winner
        ora a
        jz gedraw
        lxi d, txtp1win
        cpi 1
        jz gewin
        lxi d, txtp2win
gewin:  lxi h, cellwin
        jmp print
gedraw: lxi d, txtdraw
        lxi h, celldraw
        jmp print

; move the paddle at HL by B px: A holds the input bits, left bit 5,
; right bit 6, both or none = stay. Keeps it in 0..padmax.
movepad:
        ani 60h
        cpi 20h
        jz mpleft
        cpi 40h
        rnz
        mov a, m
        add b
        cpi padmax
        jc mpset
        mvi a, padmax
mpset:  mov m, a
        ret
mpleft: mov a, m
        sub b
        jnc mpset
        xra a
        jmp mpset

; player 2's input bits in A and speed in B: port 2 in a two-player
; game, else the computer's choice
p2input:
        lda mode
        cpi 2
        jnz aimove
        mvi b, padspeed
        in 2
        ret

; the computer: follow the lowest ball whose y >= aiwake, at aispeed,
; until the centres are less than aitol apart (ball x = p2x + 8 lines
; them up)
aimove: mvi b, aispeed
        mvi c, 0
        lxi h, obj0a
        call aipick
        lxi h, obj1a
        call aipick
        mov a, c
        ora a
        rz
        lda p2x
        adi 8
        mov e, a
        adi aitol
        mov c, a
        mov a, d
        cmp c
        jnc airight
        adi aitol
        cmp e
        jc aileft
        jz aileft
        xra a
        ret
airight:
        mvi a, 40h
        ret
aileft: mvi a, 20h
        ret

; ball HL: if it is active, past aiwake and lower than C (the lowest
; so far, 0 = none), make it the target: C = its y, D = its x
aipick: mov a, m
        ora a
        rz
        inx h
        mov e, m
        inx h
        mov a, m
        cpi aiwake
        rc
        cmp c
        rc
        mov c, a
        mov d, e
        ret

; XOR both paddles at their x: paddle 1 solid, paddle 2 hollow
xorpads:
        lda p1x
        lxi d, p1row
        mvi c, 0f0h
        call xorpad
        lda p2x
        lxi d, p2row
        mvi c, p2mid
; XOR a paddle at x = A on the row byte DE of line 0: its two edge
; columns get 0F0h, the columns between them C
xorpad: mov l, a
        mvi h, 0
        dad h
        dad h
        dad h
        dad h
        dad h
        dad d
        lxi d, 32
        mov a, m
        xri 0f0h
        mov m, a
        dad d
        mvi b, padmid
xpl:    mov a, m
        xra c
        mov m, a
        dad d
        dcr b
        jnz xpl
        mov a, m
        xri 0f0h
        mov m, a
        ret

; ball HL -> (active, x, y): if active, XOR its sprite onto the screen
objxor: mov a, m
        ora a
        rz
        inx h
        mov b, m
        inx h
        mov c, m
        jmp xorball

; ball HL: fall one step, resolve it at the catch line (not once the
; match has ended this frame)
objmove:
        lda gend
        ora a
        rnz
        mov a, m
        ora a
        rz
        push h
        inx h
        mov b, m
        inx h
        mov a, m
        adi objspeed
        mov m, a
        pop h
        cpi objcatchy
        rc
        mvi m, 0
        lda balls
        inr a
        sta balls
; each paddle's centre distance to the ball, 0FFh if it does not overlap
        lxi h, p1x
        call overlap
        mov c, a
        lxi h, p2x
        call overlap
        cmp c
        jc p2gets
        jz nobody
        lxi h, p1score
        mvi a, 1
        jmp scored
p2gets: lxi h, p2score
        mvi a, 2
scored: sta event
        inr m
        mov a, m
        cpi winscore
        jc scdraw
        lda event
        sta winner
        mvi a, 1
        sta gend
scdraw: call drawscores
        jmp capchk
nobody: mvi a, 3
        sta event
; after ballcap balls the higher score wins, equal scores draw
capchk: lda gend
        ora a
        rnz
        lda balls
        cpi ballcap
        rc
        mvi a, 1
        sta gend
        lda p2score
        mov c, a
        lda p1score
        cmp c
        jz capdraw
        mvi a, 1
        jnc capwin
        mvi a, 2
capwin: sta winner
        ret
capdraw:
        xra a
        sta winner
        ret

; ball x = B, paddle x at HL: A = abs(u - half) if 0 <= u = B+7-x < catchw
; (the centres' distance), else 0FFh
overlap:
        mov a, b
        adi 7
        sub m
        jc ovnone
        cpi catchw
        jnc ovnone
        sui half
        rnc
        cma
        inr a
        ret
ovnone: mvi a, 0ffh
        ret

; spawn a ball every spawnint frames into a free slot
spawn:  lda spawnt
        dcr a
        sta spawnt
        rnz
        mvi a, spawnint
        sta spawnt
        lxi h, obj0a
        mov a, m
        ora a
        jz spawnit
        lxi h, obj1a
        mov a, m
        ora a
        jz spawnit
        mvi a, 1
        sta spawnt
        ret
spawnit:
        mvi m, 1
        inx h
        push h
        call rand
        call rscale
        pop h
        mov m, a
        inx h
        mvi m, objstarty
        ret

; A = (HL * xrange) >> 16: maps a 16-bit random number to 0..xrange-1.
; 24-bit accumulator C:HL, multiplicand in DE, multiplier bits MSB first.
rscale: xchg
        lxi h, 0
        mvi c, 0
        mvi a, xrange
        sta mulm
        mvi b, 8
rsl:    dad h
        mov a, c
        ral
        mov c, a
        lda mulm
        rlc
        sta mulm
        jnc rsn
        dad d
        jnc rsn
        inr c
rsn:    dcr b
        jnz rsl
        mov a, c
        ret

; ------------------------- drawing -----------------------------------
; XOR the 8x8 ball with its top-left corner at player-view (B=x, C=y).
; The sprite's bottom row is bit b0 = 248-y of each of its 8 lines,
; so each sprite column is shifted left by b0 mod 8 into two bytes.
xorball:
        mvi a, 248
        sub c
        mov c, a
        ani 7
        sta dshift
        mov a, c
        rrc
        rrc
        rrc
        ani 1fh
        mov e, a
        mvi d, 24h
        mov l, b
        mvi h, 0
        dad h
        dad h
        dad h
        dad h
        dad h
        dad d
        xchg
        lxi h, ballgfx
        shld dsrc
        mvi b, 8
xbcol:  lhld dsrc
        mov a, m
        inx h
        shld dsrc
        mov l, a
        mvi h, 0
        lda dshift
        ora a
        jz xbput
        mov c, a
xbsh:   dad h
        dcr c
        jnz xbsh
xbput:  ldax d
        xra l
        stax d
        inx d
        ldax d
        xra h
        stax d
        xchg
        mov a, l
        adi 31
        mov l, a
        jnc xbnc
        inr h
xbnc:   xchg
        dcr b
        jnz xbcol
        ret

; clear text row A (byte index) on lines 56-167, where the messages are
clrtext:
        mov l, a
        mvi h, textline
        mvi b, 0
        mvi c, textlines
        jmp frlp
; fill text row A (byte index) of all 224 lines with B
fillrow:
        mov l, a
        mvi h, 24h
        mvi c, 224
frlp:   lxi d, 32
frl:    mov m, b
        dad d
        dcr c
        jnz frl
        ret

; static screen: labels, divider, floor, numbers
drawhud:
        lxi d, txtp1
        lxi h, cellp1
        call print
        lxi d, txtp2
        lxi h, cellp2
        call print
        lxi d, txtcred
        lxi h, cellcred
        call print
        mvi a, p2byte
        mvi b, floorbit
        call fillrow
        lxi h, divrow
        lxi d, 32
        mvi c, 224
dhl1:   mvi m, 20h
        dad d
        dcr c
        jnz dhl1
        call drawscores
        jmp drawcred

drawattr:
        lxi d, txttitle
        lxi h, celltitle
        call print
drawprompt:
        lxi d, txtcoin
        lxi h, cellcoin
        call print
        lxi d, txtstart
        lxi h, cellstart
        jmp print

drawscores:
        lda p1score
        lxi h, cellp1d
        call putdec
        lda p2score
        lxi h, cellp2d
; draw A (0..99) as two decimal digits at cell HL
putdec: mvi c, 0
pdl:    cpi 10
        jc pdo
        sui 10
        inr c
        jmp pdl
pdo:    push psw
        mov a, c
        call putglyph
        pop psw
        jmp putglyph

drawcred:
        lxi h, cellcrd
        lda credits
        jmp putglyph

; print the zero-terminated string at DE from cell HL
print:  ldax d
        ora a
        rz
        call charidx
        push d
        call putglyph
        pop d
        inx d
        jmp print

; ASCII in A -> glyph number: 0-9 -> 0..9, A-Z -> 10..35, else 36 (blank)
charidx:
        cpi 65
        jc cinum
        sui 55
        ret
cinum:  cpi 48
        jc cispace
        cpi 58
        jnc cispace
        sui 48
        ret
cispace:
        mvi a, 36
        ret

; draw glyph A in the cell whose first line/byte is HL. The 8 glyph bytes
; go to 8 consecutive lines (L steps by 32, never carrying since the
; row index is < 32). Returns HL pointing at the next cell (H+1).
putglyph:
        push h
        mov l, a
        mvi h, 0
        dad h
        dad h
        dad h
        lxi d, font
        dad d
        xchg
        pop h
        push h
        mvi b, 8
pgl:    ldax d
        mov m, a
        inx d
        mov a, l
        adi 32
        mov l, a
        dcr b
        jnz pgl
        pop h
        inr h
        ret

; ------------------------- data --------------------------------------
txtp1:     db 'P1', 0
txtp2:     db 'P2', 0
txtcred:   db 'CREDIT', 0
txttitle:  db 'DUEL', 0
txtcoin:   db 'INSERT COIN', 0
txtstart:  db '1 OR 2 PLAYERS', 0
txtp1win:  db 'P1 WINS', 0
txtp2win:  db 'P2 WINS', 0
txtdraw:   db 'DRAW', 0

; ball sprite, one byte per column (bit 0 = bottom row)
ballgfx:   db 3ch, 7eh, 0ffh, 0ffh, 0ffh, 0ffh, 7eh, 3ch

; 5x7 font in 8x8 cells, one byte per column, bit 7 = top row.
; Glyphs 0-9, A-Z, blank (37 glyphs).
font:
        db 7ch, 8ah, 92h, 0a2h, 7ch, 00h, 00h, 00h  ; '0'
        db 00h, 42h, 0feh, 02h, 00h, 00h, 00h, 00h  ; '1'
        db 42h, 86h, 8ah, 92h, 62h, 00h, 00h, 00h  ; '2'
        db 84h, 82h, 0a2h, 0d2h, 8ch, 00h, 00h, 00h  ; '3'
        db 18h, 28h, 48h, 0feh, 08h, 00h, 00h, 00h  ; '4'
        db 0e4h, 0a2h, 0a2h, 0a2h, 9ch, 00h, 00h, 00h  ; '5'
        db 3ch, 52h, 92h, 92h, 0ch, 00h, 00h, 00h  ; '6'
        db 80h, 8eh, 90h, 0a0h, 0c0h, 00h, 00h, 00h  ; '7'
        db 6ch, 92h, 92h, 92h, 6ch, 00h, 00h, 00h  ; '8'
        db 60h, 92h, 92h, 94h, 78h, 00h, 00h, 00h  ; '9'
        db 7eh, 90h, 90h, 90h, 7eh, 00h, 00h, 00h  ; 'A'
        db 0feh, 92h, 92h, 92h, 6ch, 00h, 00h, 00h  ; 'B'
        db 7ch, 82h, 82h, 82h, 44h, 00h, 00h, 00h  ; 'C'
        db 0feh, 82h, 82h, 44h, 38h, 00h, 00h, 00h  ; 'D'
        db 0feh, 92h, 92h, 92h, 82h, 00h, 00h, 00h  ; 'E'
        db 0feh, 90h, 90h, 90h, 80h, 00h, 00h, 00h  ; 'F'
        db 7ch, 82h, 92h, 92h, 5eh, 00h, 00h, 00h  ; 'G'
        db 0feh, 10h, 10h, 10h, 0feh, 00h, 00h, 00h  ; 'H'
        db 00h, 82h, 0feh, 82h, 00h, 00h, 00h, 00h  ; 'I'
        db 04h, 02h, 82h, 0fch, 80h, 00h, 00h, 00h  ; 'J'
        db 0feh, 10h, 28h, 44h, 82h, 00h, 00h, 00h  ; 'K'
        db 0feh, 02h, 02h, 02h, 02h, 00h, 00h, 00h  ; 'L'
        db 0feh, 40h, 30h, 40h, 0feh, 00h, 00h, 00h  ; 'M'
        db 0feh, 20h, 10h, 08h, 0feh, 00h, 00h, 00h  ; 'N'
        db 7ch, 82h, 82h, 82h, 7ch, 00h, 00h, 00h  ; 'O'
        db 0feh, 90h, 90h, 90h, 60h, 00h, 00h, 00h  ; 'P'
        db 7ch, 82h, 8ah, 84h, 7ah, 00h, 00h, 00h  ; 'Q'
        db 0feh, 90h, 98h, 94h, 62h, 00h, 00h, 00h  ; 'R'
        db 62h, 92h, 92h, 92h, 8ch, 00h, 00h, 00h  ; 'S'
        db 80h, 80h, 0feh, 80h, 80h, 00h, 00h, 00h  ; 'T'
        db 0fch, 02h, 02h, 02h, 0fch, 00h, 00h, 00h  ; 'U'
        db 0f8h, 04h, 02h, 04h, 0f8h, 00h, 00h, 00h  ; 'V'
        db 0fch, 02h, 1ch, 02h, 0fch, 00h, 00h, 00h  ; 'W'
        db 0c6h, 28h, 10h, 28h, 0c6h, 00h, 00h, 00h  ; 'X'
        db 0e0h, 10h, 0eh, 10h, 0e0h, 00h, 00h, 00h  ; 'Y'
        db 86h, 8ah, 92h, 0a2h, 0c2h, 00h, 00h, 00h  ; 'Z'
        db 00h, 00h, 00h, 00h, 00h, 00h, 00h, 00h  ; ' '

        end
