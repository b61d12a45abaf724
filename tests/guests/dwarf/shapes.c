// A test program for wasmdbg's DWARF support: ints, doubles, structs,
// unions, enums, typedefs, bools, pointers, arrays (2-D too) and strings. Built (see README.md here):
//   clang-16 --target=wasm32-wasi -g -O0 shapes.c -o shapes-O0.wasm
//   clang-16 --target=wasm32-wasi -g -O2 shapes.c -o shapes-O2.wasm
#include <stdbool.h>
#include <stdio.h>

typedef unsigned char byte;

struct point {
    int x;
    int y;
};

enum kind { TRIANGLE = 3, SQUARE = 4 };

struct shape {
    const char *name;
    struct point corners[3];
    double scale;
    enum kind kind;
    union {
        int i;
        float f;
    } tag;
};

__attribute__((noinline)) static int area2(const struct shape *s) {
    int sum = 0;
    for (int i = 0; i < 3; i++) {
        const struct point *a = &s->corners[i];
        const struct point *b = &s->corners[(i + 1) % 3];
        sum += a->x * b->y - b->x * a->y;
    }
    return sum;
}

__attribute__((noinline)) double scaled(const struct shape *s, int doubled) {
    double result = s->scale * doubled / 2.0;
    return result;
}

int main(int argc, char **argv) {
    struct shape tri = {"triangle", {{0, 0}, {4, 0}, {0, 3}}, 1.5, TRIANGLE, {.i = 7}};
    tri.corners[1].x = argc + 3;
    int values[5] = {10, 20, 30, 40, 50};
    char greeting[16] = "hello";
    long long big = 1LL << 40;
    byte grid[2][3] = {{1, 2, 3}, {4, 5, 6}};
    bool ok = argc > 0;
    int doubled = area2(&tri);
    double a = scaled(&tri, doubled);
    printf("%s %d %.2f %d %lld %s %d %d\n", tri.name, doubled, a, values[argc + 1], big, greeting,
           grid[argc][2], ok);
    return 0;
}
