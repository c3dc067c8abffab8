; =====================================================================
; CATCH - a tiny original game for the Midway 8080 B/W (Space Invaders)
; board, written for aiomame as a freely redistributable test ROM.
; Runs on stock MAME as system "invaders" (aiomame cuts the 8 KiB image into the ROM files
; the running MAME expects: invaders.h/g/f/e in 0.251, renamed in 0.276).
;
; Assembler: suite8080 (asm80), Intel 8080 mnemonics. Its parser is
; simple, so this file keeps to a small dialect (build.py lints it):
;   - at most one semicolon per line (comments only, never in data)
;   - no arithmetic expressions: every address/constant is an EQU name
;   - hex literals start with a digit and end in h, e.g. 0f0h
;   - labels are alphanumeric only, and no identifier or literal may
;     contain the letters "db" or "equ" (the parser looks for them
;     anywhere in a line)
;   - EQU lines have no colon after the name
;
; ---------------------------------------------------------------------
; Hardware recap
;   ROM 0000h-1FFFh, RAM 2000h-23FFh, video RAM 2400h-3FFFh.
;   Video RAM is 224 lines of 32 bytes (256 one-bit pixels, LSB first).
;   The monitor is rotated: each video line is one COLUMN of the picture
;   the player sees (line 0 = leftmost column) and bit 0 of byte 0 is the
;   BOTTOM of that column. So for a player-view pixel (px, py), with py
;   counted from the top of the 256-pixel field (0..255):
;       address = 2400h + px*32 + (255-py)/8,  bit = (255-py) mod 8
;   (MAME draws 4 more always-blank rows under the field: 260 rows.)
;   Port 1 read: bit0 coin (active LOW), bit2 1P start, bit5 P1 left,
;   bit6 P1 right. Port 6 write: watchdog. Ports 3/5: sound (kept 0).
;   RST 1 (0008h) fires mid-screen, RST 2 (0010h) at the start of vblank.
;
; Game
;   A paddle (24x4 px, player-view rows 232-235) moves 4 px per frame.
;   Balls (8x8) fall 2 px per frame from row 16. When a ball's top row
;   reaches 225 or more it is resolved: caught (+1 point) if it overlaps
;   the paddle horizontally, otherwise missed (-1 life). A new ball
;   appears every 56 frames in a free slot (two slots, so at most two
;   balls), at a column drawn from a 16-bit xorshift PRNG. The PRNG is
;   seeded with 0ACE1h at power-on, stepped once every frame in every
;   state and once more per spawn, so the same inputs from power-on give
;   the same game, and starting on another frame gives another game.
;   3 lives. Coin adds a credit (max 9), 1P start with a credit > 0
;   starts a game. After game over the score stays on screen and the
;   game waits for coin/start again.
;
; Frame loop: the RST 2 handler counts frames and raises VBFLAG. The main
; loop waits for VBFLAG, feeds the watchdog, reads inputs and runs one
; game step, well inside one frame (so each video frame MAME renders
; shows the state after exactly one step).
; =====================================================================

; ------------------------- RAM map (2000h-23FFh) ---------------------
frame     equ 2000h    ; u32 frames since power-on, incremented at vblank
framehi   equ 2002h    ; high word of frame
vbflag    equ 2004h    ; u8 set by the vblank interrupt, cleared by main
gstate    equ 2005h    ; u8 0 = attract (never played), 1 = playing, 2 = game over
gover     equ 2006h    ; u8 1 after a game ended (until next start), else 0
credits   equ 2007h    ; u8 credits, 0..9
score     equ 2008h    ; u16 score, plain binary little-endian
scorebcd  equ 200ah    ; u16 the same score as 4 BCD digits (low byte first), for display
scorebch  equ 200bh    ; high byte of scorebcd
lives     equ 200ch    ; u8 lives left (3 at start, 0 = game over)
padx      equ 200dh    ; u8 paddle left edge, player-view x (0..200)
incur     equ 200eh    ; u8 port 1 as read this frame
inprev    equ 200fh    ; u8 port 1 as read last frame
rng       equ 2010h    ; u16 xorshift PRNG state
spawnt    equ 2012h    ; u8 frames until the next spawn attempt
event     equ 2013h    ; u8 what this frame's step did: 0 none, 1 catch, 2 miss
dshift    equ 2014h    ; u8 scratch for the sprite routine
dsrc      equ 2015h    ; u16 scratch for the sprite routine
mulm      equ 2017h    ; u8 scratch for rscale
obj0a     equ 2020h    ; u8 ball 0 active flag
obj0x     equ 2021h    ; u8 ball 0 left edge, player-view x (0..216)
obj0y     equ 2022h    ; u8 ball 0 top edge, player-view y (16..224 while drawn)
obj1a     equ 2024h    ; u8 ball 1 active flag
obj1x     equ 2025h    ; u8 ball 1 x
obj1y     equ 2026h    ; u8 ball 1 y
stacktop  equ 2400h    ; stack grows down from here (2300h-23FFh reserved)

