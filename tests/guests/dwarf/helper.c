// Built without -g: no line information (see steps.c).
int helper(int x) {
    return x + 1;
}
