// PolyBench-style floyd-warshall: all-pairs shortest paths over an N-node graph of int weights.
#include <stdio.h>

#include "../scale.h"

#define N SIZE(500)
static int path[N][N];

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      path[i][j] = i * j % 7 + 1;
      if ((i + j) % 13 == 0 || (i + j) % 7 == 0 || (i + j) % 11 == 0) path[i][j] = 999;
    }
  for (int k = 0; k < N; k++)
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        const int through = path[i][k] + path[k][j];
        path[i][j] = path[i][j] < through ? path[i][j] : through;
      }
  unsigned sum = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) sum = sum * 31 + (unsigned)path[i][j];
  printf("floyd-warshall %u\n", sum);
  return 0;
}