; ------------------------- tuning ------------------------------------
padw      equ 24       ; paddle width in pixels
padmax    equ 200      ; largest paddle x (224 - padw)
padstart  equ 100      ; paddle x at game start (centred)
padspeed  equ 4        ; paddle pixels per frame
objstarty equ 16       ; ball y when spawned
objspeed  equ 2        ; ball pixels per frame
objcatchy equ 225      ; a ball with y >= this is resolved (catch or miss)
catchw    equ 31       ; overlap test: 0 <= x+7-padx < catchw (padw+7)
spawnint  equ 56       ; frames between spawns
spawn1st  equ 20       ; frames from start to the first spawn
xrange    equ 217      ; ball x = (random16 * 217) >> 16, so 0..216
startlive equ 3        ; lives at start
maxcred   equ 9        ; credit cap

; ------------------------- screen cells -------------------------------
; Text cells are 8x8: H = 24h + character column (0..27), L = byte index
; (31 = top text row, 0 = bottom text row).
cellscore equ 241fh    ; "SCORE" top-left
celldigs  equ 2a1fh    ; 4 score digits
celllives equ 381fh    ; "LIVES" top-right
celllivd  equ 3e1fh    ; lives digit
cellcred  equ 2400h    ; "CREDIT" bottom-left
cellcrd   equ 2b00h    ; credit digit
celltitle equ 2f16h    ; "CATCH"
cellover  equ 2d16h    ; "GAME OVER"
cellcoin  equ 2c10h    ; "INSERT COIN"
cellstart equ 2c0eh    ; "PRESS START"
rowtitle  equ 22       ; text rows cleared when a game starts
rowcoin   equ 16
rowstart  equ 14
paddrow   equ 2402h    ; line 0, byte 2: the paddle lives in bits 4-7 of byte 2
divrow    equ 241eh    ; line 0, byte 30: divider under the score (row 10)
floorrow  equ 2401h    ; line 0, byte 1: floor line (row 240)

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
; Start is level-triggered: held start with a credit starts a game.
idle:   lda credits
        ora a
        rz
        lda incur
        ani 4
        rz
        lda credits
        dcr a
        sta credits
        call drawcred
        jmp newgame

newgame:
        mvi a, rowtitle
        call clrrow
        mvi a, rowcoin
        call clrrow
        mvi a, rowstart
        call clrrow
        lxi h, 0
        shld score
        shld scorebcd
        xra a
        sta gover
        sta event
        sta obj0a
        sta obj1a
        mvi a, startlive
        sta lives
        mvi a, padstart
        sta padx
        mvi a, spawn1st
        sta spawnt
        mvi a, 1
        sta gstate
        call drawscore
        call drawlives
        jmp drawpad

; ------------------------- one step of play --------------------------
play:   xra a
        sta event
; erase balls at their old positions (XOR)
        lxi h, obj0a
        call objxor
        lxi h, obj1a
        call objxor
        call movepad
        call drawpad
        lxi h, obj0a
        call objmove
        lxi h, obj1a
        call objmove
        call spawn
; draw balls at their new positions (XOR)
        lxi h, obj0a
        call objxor
        lxi h, obj1a
        call objxor
        lda lives
        ora a
        rnz
