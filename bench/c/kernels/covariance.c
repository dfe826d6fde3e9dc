// PolyBench-style covariance: column means, centring, and the M×M covariance matrix of N samples.
#include <stdio.h>

#include "../scale.h"

#define M SIZE(320)
#define N SIZE(360)
static double data[N][M], cov[M][M], mean[M];

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < M; j++) data[i][j] = (double)(i * j) / M + (double)((i + j) % 11);
  for (int rep = 0; rep < 3; rep++) {
    for (int j = 0; j < M; j++) {
      mean[j] = 0.0;
      for (int i = 0; i < N; i++) mean[j] += data[i][j];
      mean[j] /= N;
    }
    for (int i = 0; i < N; i++)
      for (int j = 0; j < M; j++) data[i][j] -= mean[j];
    for (int i = 0; i < M; i++)
      for (int j = i; j < M; j++) {
        double c = 0.0;
        for (int k = 0; k < N; k++) c += data[k][i] * data[k][j];
        cov[i][j] = cov[j][i] = c / (N - 1.0);
      }
  }
  double sum = 0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) sum += cov[i][j] * ((i + j) % 4 + 1);
  printf("covariance %.10e\n", sum);
  return 0;
}
