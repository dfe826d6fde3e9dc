// PolyBench-style seidel-2d: a nine-point Gauss-Seidel stencil updated in place on an N×N grid.
#include <stdio.h>

#include "../scale.h"

#define N SIZE(400)
#define STEPS SIZE(40)
static double A[N][N];

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) A[i][j] = (double)((i * i + 7 * j) % 23) / N;
  for (int t = 0; t < STEPS; t++)
    for (int i = 1; i <= N - 2; i++)
      for (int j = 1; j <= N - 2; j++)
        A[i][j] = (A[i - 1][j - 1] + A[i - 1][j] + A[i - 1][j + 1] + A[i][j - 1] + A[i][j] + A[i][j + 1] + A[i + 1][j - 1] + A[i + 1][j] + A[i + 1][j + 1]) / 9.0;
  double sum = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) sum += A[i][j] * ((i + 2 * j) % 5 + 1);
  printf("seidel-2d %.10e\n", sum);
  return 0;
}
