// Problem sizes: SIZE(n) is n for `npm run bench`; the test that checks the programs' outputs builds
// them with -DBENCH_SCALE_DOWN=4, where a smaller problem checks the same code in a fraction of the time.
#ifndef BENCH_SCALE_DOWN
#define BENCH_SCALE_DOWN 1
#endif
#define SIZE(n) ((n) / BENCH_SCALE_DOWN)
