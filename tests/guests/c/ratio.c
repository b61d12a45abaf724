/* wasmdbg's C test program for components: built as a core module
 * (wasm32-wasi, WASI preview 1) and turned into a component with
 * wasmtime's WASI preview 1 adapter (see ../README.md).
 *
 *   ratio N D    prints N * 100 / D (D = 0 traps: integer divide by zero)
 *   bad-write    hands fd_write an iovec outside memory: the adapter module
 *                traps reading it
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

struct fraction {
    int numerator;
    int denominator;
};

static int ratio(struct fraction f) {
    int scaled = f.numerator * 100;
    return scaled / f.denominator;
}

static void bad_write(void) {
    __wasi_ciovec_t iov = {(const uint8_t *)0xfffffff0u, 16};
    __wasi_size_t written = 0;
    (void)__wasi_fd_write(1, &iov, 1, &written);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "bad-write") == 0) {
        bad_write();
        return 0;
    }
    if (argc > 3 && strcmp(argv[1], "ratio") == 0) {
        struct fraction f = {atoi(argv[2]), atoi(argv[3])};
        printf("%d\n", ratio(f));
        return 0;
    }
    fprintf(stderr, "usage: ratio N D | bad-write\n");
    return 2;
}
