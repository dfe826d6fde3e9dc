// PolyBench-style lu: in-place LU decomposition without pivoting of a diagonally dominant N×N matrix.
#include <stdio.h>

#include "../scale.h"

#define N SIZE(700)
static double A[N][N];

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) A[i][j] = i == j ? N + 1.0 : (double)((i * 7 + j * 3) % N) / N;
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < i; j++) {
      for (int k = 0; k < j; k++) A[i][j] -= A[i][k] * A[k][j];
      A[i][j] /= A[j][j];
    }
    for (int j = i; j < N; j++)
      for (int k = 0; k < i; k++) A[i][j] -= A[i][k] * A[k][j];
  }
  double sum = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) sum += A[i][j] * ((i + j) % 3 + 1);
  printf("lu %.10e\n", sum);
  return 0;
}
