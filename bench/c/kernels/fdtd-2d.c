// PolyBench-style fdtd-2d: 2-D finite-difference time-domain updates of the fields ex, ey and hz.
#include <stdio.h>

#include "../scale.h"

#define NX SIZE(400)
#define NY SIZE(400)
#define STEPS SIZE(200)
static double ex[NX][NY], ey[NX][NY], hz[NX][NY], fict[STEPS];

int main(void) {
  for (int t = 0; t < STEPS; t++) fict[t] = (double)t;
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NY; j++) {
      ex[i][j] = ((double)i * (j + 1)) / NX;
      ey[i][j] = ((double)i * (j + 2)) / NY;
      hz[i][j] = ((double)i * (j + 3)) / NX;
    }
  for (int t = 0; t < STEPS; t++) {
    for (int j = 0; j < NY; j++) ey[0][j] = fict[t];
    for (int i = 1; i < NX; i++)
      for (int j = 0; j < NY; j++) ey[i][j] = ey[i][j] - 0.5 * (hz[i][j] - hz[i - 1][j]);
    for (int i = 0; i < NX; i++)
      for (int j = 1; j < NY; j++) ex[i][j] = ex[i][j] - 0.5 * (hz[i][j] - hz[i][j - 1]);
    for (int i = 0; i < NX - 1; i++)
      for (int j = 0; j < NY - 1; j++) hz[i][j] = hz[i][j] - 0.7 * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
  }
  double sum = 0;
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NY; j++) sum += (ex[i][j] + 2 * ey[i][j] + 3 * hz[i][j]) * ((i + j) % 3 + 1);
  printf("fdtd-2d %.10e\n", sum);
  return 0;
}
