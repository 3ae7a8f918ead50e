/* Elapsed time for progress lines, time-left estimates and the run's wall
 * time: never for results, which must not depend on it. */
#ifndef DEQ_CORE_CLOCK_H
#define DEQ_CORE_CLOCK_H

/* Seconds on the monotonic clock (CLOCK_MONOTONIC: a step of the wall clock
 * neither stalls a progress line nor makes a duration negative). */
double deq_clock_seconds(void);

#endif