; game over: remove the balls, show the message
        lxi h, obj0a
        call objxor
        lxi h, obj1a
        call objxor
        xra a
        sta obj0a
        sta obj1a
        mvi a, 2
        sta gstate
        mvi a, 1
        sta gover
        lxi d, txtover
        lxi h, cellover
        call print
        jmp drawprompt

; paddle: left bit 5, right bit 6, both or none = stay
movepad:
        lda incur
        ani 60h
        cpi 20h
        jz padleft
        cpi 40h
        rnz
        lda padx
        adi padspeed
        cpi padmax
        jc padset
        mvi a, padmax
padset: sta padx
        ret
padleft:
        lda padx
        sui padspeed
        jnc padset
        xra a
        jmp padset

; ball HL -> (active, x, y): if active, XOR its sprite onto the screen
objxor: mov a, m
        ora a
        rz
        inx h
        mov b, m
        inx h
        mov c, m
        jmp xorball

; ball HL: fall one step, resolve it at the paddle row
objmove:
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
; caught if the ball [x, x+7] overlaps the paddle [padx, padx+23]
        mov a, b
        adi 7
        lxi h, padx
        sub m
        jc objmiss
        cpi catchw
        jnc objmiss
        lhld score
        inx h
        shld score
        lda scorebcd
        adi 1
        daa
        sta scorebcd
        lda scorebch
        aci 0
        daa
        sta scorebch
        mvi a, 1
        sta event
        jmp drawscore
objmiss:
        lda lives
        ora a
        jz objm2
        dcr a
        sta lives
objm2:  mvi a, 2
        sta event
        jmp drawlives

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
; (No rejection sampling: every spawn takes exactly one PRNG step, so
; games started on different frames never fall into the same sequence.)
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

; paddle: rewrite byte 2 of all 224 lines (0F0h under the paddle, else 0)
drawpad:
        lxi h, paddrow
        lxi d, 32
        lda padx
        ora a
        jz dpmid
        mov c, a
dpl1:   mvi m, 0
        dad d
        dcr c
        jnz dpl1
dpmid:  mvi c, padw
dpl2:   mvi m, 0f0h
        dad d
        dcr c
        jnz dpl2
        lda padx
        mov c, a
        mvi a, padmax
        sub c
        rz
        mov c, a
dpl3:   mvi m, 0
        dad d
        dcr c
        jnz dpl3
        ret

; clear text row A (byte index) on all 224 lines
clrrow: mov l, a
        mvi h, 24h
        lxi d, 32
        mvi c, 224
crl:    mvi m, 0
        dad d
        dcr c
        jnz crl
        ret

; static screen: labels, divider, floor, numbers, paddle
drawhud:
        lxi d, txtscore
        lxi h, cellscore
        call print
        lxi d, txtlives
        lxi h, celllives
        call print
        lxi d, txtcred
        lxi h, cellcred
        call print
        lxi h, divrow
        lxi d, 32
        mvi c, 224
dhl1:   mvi m, 20h
        dad d
        dcr c
        jnz dhl1
        lxi h, floorrow
        mvi c, 224
dhl2:   mvi m, 80h
        dad d
        dcr c
        jnz dhl2
        call drawscore
        call drawlives
        call drawcred
        ret

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

drawscore:
        lxi h, celldigs
        lda scorebch
        call putbcd
        lda scorebcd
        jmp putbcd

drawlives:
        lxi h, celllivd
        lda lives
        jmp putglyph

drawcred:
        lxi h, cellcrd
        lda credits
        jmp putglyph

; draw the two BCD digits in A at cell HL, HL moves two cells right
putbcd: push psw
        rrc
        rrc
        rrc
        rrc
        ani 0fh
        call putglyph
        pop psw
        ani 0fh
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
txtscore:  db 'SCORE', 0
txtlives:  db 'LIVES', 0
txtcred:   db 'CREDIT', 0
txttitle:  db 'CATCH', 0
txtcoin:   db 'INSERT COIN', 0
txtstart:  db 'PRESS START', 0
txtover:   db 'GAME OVER', 0

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
