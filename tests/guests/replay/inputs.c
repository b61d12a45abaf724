/* Reads every kind of input a WASI program has — the clock, random bytes,
 * stdin, a file in a preopened directory, its arguments and environment —
 * prints what it read, then traps on a division by a value that came from
 * the file. Recording it and replaying it after the inputs changed must give
 * the same output, the same values and the same trap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One byte of the ring buffer the program keeps: the last store to it is
 * what `watch` and `reverse-continue` find. */
volatile int32_t last_line_length;

static int32_t checksum(const char *s, int32_t seed) {
  int32_t sum = seed;
  for (; *s; s++) {
    sum = sum * 31 + (unsigned char)*s;
  }
  return sum;
}

static int32_t divide(int32_t total, int32_t divisor) {
  return total / divisor;
}

int main(int argc, char **argv) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  uint32_t random_word = 0;
  getentropy(&random_word, sizeof random_word);

  char line[64] = {0};
  if (!fgets(line, sizeof line, stdin)) {
    strcpy(line, "(no stdin)");
  }
  line[strcspn(line, "\n")] = 0;
  last_line_length = (int32_t)strlen(line);

  char number[32] = {0};
  FILE *f = fopen("data/divisor.txt", "r");
  if (!f || !fgets(number, sizeof number, f)) {
    printf("cannot read data/divisor.txt\n");
    return 2;
  }
  fclose(f);
  int32_t divisor = atoi(number);
  const char *who = getenv("WHO");

  printf("time %lld.%09ld\n", (long long)now.tv_sec, now.tv_nsec);
  printf("random %08x\n", random_word);
  printf("stdin \"%s\" (%d bytes)\n", line, last_line_length);
  printf("args %d: %s\n", argc, argc > 1 ? argv[1] : "-");
  printf("WHO=%s\n", who ? who : "-");
  fflush(stdout);
  int32_t total = checksum(line, (int32_t)(now.tv_nsec ^ random_word));
  last_line_length = total & 0xff;
  printf("%d / %d = %d\n", total, divisor, divide(total, divisor));
  return 0;
}
