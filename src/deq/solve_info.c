#include "deq/solve_info.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

void deq_solve_opts_default(deq_solve_opts *o)
{
    o->solver = DEQ_SOLVER_ANDERSON;
    o->tol = 0.0;
    o->max_iter = 1000;
    o->depth = 5;
    o->ridge = 1e-10;
    o->damping = 1.0;
    o->newton = 1;
    o->newton_max = 8;
    o->patience = 10;
    o->observe = NULL;
    o->observe_ctx = NULL;
    o->ws_d = NULL;
    o->ws_mp = NULL;
}

double deq_solve_tol_log2(const deq_solve_opts *o, long m, long prec)
{
    if (o->tol > 0)
        return log2(o->tol);
    return 1.0 + 0.5 * log2((double)(m > 0 ? m : 1)) - (double)prec;
}

double deq_picard_rho_max(long max_iter, double log2_tol)
{
    if (!(max_iter > 0) || !(log2_tol < 1))
        return 0.0;
    return exp2((log2_tol - 1.0) / (double)max_iter);
}

deq_solver deq_solver_by_contraction(double rho_upper, long max_iter, double log2_tol)
{
    return rho_upper <= deq_picard_rho_max(max_iter, log2_tol) ? DEQ_SOLVER_PICARD
                                                                 : DEQ_SOLVER_ANDERSON;
}

const char *deq_solver_name(deq_solver s)
{
    return s == DEQ_SOLVER_PICARD ? "picard" : "anderson";
}

int deq_solver_parse(deq_solver *s, const char *name)
{
    if (strcmp(name, "picard") == 0)
        *s = DEQ_SOLVER_PICARD;
    else if (strcmp(name, "anderson") == 0)
        *s = DEQ_SOLVER_ANDERSON;
    else
        return -1;
    return 0;
}

const char *deq_outcome_name(deq_outcome o)
{
    static const char *const names[] = {"converged", "max-iter", "stagnated", "diverged",
                                        "non-finite"};
    return o >= DEQ_CONVERGED && o <= DEQ_NONFINITE ? names[o] : "?";
}

void deq_solve_info_init(deq_solve_info_t info)
{
    memset(info, 0, sizeof *info);
    deq_solve_info_reset(info);
}

void deq_solve_info_clear(deq_solve_info_t info)
{
    free(info->trace);
    info->trace = NULL;
    info->trace_cap = info->trace_len = 0;
}

void deq_solve_info_reset(deq_solve_info_t info)
{
    double *trace = info->trace;
    long cap = info->trace_cap;
    memset(info, 0, sizeof *info);
    info->trace = trace;
    info->trace_cap = cap;
    info->outcome = DEQ_MAX_ITER;
    info->rho_upper = INFINITY;
    info->err_bound = info->err_bound_rel = NAN;
    info->err_bound_x = info->err_bound_rel_x = num_xreal_from_d(NAN);
    info->observed_contraction = NAN;
}

void deq_solve_info_push(deq_solve_info_t info, double resid)
{
    if (info->trace_len == info->trace_cap) {
        info->trace_cap = info->trace_cap ? 2 * info->trace_cap : 64;
        info->trace = deq_realloc(info->trace, (size_t)info->trace_cap * sizeof(double));
    }
    info->trace[info->trace_len++] = resid;
}
