// A program that traps after writing to both streams (flushed: a trap ends it without its exit path).
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  printf("about to abort with %d arguments\n", argc);
  fflush(stdout);
  fprintf(stderr, "aborting\n");
  abort();
}
