; basket: catch the falling fruit, an Atari 2600 game written for aiomame.
; A 4 KB cartridge for dasm (rom/basket/build.py): dasm basket.asm -f3 -obasket.bin
; Joystick 1 moves the basket left and right, or, with `control` set to 1, paddle 1 sets
; its place; a catch scores 1, a miss costs one of 3 lives; at game over the joystick's
; fire (or the console's Reset switch, any time) starts a new game.
; RAM layout: README.md. MIT licence, like the rest of aiomame.

        processor 6502

; TIA, written
VSYNC   = $00
VBLANK  = $01
WSYNC   = $02
NUSIZ0  = $04
COLUP0  = $06
COLUP1  = $07
COLUPF  = $08
COLUBK  = $09
PF1     = $0E
PF2     = $0F
RESP0   = $10
GRP0    = $1B
GRP1    = $1C
HMP0    = $20
HMOVE   = $2A
; TIA, read
INPT0   = $08           ; bit 7: paddle 1's pot charged (set once its time has passed)
INPT4   = $0C           ; bit 7: joystick 1's fire button, 0 = pressed
; RIOT
SWCHA   = $0280         ; bit 7: joystick 1 right, bit 6: left (0 = pressed)
SWCHB   = $0282         ; bit 0: the console's Reset switch (0 = pressed)
INTIM   = $0284
TIM64T  = $0296

; RAM: aiomame/games/basket.py reads these (tests/test_basket.py checks they agree)
frame   = $80           ; frames since power-on, mod 256
gover   = $81           ; 1 at game over, else 0
score   = $82           ; catches, u16 little-endian ($82-$83)
lives   = $84           ; 3 at the start; the game is over at 0
basketx = $85           ; the basket's left edge, 0..140 (even)
fruitx  = $86           ; the fruit's left edge, 8..135
fruity  = $87           ; the fruit's top row in the field, 0..183+
wait    = $88           ; frames until the next fruit falls; 0: one is falling
rng     = $89           ; 8-bit LFSR, never 0: each new fruit's column comes from it
speed   = $8A           ; rows the fruit falls per frame: 2 + score / 16, at most 5
drawy   = $8B           ; the row the kernel draws the fruit at (200: none)
control = $8C           ; 0: joystick, 1: paddle (power-on: 0; the player's choice, kept)
pot     = $8D           ; lines paddle 1's pot took to charge in the last frame

FIELD   = 184           ; rows of the field under the 7 lines of the status band
TOP     = 176           ; the basket's top row (8 rows tall, 16 px wide)
REACH   = 168           ; from this row on the fruit meets the basket's rows
MAXX    = 140           ; 160 - the basket's width - 4 (PosObject's x 0 is pixel 4)
NLIVES  = 3
PAUSE   = 30            ; frames between fruits
MAXSPD  = 5

        seg code
        org $F000

Reset:
        sei
        cld
        ldx #0
        txa
.clear: dex             ; zero TIA registers and RAM; ends with S = $FF
        txs
        pha
        bne .clear
        lda #1
        sta rng
        lda #5          ; the basket is a double-width player 0
        sta NUSIZ0
        lda #$1E
        sta COLUP0
        lda #$46
        sta COLUP1
        lda #$0E
        sta COLUPF
        lda #$80
        sta COLUBK
        jsr NewGame

Frame:
        lda #2
        sta WSYNC
        sta VBLANK
        sta VSYNC
        sta WSYNC
        sta WSYNC
        sta WSYNC
        lda #0
        sta VSYNC
        lda #43         ; 37 lines of vertical blank
        sta TIM64T
        inc frame
        jsr Logic
        lda basketx
        ldx #0
        jsr PosObject
        lda fruitx
        ldx #1
        jsr PosObject
        sta WSYNC
        sta HMOVE
        lda #200
        ldx wait
        bne .hidden
        lda fruity
.hidden:
        sta drawy
        lda score       ; the status band: the score's low byte in bits, one bar a life
        sta PF1
        ldx lives
        lda LifeBars,x
        sta PF2
.vblank:
        lda INTIM
        bne .vblank
        lda #$82        ; ground the paddles' pots for a line (MAME times them from here)
        sta WSYNC
        sta VBLANK
        lda #0
        sta pot
        sta WSYNC
        sta VBLANK      ; A = 0: the picture starts, the pots charge
        ldx #7
.band:
        sta WSYNC
        bit INPT0
        bmi .full
        inc pot
.full:
        dex
        bne .band
        stx PF1
        stx PF2
        ldy #0
.line:                  ; the field: row Y's graphics, computed on the line before
        tya
        sec
        sbc drawy
        cmp #8
        lda #0
        bcs .nofruit
        lda #$FF         ; an 8x8 fruit
.nofruit:
        tax
        lda #0
        cpy #TOP
        bcc .nobasket
        lda #$FF
.nobasket:
        sta WSYNC
        sta GRP0
        stx GRP1
        bit INPT0
        bmi .charged
        inc pot
.charged:
        iny
        cpy #FIELD
        bne .line
        sta WSYNC
        lda #2
        sta VBLANK
        lda #0
        sta GRP0
        sta GRP1
        lda #35         ; 30 lines of overscan
        sta TIM64T
.overscan:
        lda INTIM
        bne .overscan
        jmp Frame

; A = x (0..159), X = 0 (player 0) or 1 (player 1): coarse position on this line, fine
; position in HMP0/HMP1 (applied by the HMOVE after both)
PosObject:
        sta WSYNC
        sec
.divide:
        sbc #15
        bcs .divide
        if (>.divide) != (>*)
            echo "PosObject's loop crosses a page"
            err
        endif
        eor #7
        asl
        asl
        asl
        asl
        sta HMP0,x
        sta RESP0,x
        rts

; A new game: score 0, 3 lives, the basket centred, the first fruit after a pause
NewGame:
        lda #0
        sta score
        sta score+1
        sta gover
        sta fruity
        lda #NLIVES
        sta lives
        lda #72
        sta basketx
        sta fruitx
        lda #PAUSE
        sta wait
SetSpeed:
        lda score+1
        bne .fastest
        lda score
        lsr
        lsr
        lsr
        lsr
        clc
        adc #2
        cmp #MAXSPD
        bcc .speed
.fastest:
        lda #MAXSPD
.speed:
        sta speed
        rts

; One frame of the game: Reset restarts, fire restarts after game over; else the
; basket moves and the fruit falls
Logic:
        lda SWCHB
        lsr
        bcc NewGame
        lda gover
        beq .play
        bit INPT4
        bpl NewGame
        rts
.play:
        lda control
        beq .joystick
        lda pot         ; the paddle: the basket's x is its charge time, even, at most MAXX
        cmp #MAXX
        bcc .inrange
        lda #MAXX
.inrange:
        and #$FE
        sta basketx
        jmp .noleft
.joystick:
        lda SWCHA
        and #$80
        bne .noright
        lda basketx
        cmp #MAXX
        bcs .noright
        adc #2          ; C = 0
        sta basketx
.noright:
        lda SWCHA
        and #$40
        bne .noleft
        lda basketx
        beq .noleft
        sec
        sbc #2
        sta basketx
.noleft:
        lda wait
        beq .falling
        dec wait
        bne .done
        jsr Random      ; a new fruit
        and #$7F
        clc
        adc #8
        sta fruitx
        lda #0
        sta fruity
.done:
        rts
.falling:
        lda fruity
        clc
        adc speed
        sta fruity
        cmp #REACH
        bcc .done
        cmp #FIELD
        bcs .missed
        lda fruitx      ; caught if fruitx - basketx is in -7..15
        sec
        sbc basketx
        clc
        adc #7
        cmp #23
        bcs .done
        inc score
        bne .scored
        inc score+1
.scored:
        jsr SetSpeed
        lda #PAUSE
        sta wait
        rts
.missed:
        lda #PAUSE
        sta wait
        dec lives
        bne .done
        lda #1
        sta gover
        rts

; The next value of the LFSR (taps $B4: all 255 nonzero values)
Random:
        lda rng
        lsr
        bcc .shifted
        eor #$B4
.shifted:
        sta rng
        rts

LifeBars:
        .byte %00000000, %00000011, %00011011, %11011011

        org $FFFC
        .word Reset     ; reset vector
        .word Reset     ; IRQ/BRK vector
