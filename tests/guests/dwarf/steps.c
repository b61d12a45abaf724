// A test program for wasmdbg's `step`: it steps over a function without
// line information (helper.c is built without -g) and into one with it.
// Built (see README.md here):
//   clang-16 --target=wasm32-wasi -O0 -c helper.c -o helper.o
//   clang-16 --target=wasm32-wasi -g -O0 -fdebug-prefix-map=$PWD=. steps.c helper.o -o steps.wasm
#include <stdio.h>

int helper(int x); // in helper.c, no debug information

static int twice(int x) {
    int r = x * 2;
    return r;
}

int main(void) {
    int a = helper(3);
    int b = twice(a);
    printf("%d %d\n", a, b);
    return 0;
}
