#include "report/env.h"

#include <stdio.h>

#include <gmp.h>
#include <gsl/gsl_version.h>
#include <jansson.h>
#include <mpfr.h>

/* OpenBLAS's own description of its build and the kernel it chose for this CPU */
char *openblas_get_config(void);
char *openblas_get_corename(void);

#include "deq_revision.h" /* generated at build time: DEQCHECK_GIT_REVISION */

void report_env_get(report_env *e)
{
    snprintf(e->deqcheck, sizeof e->deqcheck, "%s", DEQCHECK_VERSION);
    snprintf(e->revision, sizeof e->revision, "%s", DEQCHECK_GIT_REVISION);
#if defined(__clang__)
    snprintf(e->compiler, sizeof e->compiler, "clang %s", __clang_version__);
#elif defined(__GNUC__)
    snprintf(e->compiler, sizeof e->compiler, "gcc %s", __VERSION__);
#else
    snprintf(e->compiler, sizeof e->compiler, "unknown C compiler");
#endif
    snprintf(e->gsl, sizeof e->gsl, "%s", GSL_VERSION);
    snprintf(e->mpfr, sizeof e->mpfr, "%s", mpfr_get_version());
    snprintf(e->gmp, sizeof e->gmp, "%s", gmp_version);
    snprintf(e->jansson, sizeof e->jansson, "%s", JANSSON_VERSION);
    snprintf(e->blas, sizeof e->blas, "%s (kernel %s)", openblas_get_config(),
             openblas_get_corename());
}
