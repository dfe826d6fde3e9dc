// A small LZ77 compressor: compresses stdin into argv[1] (a file in a preopened directory), reads
// that file back, decompresses it and checks the result; prints the sizes, whether the round trip
// matched and a checksum. Format: a flag byte per 8 items; a literal is one byte, a match two bytes
// of (distance - 1) in 12 bits and (length - 3) in 4.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WINDOW = 4096, MIN_MATCH = 3, MAX_MATCH = 18 };

static size_t compress(const uint8_t *in, size_t n, uint8_t *out) {
  size_t o = 0, i = 0;
  while (i < n) {
    size_t flag_at = o++;
    uint8_t flags = 0;
    for (int bit = 0; bit < 8 && i < n; bit++) {
      size_t best = 0, best_distance = 0;
      size_t start = i > WINDOW ? i - WINDOW : 0;
      for (size_t j = start; j < i; j++) {
        size_t k = 0;
        while (k < MAX_MATCH && i + k < n && in[j + k] == in[i + k]) k++;
        if (k > best) { best = k; best_distance = i - j; }
      }
      if (best >= MIN_MATCH) {
        flags |= (uint8_t)(1 << bit);
        uint16_t word = (uint16_t)(((best_distance - 1) << 4) | (best - MIN_MATCH));
        out[o++] = (uint8_t)(word >> 8);
        out[o++] = (uint8_t)word;
        i += best;
      } else {
        out[o++] = in[i++];
      }
    }
    out[flag_at] = flags;
  }
  return o;
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out) {
  size_t o = 0, i = 0;
  while (i < n) {
    uint8_t flags = in[i++];
    for (int bit = 0; bit < 8 && i < n; bit++) {
      if (flags & (1 << bit)) {
        uint16_t word = (uint16_t)((in[i] << 8) | in[i + 1]);
        i += 2;
        size_t distance = (word >> 4) + 1, length = (word & 15) + MIN_MATCH;
        for (size_t k = 0; k < length; k++, o++) out[o] = out[o - distance];
      } else {
        out[o++] = in[i++];
      }
    }
  }
  return o;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: lz OUTPUT < input\n"); return 2; }
  size_t capacity = 1 << 16, n = 0, got;
  uint8_t *in = malloc(capacity);
  while ((got = fread(in + n, 1, capacity - n, stdin)) > 0) {
    n += got;
    if (n == capacity) in = realloc(in, capacity *= 2);
  }
  uint8_t *packed = malloc(n + n / 8 + 16);
  size_t packed_size = compress(in, n, packed);
  FILE *f = fopen(argv[1], "wb");
  if (!f) { perror(argv[1]); return 1; }
  fwrite(packed, 1, packed_size, f);
  fclose(f);
  f = fopen(argv[1], "rb");
  uint8_t *reread = malloc(packed_size + 1);
  size_t reread_size = fread(reread, 1, packed_size + 1, f);
  fclose(f);
  uint8_t *unpacked = malloc(n + MAX_MATCH);
  size_t unpacked_size = decompress(reread, reread_size, unpacked);
  uint32_t sum = 0;
  for (size_t i = 0; i < packed_size; i++) sum = sum * 31 + packed[i];
  int same = unpacked_size == n && memcmp(unpacked, in, n) == 0;
  printf("%zu -> %zu bytes (%zu reread), round trip %s, checksum %08x\n", n, packed_size, reread_size, same ? "ok" : "FAILED", sum);
  return same ? 0 : 1;
}
