/*
 * exit_code N: ends the machine with exit code N (0-255) through port 0xf4, QEMU's
 * isa-debug-exit (QEMU then exits with status 2N+1); apicvisor treats the port the same way.
 * Returns (status 1) only where nothing at port 0xf4 ended the machine: the caller then powers
 * off some other way.  Built static by scripts/linux-guest.sh for the Linux guest's /init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char *end;
    long code = argc == 2 ? strtol(argv[1], &end, 0) : -1;
    if (argc != 2 || *argv[1] == 0 || *end || code < 0 || code > 255) {
        fprintf(stderr, "usage: exit_code N (0-255)\n");
        return 2;
    }
    if (ioperm(0xf4, 1, 1)) {
        perror("exit_code: ioperm(0xf4)");
        return 1;
    }
    sync();
    /* What /init printed may still sit in the serial driver (it transmits on THRE interrupts):
     * wait until the console has sent it, or the verdict line is lost with the machine. */
    tcdrain(STDOUT_FILENO);
    tcdrain(STDERR_FILENO);
    outb((unsigned char)code, 0xf4);
    usleep(200000);
    fprintf(stderr, "exit_code: port 0xf4 did not end the machine\n");
    return 1;
}
