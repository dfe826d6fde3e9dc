// PolyBench-style nussinov: RNA folding by dynamic programming over a sequence of N bases (int max-plus).
#include <stdio.h>

#include "../scale.h"

#define N SIZE(800)
static int table[N][N];
static char seq[N];

static int max(int a, int b) { return a > b ? a : b; }
static int match(char b1, char b2) { return b1 + b2 == 3 ? 1 : 0; }

int main(void) {
  for (int i = 0; i < N; i++) seq[i] = (char)((i + 1) % 4);
  for (int i = N - 1; i >= 0; i--)
    for (int j = i + 1; j < N; j++) {
      if (j - 1 >= 0) table[i][j] = max(table[i][j], table[i][j - 1]);
      if (i + 1 < N) table[i][j] = max(table[i][j], table[i + 1][j]);
      if (j - 1 >= 0 && i + 1 < N)
        table[i][j] = max(table[i][j], i < j - 1 ? table[i + 1][j - 1] + match(seq[i], seq[j]) : table[i + 1][j - 1]);
      for (int k = i + 1; k < j; k++) table[i][j] = max(table[i][j], table[i][k] + table[k + 1][j]);
    }
  unsigned sum = 0;
  for (int i = 0; i < N; i++)
    for (int j = i; j < N; j++) sum = sum * 33 + (unsigned)table[i][j];
  printf("nussinov %u\n", sum);
  return 0;
}
