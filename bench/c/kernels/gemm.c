// PolyBench-style gemm: C = alpha·A·B + beta·C on N×N doubles (the i-k-j loop order compilers vectorise).
#include <stdio.h>

#include "../scale.h"

#define N SIZE(300)
static double A[N][N], B[N][N], C[N][N];

int main(void) {
  const double alpha = 1.5, beta = 1.2;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      A[i][j] = (double)((i * j + 1) % N) / N;
      B[i][j] = (double)((i * (j + 2)) % N) / N;
      C[i][j] = (double)((i * (j + 1) + 3) % N) / N;
    }
  for (int rep = 0; rep < 6; rep++)
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < N; j++) C[i][j] *= beta;
      for (int k = 0; k < N; k++) {
        const double a = alpha * A[i][k];
        for (int j = 0; j < N; j++) C[i][j] += a * B[k][j];
      }
    }
  double sum = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) sum += C[i][j] * ((i + j) % 7 + 1);
  printf("gemm %.10e\n", sum);
  return 0;
}
