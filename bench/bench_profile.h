/* default_profile_seconds: wall time of `deqcheck run --profile default`. */
#ifndef DEQ_BENCH_PROFILE_H
#define DEQ_BENCH_PROFILE_H

void bench_default_profile(int quick);

#endif
