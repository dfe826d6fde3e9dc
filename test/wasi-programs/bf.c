// A Brainfuck interpreter: the program comes from the file argv[1] names, its input from stdin (0 at
// the end of input), its output goes to stdout; brackets are matched before it runs, and a program
// with unmatched brackets is refused with status 3.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: bf PROGRAM\n"); return 2; }
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror(argv[1]); return 1; }
  static char code[1 << 16];
  static int jump[1 << 16], stack[1 << 12];
  size_t n = fread(code, 1, sizeof code, f);
  fclose(f);
  int depth = 0;
  for (size_t i = 0; i < n; i++) {
    if (code[i] == '[') stack[depth++] = (int)i;
    else if (code[i] == ']') {
      if (depth == 0) { fprintf(stderr, "unmatched ] at %zu\n", i); return 3; }
      int open = stack[--depth];
      jump[open] = (int)i;
      jump[i] = open;
    }
  }
  if (depth != 0) { fprintf(stderr, "unmatched [ at %d\n", stack[depth - 1]); return 3; }
  static unsigned char tape[30000];
  size_t p = 0;
  long steps = 0;
  for (size_t pc = 0; pc < n; pc++, steps++) {
    switch (code[pc]) {
      case '>': p = (p + 1) % sizeof tape; break;
      case '<': p = (p + sizeof tape - 1) % sizeof tape; break;
      case '+': tape[p]++; break;
      case '-': tape[p]--; break;
      case '.': putchar(tape[p]); break;
      case ',': { int c = getchar(); tape[p] = c == EOF ? 0 : (unsigned char)c; break; }
      case '[': if (!tape[p]) pc = jump[pc]; break;
      case ']': if (tape[p]) pc = jump[pc]; break;
    }
  }
  fflush(stdout);
  fprintf(stderr, "%ld steps\n", steps);
  return 0;
}
