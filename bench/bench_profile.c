/* The one absolute figure of the bench, informational: how long the README's
 * main job takes here. It runs the deqcheck binary built beside the bench, as
 * a user would, into a temporary directory. */
#include "bench_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void bench_default_profile(int quick)
{
    if (quick) {
        printf("default_profile_seconds=skipped (--quick)\n");
        return;
    }
    char dir[] = "/tmp/deqcheck-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("default_profile_seconds=skipped (no temporary directory)\n");
        return;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "'%s' run --profile default --quiet --report '%s/r.md' > /dev/null; st=$?; "
             "rm -rf '%s'; exit $st",
             DEQCHECK_BIN_PATH, dir, dir);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = system(cmd);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    /* exit 1 (a check violated) still timed the whole run */
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
        printf("default_profile_seconds=failed (exit status %d)\n", st);
    else
        printf("default_profile_seconds=%.0f\n", s);
}
