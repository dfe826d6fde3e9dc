// PolyBench-style jacobi-2d: a five-point stencil swept back and forth between two N×N grids.
#include <stdio.h>

#include "../scale.h"

#define N SIZE(500)
#define STEPS SIZE(100)
static double A[N][N], B[N][N];

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      A[i][j] = (double)((i * i + 7 * j) % 23) / N;
      B[i][j] = (double)((j * j + 3 * i) % 19) / N;
    }
  for (int t = 0; t < STEPS; t++) {
    for (int i = 1; i < N - 1; i++)
      for (int j = 1; j < N - 1; j++) B[i][j] = 0.2 * (A[i][j] + A[i][j - 1] + A[i][j + 1] + A[i + 1][j] + A[i - 1][j]);
    for (int i = 1; i < N - 1; i++)
      for (int j = 1; j < N - 1; j++) A[i][j] = 0.2 * (B[i][j] + B[i][j - 1] + B[i][j + 1] + B[i + 1][j] + B[i - 1][j]);
  }
  double sum = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) sum += A[i][j] * ((i * 3 + j) % 5 + 1);
  printf("jacobi-2d %.10e\n", sum);
  return 0;
}
