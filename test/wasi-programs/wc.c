// stdin: reads all of it in blocks, counts lines, words and bytes (as wc does) and a 32-bit FNV-1a
// hash, then writes it back to stdout with ASCII letters upper-cased, every other byte as it came.
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  size_t capacity = 1 << 16, length = 0;
  unsigned char *data = malloc(capacity);
  size_t got;
  while ((got = fread(data + length, 1, capacity - length, stdin)) > 0) {
    length += got;
    if (length == capacity) data = realloc(data, capacity *= 2);
  }
  long lines = 0, words = 0;
  int in_word = 0;
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < length; i++) {
    unsigned char c = data[i];
    hash = (hash ^ c) * 16777619u;
    if (c == '\n') lines++;
    if (isspace(c)) in_word = 0;
    else if (!in_word) { in_word = 1; words++; }
    if (c < 128) data[i] = (unsigned char)toupper(c);
  }
  fwrite(data, 1, length, stdout);
  fprintf(stderr, "%ld %ld %zu %08x\n", lines, words, length, hash);
  return 0;
}
