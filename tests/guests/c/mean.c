/* wasmdbg's C test program for a failed `assert`: wasi-libc writes
 * "Assertion failed: ..." to stderr and calls abort(), which traps (see
 * ../README.md for the build command).
 *
 *   mean N...    prints the integer mean of the numbers; with none, the
 *                assertion in mean() fails
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

static int mean(const int *xs, int count) {
    assert(count > 0);
    int sum = 0;
    for (int i = 0; i < count; i++) {
        sum += xs[i];
    }
    return sum / count;
}

int main(int argc, char **argv) {
    int xs[8];
    int count = 0;
    for (int i = 1; i < argc && count < 8; i++) {
        xs[count++] = atoi(argv[i]);
    }
    printf("%d\n", mean(xs, count));
    return 0;
}
