/* Equilibrium solvers, written once for both backends (see deq/forward.h). */
#include "num/generic.h"

#include <cblas.h>

#include "core/ctx.h"
#include "deq/forward.h"
#include "num/bound.h"
#include "num/factor.h"

typedef GS(deq_fp) fp_t;

/* ---- threads ----
 *
 * The samples (columns) are independent, and the per-sample loops below run
 * on OpenMP threads, each column computed by the same operations whatever the
 * thread count, so results are bit-identical for any OMP_NUM_THREADS. In MPFR
 * every elementwise operation is a library call costing as much as hundreds
 * of double flops, so all of them are threaded. In double the products are
 * OpenBLAS's (with its own threads); the per-sample work between two products
 * (Anderson's small least-squares problems, the residual norms) would
 * otherwise run on one core while OpenBLAS's threads wait for the next
 * product: about a quarter of a warm-started training step at m = 1024.
 *
 * PAR_MIN_OPS: operations below which a loop stays on one thread, about 1 ms
 * of work (an MPFR operation at 256 bits costs about 35 ns, a double one about
 * 1 ns). The end of a parallel region waits for every thread, and on a machine
 * whose cores are busy a descheduled thread costs a scheduler time slice
 * (milliseconds) there: these loops run a few times per solver iteration,
 * where that is affordable, while regions inside inner loops (a 256×256 gemv
 * per refinement step) would not be (see PAR_MIN_WORK in num/gemm_mp.c). Loops
 * over an m×n iterate count their operations. */
#include <omp.h>
#define PAR_PRAGMA(x) _Pragma(#x)
#ifdef DEQ_MPFR
#define MP_PRAGMA(x) _Pragma(#x)
#define PAR_MIN_OPS 32768.0
#else
#define MP_PRAGMA(x)
#define PAR_MIN_OPS 1048576.0
#endif

/* Columns [j0, j1) of M as a matrix of their own (columns are contiguous). */
static mat_struct col_view(const mat_t M, long j0, long j1)
{
#ifdef DEQ_MPFR
    mat_struct v = {M->e + (size_t)j0 * (size_t)M->rows, M->rows, j1 - j0, M->prec};
#else
    mat_struct v = {M->e + (size_t)j0 * (size_t)M->rows, M->rows, j1 - j0};
#endif
    return v;
}

/* The residual and scale the stopping rule and the certificate use, one
 * column per task in MPFR: *r = max_j ‖M_j − N_j‖₂, and when F is not NULL
 * F = M − N is stored on the way and *r = max_j ‖F_j‖₂; *zn = max_j ‖M_j‖₂.
 * Each is the value G(mat_max_col_dist) / G(mat_max_col_norm) return (the
 * max does not depend on the columns' order; a NaN anywhere is the answer). */
static void residual_norms(double *r, double *zn, mat_t F, const mat_t M, const mat_t N, long prec)
{
    long m = M->rows, n = M->cols;
    double wr = 0.0, wz = 0.0;
    int nan_r = 0, nan_z = 0;
    PAR_PRAGMA(omp parallel for schedule(dynamic) reduction(max : wr, wz) reduction(| : nan_r, nan_z)
               if (3.0 * (double)m * (double)n >= PAR_MIN_OPS))
    for (long j = 0; j < n; j++) {
        mat_struct mv = col_view(M, j, j + 1), nv = col_view(N, j, j + 1);
        double dr;
        if (F) {
            mat_struct fv = col_view(F, j, j + 1);
            for (long i = 0; i < m; i++)
                re_sub(mat_entry(&fv, i, 0), mat_entry(&mv, i, 0), mat_entry(&nv, i, 0));
            dr = G(mat_max_col_norm)(&fv, prec);
        } else
            dr = G(mat_max_col_dist)(&mv, &nv, prec);
        double dz = G(mat_max_col_norm)(&mv, prec);
        if (isnan(dr))
            nan_r = 1;
        else if (dr > wr)
            wr = dr;
        if (isnan(dz))
            nan_z = 1;
        else if (dz > wz)
            wz = dz;
    }
    *r = nan_r ? NAN : wr;
    *zn = nan_z ? NAN : wz;
}

/* OUT = σ(H) entrywise (OUT may be H), one column per task in MPFR. The
 * elementary functions leave MPFR's thread-local caches (constants, integer
 * pool) allocated; the calling thread keeps its own, as without threads, and
 * the team's other threads free theirs so that nothing outlives the call but
 * OpenMP's own thread pool. */
static void act_apply(mat_t OUT, const mat_t H, deq_act act, long prec)
{
#ifdef DEQ_MPFR
    long n = H->cols;
    /* relu is a comparison; the others cost tens of operations each */
    double ops = (act == DEQ_ACT_RELU ? 1.0 : 64.0) * (double)H->rows * (double)n;
    MP_PRAGMA(omp parallel if (ops >= PAR_MIN_OPS))
    {
        MP_PRAGMA(omp for schedule(dynamic))
        for (long j = 0; j < n; j++) {
            mat_struct ov = col_view(OUT, j, j + 1), hv = col_view(H, j, j + 1);
            G(deq_act_apply)(&ov, NULL, &hv, act, prec);
        }
        if (omp_get_thread_num() != 0)
            mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
    }
#else
    G(deq_act_apply)(OUT, NULL, H, act, prec);
#endif
}

/* ---- rigorous-bound helpers (double arithmetic, directed where it matters) ---- */

/* Upper bound on 1/(1 − g), 0 <= g < 1. */
static double inv_one_minus_up(double g)
{
    return bound_div_up(1.0, bound_sub_down(1.0, g));
}

/* D = |M| entrywise, each entry rounded up to double. D initialized, same shape. */
static void abs_up_mat(mat_d_t D, const mat_t M)
{
    size_t count = (size_t)M->rows * (size_t)M->cols;
    for (size_t k = 0; k < count; k++)
        D->e[k] = re_get_d_abs_up(M->e + k);
}

/* P = |op(A)|·|Z| (nonnegative, double) and the factor K with exact
 * |op(A)||Z| <= K·P̂ entrywise: a double dot product of k nonnegative terms has
 * relative error at most γ_k (rounding to double of |Â|, |Ẑ| was upward, so it
 * only enlarges P). */
static double abs_product_up(mat_d_t P, mat_op opA, const mat_t A, const mat_t Z)
{
    mat_d_t Aa, Za;
    mat_init_d(Aa, A->rows, A->cols, 53);
    mat_init_d(Za, Z->rows, Z->cols, 53);
    abs_up_mat(Aa, A);
    abs_up_mat(Za, Z);
    double one = 1.0, zero = 0.0;
    mat_gemm_d(P, &one, opA, Aa, MAT_NOTRANS, Za, &zero, 53);
    mat_clear_d(Aa);
    mat_clear_d(Za);
    return inv_one_minus_up(bound_gamma((double)A->cols, DEQ_PREC_DOUBLE));
}

/* Upper bound on ‖A‖_F: a double sum of N squares has relative error <= γ_{N+1}. */
static double frob_upper(const mat_t A)
{
    size_t count = (size_t)A->rows * (size_t)A->cols;
    double s = 0.0;
    for (size_t k = 0; k < count; k++) {
        double a = re_get_d_abs_up(A->e + k);
        s += a * a;
    }
    s = bound_mul_up(s, inv_one_minus_up(bound_gamma((double)count + 1, DEQ_PREC_DOUBLE)));
    return bound_sqrt_up(s);
}

/* Upper bound on ‖M[:,j] − N[:,j]‖₂ computed at the working precision: the
 * sum of m squared differences has relative error <= γ_{m+2} there; conversion
 * to double and the double sqrt add two more roundings. */
static double col_dist_upper(const mat_t M, const mat_t N, long j, long prec)
{
    real_t acc, d;
    re_init(acc, prec);
    re_init(d, prec);
    re_set_zero(acc);
    for (long i = 0; i < M->rows; i++) {
        re_sub(d, mat_entry(M, i, j), mat_entry(N, i, j));
        re_fma(acc, d, d, acc);
    }
    double s = re_get_d_abs_up(acc);
    re_clear(acc);
    re_clear(d);
    s = bound_add_up(s, bound_mul_up(s, bound_gamma((double)M->rows + 2, prec)));
    return bound_sqrt_up(s);
}

/* ---- problem set-up ---- */

void G(deq_injection)(mat_t B, mat_d_t B_err, real_srcptr alpha_U, double alpha_U_rel_err,
                      const mat_t U, double U_rel_err, const mat_t X, double X_rel_err, long prec)
{
    real_t zero;
    re_init(zero, prec);
    re_set_zero(zero);
    G(mat_gemm)(B, alpha_U, MAT_NOTRANS, U, MAT_NOTRANS, X, zero, prec);
    re_clear(zero);
    if (!B_err)
        return;
    /* |B − B̂| <= [γ_{d+1} + (1+ε_α)(1+ε_U)(1+ε_X) − 1]·|α̂|·|Û||X̂|: the product
     * rounds (γ_{d+1} with the scaling by α̂), and the data differ from the exact
     * ones by the stated relative errors. */
    double K = abs_product_up(B_err, MAT_NOTRANS, U, X);
    double model = bound_rel_compose_up(bound_rel_compose_up(alpha_U_rel_err, U_rel_err), X_rel_err);
    model = bound_add_up(model, bound_gamma((double)U->cols + 1, prec));
    double scale = bound_mul_up(bound_mul_up(model, re_get_d_abs_up(alpha_U)), K);
    /* each entry is multiplied with round-to-nearest: absorb that rounding too */
    scale = bound_mul_up(scale, inv_one_minus_up(ldexp(1.0, -DEQ_PREC_DOUBLE)));
    for (long k = 0; k < B_err->rows * B_err->cols; k++)
        B_err->e[k] *= scale;
}

double G(deq_contraction_upper)(num_norm2_t nrm, const mat_t A, real_srcptr alpha,
                                double alpha_rel_err, double A_rel_err, deq_act act, long prec)
{
    num_norm2_t local;
    num_norm2_struct *nb = nrm ? nrm : local;
    G(num_norm2_upper)(nb, A, prec);
    double normA = nb->upper;
    if (A_rel_err > 0) /* ‖A − Â‖₂ <= ‖|A − Â|‖_F <= ε_A‖Â‖_F */
        normA = bound_add_up(normA, bound_mul_up(A_rel_err, frob_upper(A)));
    double a = bound_add_up(re_get_d_abs_up(alpha), bound_mul_up(re_get_d_abs_up(alpha), alpha_rel_err));
    return bound_mul_up(bound_mul_up(deq_act_lipschitz_upper(act), a), normA);
}

void G(deq_phi)(mat_t OUT, mat_t H, const fp_t *fp, const mat_t Z, long prec)
{
    DEQ_REQUIRE(OUT->e != Z->e);
    real_t one;
    re_init(one, prec);
    re_set_si(one, 1);
    G(mat_set)(H, fp->B);
    G(mat_gemm)(H, fp->alpha, MAT_NOTRANS, fp->A, MAT_NOTRANS, Z, one, prec);
    act_apply(OUT, H, fp->act, prec);
    re_clear(one);
}

double G(deq_forward_auto_tol)(long m, long prec)
{
    return 2.0 * sqrt((double)(m > 0 ? m : 1)) * re_unit_roundoff(prec);
}

/* ---- the a-posteriori certificates ---- */

/* The residual fields of info from the last iterate Zk and PHI = map(Zk).
 * Returns 1 when a certificate is possible (ρ̄ < 1, everything finite). */
static int certify_residuals(deq_solve_info_t info, const mat_t Zk, const mat_t PHI, double rho,
                             long prec)
{
    residual_norms(&info->resid, &info->znorm, NULL, PHI, Zk, prec);
    info->resid_rel = info->znorm > 0 ? info->resid / info->znorm
                                      : (info->resid == 0 ? 0.0 : INFINITY);
    info->rho_upper = rho;
    info->certified = rho < 1.0 && G(mat_is_finite)(PHI) && G(mat_is_finite)(Zk);
    info->err_bound = info->err_bound_rel = info->round_slack = NAN;
    return info->certified;
}

/* The error bound from the per-entry rounding terms T (m×n, nonnegative, each
 * computed in double with at most `ops` roundings): per sample e_i = ‖T_i‖₂
 * and ‖map(z_k) − z*‖ <= (ρ̄·s_i + e_i)/(1 − ρ̄), s_i = ‖PHI_i − Zk_i‖. The
 * double evaluation of T (γ_ops) and of ‖T_i‖₂ (m squares, m−1 sums: γ_{m+1},
 * halved under the root, plus the sqrt's rounding) is absorbed by one factor. */
static void certify_bound(deq_solve_info_t info, const mat_d_t T, int ops, const mat_t Zk,
                          const mat_t PHI, double rho, long prec)
{
    long m = T->rows, n = T->cols;
    double tfac = inv_one_minus_up(bound_gamma(ops, DEQ_PREC_DOUBLE));
    double nfac = bound_mul_up(bound_sqrt_up(inv_one_minus_up(bound_gamma((double)m + 1, DEQ_PREC_DOUBLE))),
                               inv_one_minus_up(ldexp(1.0, -DEQ_PREC_DOUBLE)));
    double efac = bound_mul_up(tfac, nfac);
    double one_minus_rho = bound_sub_down(1.0, rho);
    double worst = 0.0, worst_e = 0.0;
    for (long i = 0; i < n; i++) {
        double ss = 0.0;
        for (long j = 0; j < m; j++) {
            double t = T->e[j + (size_t)i * m];
            ss += t * t;
        }
        double e = bound_mul_up(sqrt(ss), efac);
        double s = col_dist_upper(PHI, Zk, i, prec);
        double bound = bound_div_up(bound_add_up(bound_mul_up(rho, s), e), one_minus_rho);
        if (isnan(bound) || bound > worst)
            worst = bound;
        if (e > worst_e)
            worst_e = e;
    }
    info->err_bound = worst;
    info->round_slack = worst_e;
    info->err_bound_rel = info->znorm > 0 ? bound_div_up(worst, info->znorm) : INFINITY;
}

void G(deq_forward_certify)(deq_solve_info_t info, const mat_t Zk, const mat_t PHI,
                            const fp_t *fp, long prec)
{
    long m = PHI->rows, n = PHI->cols;
    if (!certify_residuals(info, Zk, PHI, fp->rho_upper, prec))
        return;

    /* Per entry j of sample i, with ĥ the computed and h the exact pre-activation
     * (exact α, A, B) at z_k:
     *   |ĥ_j − h_j| <= γ_{m+2}(α̂P_j + |B̂_j|) + [(1+ε_α)(1+ε_A) − 1]·α̂P_j + Berr_j,
     * P = |Â||z_k| (the gemm with β = 1 rounds like a dot product of m+2 terms);
     * then |σ̂(ĥ_j) − σ(h_j)| <= L|ĥ_j − h_j| + c_σ·u·|σ̂(ĥ_j)|. So
     *   t_j = c1·P̂_j + c2·|B̂_j| + c3·Berr_j + c4·|Φ̂_j|   (7 roundings). */
    double u = re_unit_roundoff(prec);
    double L = deq_act_lipschitz_upper(fp->act);
    double g = bound_gamma((double)m + 2, prec);
    double model = bound_rel_compose_up(fp->alpha_rel_err, fp->A_rel_err);
    mat_d_t T;
    mat_init_d(T, m, n, 53);
    double K = abs_product_up(T, MAT_NOTRANS, fp->A, Zk);
    double c1 = bound_mul_up(bound_mul_up(bound_mul_up(L, bound_add_up(g, model)), re_get_d_abs_up(fp->alpha)), K);
    double c2 = bound_mul_up(L, g);
    double c3 = L;
#ifdef DEQ_MPFR
    double c4 = bound_mul_up(deq_act_eval_error_factor(fp->act, 1), u);
#else
    double c4 = bound_mul_up(deq_act_eval_error_factor(fp->act, 0), u);
#endif
    for (long i = 0; i < n; i++)
        for (long j = 0; j < m; j++) {
            double *t = T->e + j + (size_t)i * m;
            *t = c1 * *t + c2 * re_get_d_abs_up(mat_entry(fp->B, j, i))
                 + (fp->B_err ? c3 * fp->B_err->e[j + (size_t)i * m] : 0.0)
                 + c4 * re_get_d_abs_up(mat_entry(PHI, j, i));
        }
    certify_bound(info, T, 7, Zk, PHI, fp->rho_upper, prec);
    mat_clear_d(T);
}

/* ---- stopping rule shared by the solvers ---- */

typedef enum { STEP_GO_ON, STEP_NEW_BEST, STEP_STOP } step_action;

typedef struct {
    double tol;      /* relative residual for convergence */
    double floor;    /* after stagnation, a best relative residual at or below this counts as converged */
    double first;    /* residual of the first iteration */
    double best;     /* smallest relative residual so far */
    double prev;     /* residual of the previous iteration */
    long best_iter;
    long rising;     /* consecutive iterations whose residual grew */
    long patience;
    long max_iter;
    double growth_limit;
} stop_rule;

/* The relative tolerance and the stagnation floor of a solve. With the derived
 * tolerance the solver iterates down to rounding level, and a residual that
 * stalls within the worst-case rounding of one evaluation (≈ m·u, the γ_m
 * bound, with the same margin 8) has converged as far as this precision
 * allows. With a user tolerance, that tolerance is the bar. */
static void solve_tolerances(double *tol, double *floor, const deq_solve_opts *o, long m, long prec)
{
    *tol = o->tol > 0 ? o->tol : G(deq_forward_auto_tol)(m, prec);
    *floor = o->tol > 0 ? o->tol : fmax(*tol, 8.0 * (double)m * re_unit_roundoff(prec));
}

static void stop_rule_init(stop_rule *sr, deq_solve_info_t info, const deq_solve_opts *o, long m,
                           long prec)
{
    solve_tolerances(&sr->tol, &sr->floor, o, m, prec);
    sr->best = INFINITY;
    sr->best_iter = -1;
    sr->first = sr->prev = NAN;
    sr->rising = 0;
    sr->patience = o->patience > 0 ? o->patience : 10;
    sr->max_iter = o->max_iter;
    /* The residual exceeded the first one by 2^26 ≈ 6.7e7, the square root of
     * double's precision: far past any transient of a convergent iteration. */
    sr->growth_limit = ldexp(1.0, DEQ_PREC_DOUBLE / 2);
    info->tol = sr->tol;
    info->tol_floor = sr->floor;
}

/* Records iteration k (residual r, iterate scale zn) and decides. Divergence is
 * judged before stagnation: a residual that grew at every one of the last
 * `patience` iterations, to above the first one, is diverging, not stalling. */
static step_action stop_rule_step(stop_rule *sr, deq_solve_info_t info, long k, double r,
                                  double zn)
{
    deq_solve_info_push(info, r);
    info->iterations = k + 1;
    if (!isfinite(r) || !isfinite(zn)) {
        info->outcome = DEQ_NONFINITE;
        return STEP_STOP;
    }
    double rel = zn > 0 ? r / zn : (r == 0 ? 0.0 : INFINITY);
    if (rel <= sr->tol) {
        /* the current iterate is the one to return: never restore an older one */
        sr->best = rel;
        sr->best_iter = k;
        info->outcome = DEQ_CONVERGED;
        return STEP_STOP;
    }
    if (k == 0)
        sr->first = r;
    sr->rising = k > 0 && r > sr->prev ? sr->rising + 1 : 0;
    sr->prev = r;
    if (r > sr->first * sr->growth_limit || (sr->rising >= sr->patience && r > sr->first)) {
        info->outcome = DEQ_DIVERGED;
        return STEP_STOP;
    }
    if (rel < sr->best) {
        sr->best = rel;
        sr->best_iter = k;
        if (k + 1 >= sr->max_iter) {
            info->outcome = rel <= sr->floor ? DEQ_CONVERGED : DEQ_MAX_ITER;
            return STEP_STOP;
        }
        return STEP_NEW_BEST;
    }
    if (k - sr->best_iter >= sr->patience || k + 1 >= sr->max_iter) {
        info->outcome = sr->best <= sr->floor ? DEQ_CONVERGED
                        : k + 1 >= sr->max_iter ? DEQ_MAX_ITER
                                                : DEQ_STAGNATED;
        return STEP_STOP;
    }
    return STEP_GO_ON;
}

/* Geometric mean of successive residual ratios over the first half of the
 * iterations, where the decay (or growth) is the iteration's and not rounding
 * noise. */
static void set_observed_contraction(deq_solve_info_t info, long start)
{
    long len = info->trace_len - start;
    long half = len / 2;
    double r0 = info->trace[start], rh = half > 0 ? info->trace[start + half] : NAN;
    info->observed_contraction = half > 0 && r0 > 0 && rh > 0 ? pow(rh / r0, 1.0 / (double)half)
                                                               : NAN;
}

/* A fixed-point map as the solvers see it: the equilibrium map Φ, or the
 * adjoint map. eval writes OUT = map(Z) using H (m×n) as scratch; certify
 * fills the residual and error-bound fields of info from (z_k, map(z_k)). */
typedef struct {
    void (*eval)(mat_t OUT, mat_t H, const void *data, const mat_t Z, long prec);
    void (*certify)(deq_solve_info_t info, const mat_t Zk, const mat_t PHI, const void *data,
                    long prec);
    const void *data;
} fp_map;

/* After the loop stopped at iterate Z with PHI = map(Z): when the stop was a
 * stagnation, go back to the best iterate. Then certify and return map(z). */
static void finish(mat_t Z, mat_t PHI, mat_t H, const mat_t Zbest, int restore,
                   deq_solve_info_t info, const fp_map *map, long prec)
{
    if (restore) {
        G(mat_set)(Z, Zbest);
        map->eval(PHI, H, map->data, Z, prec);
    }
    map->certify(info, Z, PHI, map->data, prec);
    G(mat_swap)(Z, PHI);
}

static int should_restore(const deq_solve_info_t info, const stop_rule *sr, long k)
{
    return (info->outcome == DEQ_CONVERGED || info->outcome == DEQ_STAGNATED
            || info->outcome == DEQ_MAX_ITER)
           && sr->best_iter >= 0 && sr->best_iter != k;
}

/* ---- Picard ---- */

static void picard_run(mat_t Z, deq_solve_info_t info, const fp_map *map,
                       const deq_solve_opts *o, long prec)
{
    long m = Z->rows, n = Z->cols;
    mat_t PHI, H, Zbest;
    G(mat_init)(PHI, m, n, prec);
    G(mat_init)(H, m, n, prec);
    G(mat_init)(Zbest, m, n, prec);
    long start = info->trace_len;
    stop_rule sr;
    stop_rule_init(&sr, info, o, m, prec);
    info->outcome = DEQ_MAX_ITER;
    long k = 0;
    for (;; k++) {
        map->eval(PHI, H, map->data, Z, prec);
        double r, zn;
        residual_norms(&r, &zn, NULL, PHI, Z, prec);
        step_action act = sr.max_iter > 0 ? stop_rule_step(&sr, info, k, r, zn) : STEP_STOP;
        if (act == STEP_STOP)
            break;
        /* z_k's buffer is free after this step: a new best keeps it as Zbest
         * (no copy), and the old Zbest's buffer takes the next map value */
        if (act == STEP_NEW_BEST)
            G(mat_swap)(Zbest, Z);
        G(mat_swap)(Z, PHI);
    }
    set_observed_contraction(info, start);
    if (info->outcome != DEQ_DIVERGED && info->outcome != DEQ_NONFINITE)
        finish(Z, PHI, H, Zbest, should_restore(info, &sr, k), info, map, prec);
    G(mat_clear)(PHI);
    G(mat_clear)(H);
    G(mat_clear)(Zbest);
}

/* ---- Anderson ---- */

/* One thread's scratch for the per-sample Anderson step: N[s-1], L[s-1] the
 * s×s normal matrix and its Cholesky factor, rhs[s-1] the right-hand side. */
typedef struct {
    mat_struct *N, *L, *rhs;
    real_t acc, tr, t;
    int depth;
} anderson_ws;

static void anderson_ws_init(anderson_ws *w, int depth, long prec)
{
    w->depth = depth;
    w->N = deq_malloc((size_t)depth * sizeof *w->N);
    w->L = deq_malloc((size_t)depth * sizeof *w->L);
    w->rhs = deq_malloc((size_t)depth * sizeof *w->rhs);
    for (int s = 0; s < depth; s++) {
        G(mat_init)(w->N + s, s + 1, s + 1, prec);
        G(mat_init)(w->L + s, s + 1, s + 1, prec);
        G(mat_init)(w->rhs + s, s + 1, 1, prec);
    }
    re_init(w->acc, prec);
    re_init(w->tr, prec);
    re_init(w->t, prec);
}

static void anderson_ws_clear(anderson_ws *w)
{
    for (int s = 0; s < w->depth; s++) {
        G(mat_clear)(w->N + s);
        G(mat_clear)(w->L + s);
        G(mat_clear)(w->rhs + s);
    }
    free(w->N);
    free(w->L);
    free(w->rhs);
    re_clear(w->acc);
    re_clear(w->tr);
    re_clear(w->t);
}

/* Sample i's Anderson step from its s = count differences: Znew[:,i]. */
static void anderson_column(mat_t Znew, anderson_ws *w, long i, int s, const mat_struct *dX,
                            const mat_struct *dF, const mat_t F, const mat_t Z, real_srcptr beta,
                            const deq_solve_opts *o, long prec)
{
    long m = Z->rows;
    int solved = 0;
    if (s > 0) {
        mat_struct *Ns = w->N + (s - 1), *Ls = w->L + (s - 1), *rs = w->rhs + (s - 1);
        re_set_zero(w->tr);
        for (int a = 0; a < s; a++) {
            for (int b = 0; b <= a; b++) {
                G(vec_dot)(w->acc, mat_entry(dF + a, 0, i), mat_entry(dF + b, 0, i), m, prec);
                re_set(mat_entry(Ns, a, b), w->acc);
                re_set(mat_entry(Ns, b, a), w->acc);
            }
            re_add(w->tr, w->tr, mat_entry(Ns, a, a));
            G(vec_dot)(mat_entry(rs, a, 0), mat_entry(dF + a, 0, i), mat_entry(F, 0, i), m, prec);
        }
        if (re_sgn(w->tr) > 0) {
            re_mul_d(w->t, w->tr, o->ridge / (double)s);
            for (int a = 0; a < s; a++)
                re_add(mat_entry(Ns, a, a), mat_entry(Ns, a, a), w->t);
            if (G(num_chol)(Ls, Ns, prec) == 0) {
                G(num_chol_solve)(rs, Ls, rs, prec);
                solved = 1;
            }
        }
    }
    /* x+ = x + β f − Σ_a γ_a ΔX_a − Σ_a βγ_a ΔF_a */
    real_ptr xn = mat_entry(Znew, 0, i);
    for (long j = 0; j < m; j++)
        re_set(xn + j, mat_entry(Z, j, i));
    G(vec_axpy)(xn, beta, mat_entry(F, 0, i), m, prec);
    for (int a = 0; solved && a < s; a++) {
        real_srcptr ga = mat_entry(w->rhs + (s - 1), a, 0);
        re_neg(w->t, ga);
        G(vec_axpy)(xn, w->t, mat_entry(dX + a, 0, i), m, prec);
        re_mul(w->t, w->t, beta);
        G(vec_axpy)(xn, w->t, mat_entry(dF + a, 0, i), m, prec);
    }
}

/* Anderson acceleration (Walker & Ni's form) with coefficients per sample:
 * with f_k = Φ(x_k) − x_k and the last s differences ΔX, ΔF,
 *   γ = argmin ‖f_k − ΔF γ‖² + λ‖γ‖²,   x_{k+1} = x_k + β f_k − (ΔX + β ΔF) γ.
 * λ = ridge·tr(ΔFᵀΔF)/s keeps the small normal system scale-invariant. A column
 * whose normal system is not positive definite takes the damped Picard step. */
static void anderson_run(mat_t Z, deq_solve_info_t info, const fp_map *map,
                         const deq_solve_opts *o, long prec)
{
    long m = Z->rows, n = Z->cols;
    int depth = o->depth > 0 ? o->depth : 1;
    DEQ_REQUIRE(o->damping > 0 && o->damping <= 1);
    mat_t PHI, H, Zbest, F, Fprev, Xprev, Znew;
    mat_struct *dX = deq_malloc((size_t)depth * sizeof *dX);
    mat_struct *dF = deq_malloc((size_t)depth * sizeof *dF);
    for (int s = 0; s < depth; s++) {
        G(mat_init)(dX + s, m, n, prec);
        G(mat_init)(dF + s, m, n, prec);
    }
    /* one workspace per thread that may run anderson_column */
    int nws = omp_get_max_threads();
    anderson_ws *ws = deq_malloc((size_t)nws * sizeof *ws);
    for (int q = 0; q < nws; q++)
        anderson_ws_init(ws + q, depth, prec);
    G(mat_init)(PHI, m, n, prec);
    G(mat_init)(H, m, n, prec);
    G(mat_init)(Zbest, m, n, prec);
    G(mat_init)(F, m, n, prec);
    G(mat_init)(Fprev, m, n, prec);
    G(mat_init)(Xprev, m, n, prec);
    G(mat_init)(Znew, m, n, prec);
    real_t beta;
    re_init(beta, prec);
    re_set_d(beta, o->damping);

    long start = info->trace_len;
    stop_rule sr;
    stop_rule_init(&sr, info, o, m, prec);
    info->outcome = DEQ_MAX_ITER;
    int count = 0, head = 0; /* ring of the last `count` differences; head = next slot */
    long k = 0;
    for (;; k++) {
        map->eval(PHI, H, map->data, Z, prec);
        double r, zn;
        residual_norms(&r, &zn, F, PHI, Z, prec); /* F = PHI − Z */
        step_action act = sr.max_iter > 0 ? stop_rule_step(&sr, info, k, r, zn) : STEP_STOP;
        if (act == STEP_NEW_BEST)
            G(mat_set)(Zbest, Z);
        if (act == STEP_STOP)
            break;
        int slot = k > 0 ? head : -1; /* where this iteration's differences go */
        if (k > 0) {
            head = (head + 1) % depth;
            if (count < depth)
                count++;
        }
        /* sample i reads only column i of the differences: one task per
         * sample, each about m·(s(s+1)/2 + 4s + 3) operations */
        double ops = (double)m * (double)n * (count * (count + 1) / 2.0 + 4.0 * count + 3.0);
        PAR_PRAGMA(omp parallel for schedule(dynamic) if (ops >= PAR_MIN_OPS))
        for (long i = 0; i < n; i++) {
            anderson_ws *w = ws + omp_get_thread_num();
            for (long j = 0; slot >= 0 && j < m; j++) {
                re_sub(mat_entry(dX + slot, j, i), mat_entry(Z, j, i), mat_entry(Xprev, j, i));
                re_sub(mat_entry(dF + slot, j, i), mat_entry(F, j, i), mat_entry(Fprev, j, i));
            }
            anderson_column(Znew, w, i, count, dX, dF, F, Z, beta, o, prec);
        }
        G(mat_swap)(Xprev, Z);
        G(mat_swap)(Z, Znew);
        G(mat_swap)(Fprev, F);
    }
    set_observed_contraction(info, start);
    if (info->outcome != DEQ_DIVERGED && info->outcome != DEQ_NONFINITE)
        finish(Z, PHI, H, Zbest, should_restore(info, &sr, k), info, map, prec);

    re_clear(beta);
    for (int s = 0; s < depth; s++) {
        G(mat_clear)(dX + s);
        G(mat_clear)(dF + s);
    }
    free(dX);
    free(dF);
    for (int q = 0; q < nws; q++)
        anderson_ws_clear(ws + q);
    free(ws);
    G(mat_clear)(PHI);
    G(mat_clear)(H);
    G(mat_clear)(Zbest);
    G(mat_clear)(F);
    G(mat_clear)(Fprev);
    G(mat_clear)(Xprev);
    G(mat_clear)(Znew);
}

/* ---- the equilibrium map ---- */

static void equilibrium_eval(mat_t OUT, mat_t H, const void *data, const mat_t Z, long prec)
{
    G(deq_phi)(OUT, H, (const fp_t *)data, Z, prec);
}

static void equilibrium_certify(deq_solve_info_t info, const mat_t Zk, const mat_t PHI,
                                const void *data, long prec)
{
    G(deq_forward_certify)(info, Zk, PHI, (const fp_t *)data, prec);
}

static fp_map equilibrium_map(const fp_t *fp, const mat_t Z)
{
    DEQ_REQUIRE(fp->A->rows == Z->rows && fp->A->cols == Z->rows && fp->B->rows == Z->rows
                && fp->B->cols == Z->cols);
    fp_map map = {equilibrium_eval, equilibrium_certify, fp};
    return map;
}

void G(deq_forward_picard)(mat_t Z, deq_solve_info_t info, const fp_t *fp,
                           const deq_solve_opts *o, long prec)
{
    fp_map map = equilibrium_map(fp, Z);
    info->rho_upper = fp->rho_upper; /* known whatever the outcome */
    picard_run(Z, info, &map, o, prec);
}

void G(deq_forward_anderson)(mat_t Z, deq_solve_info_t info, const fp_t *fp,
                             const deq_solve_opts *o, long prec)
{
    fp_map map = equilibrium_map(fp, Z);
    info->rho_upper = fp->rho_upper;
    anderson_run(Z, info, &map, o, prec);
}

/* ---- the adjoint map ---- */

typedef GS(deq_adj) adj_t;

/* OUT = V + α·Aᵀ(D ⊙ W); H receives D ⊙ W. */
static void adjoint_eval(mat_t OUT, mat_t H, const void *data, const mat_t W, long prec)
{
    const adj_t *adj = data;
    size_t mn = (size_t)W->rows * (size_t)W->cols;
    for (size_t q = 0; q < mn; q++)
        re_mul(H->e + q, adj->D->e + q, W->e + q);
    for (long i = 0; i < W->cols; i++)
        for (long j = 0; j < W->rows; j++)
            re_set(mat_entry(OUT, j, i), mat_entry(adj->V, j, adj->V->cols == 1 ? 0 : i));
    real_t one;
    re_init(one, prec);
    re_set_si(one, 1);
    G(mat_gemm)(OUT, adj->alpha, MAT_TRANS, adj->A, MAT_NOTRANS, H, one, prec);
    re_clear(one);
}

/* As deq_forward_certify, for the adjoint map of the stored data: per entry
 *   |computed − exact map(w_k)|_j <= γ_{m+3}(α̂·(|Aᵀ||D||w_k|)_j + |V_j|)
 * (the gemm with β = 1 over m terms, plus the rounding of D ⊙ W), and
 *   ‖ŵ − w*‖ <= (ρ̄·s + e)/(1 − ρ̄) per sample. */
static void adjoint_certify(deq_solve_info_t info, const mat_t Wk, const mat_t PHI,
                            const void *data, long prec)
{
    const adj_t *adj = data;
    long m = PHI->rows, n = PHI->cols;
    if (!certify_residuals(info, Wk, PHI, adj->rho_upper, prec))
        return;
    mat_t DW;
    G(mat_init)(DW, m, n, prec);
    size_t mn = (size_t)m * (size_t)n;
    for (size_t q = 0; q < mn; q++) /* rounded once: |d·w| <= |fl(d·w)|/(1 − u), folded into K */
        re_mul(DW->e + q, adj->D->e + q, Wk->e + q);
    mat_d_t T;
    mat_init_d(T, m, n, 53);
    double K = abs_product_up(T, MAT_TRANS, adj->A, DW);
    K = bound_mul_up(K, inv_one_minus_up(re_unit_roundoff(prec)));
    G(mat_clear)(DW);
    double g = bound_gamma((double)m + 3, prec);
    double c1 = bound_mul_up(bound_mul_up(g, re_get_d_abs_up(adj->alpha)), K);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < m; j++) { /* t_j = c1·P̂_j + g·|V_j|   (3 roundings) */
            double *t = T->e + j + (size_t)i * m;
            *t = c1 * *t + g * re_get_d_abs_up(mat_entry(adj->V, j, adj->V->cols == 1 ? 0 : i));
        }
    certify_bound(info, T, 3, Wk, PHI, adj->rho_upper, prec);
    mat_clear_d(T);
}

void G(deq_adjoint_solve)(mat_t W, deq_solve_info_t info, const adj_t *adj,
                          const deq_solve_opts *o, long prec)
{
    DEQ_REQUIRE(adj->A->rows == W->rows && adj->A->cols == W->rows);
    DEQ_REQUIRE(adj->D->rows == W->rows && adj->D->cols == W->cols);
    DEQ_REQUIRE(adj->V->rows == W->rows && (adj->V->cols == 1 || adj->V->cols == W->cols));
    fp_map map = {adjoint_eval, adjoint_certify, adj};
    info->rho_upper = adj->rho_upper;
    if (o->solver == DEQ_SOLVER_PICARD)
        picard_run(W, info, &map, o, prec);
    else
        anderson_run(W, info, &map, o, prec);
}

void G(deq_forward_solve)(mat_t Z, deq_solve_info_t info, const fp_t *fp,
                          const deq_solve_opts *o, long prec)
{
    deq_solve_opts first = *o;
#ifdef DEQ_MPFR
    double tol, floor;
    solve_tolerances(&tol, &floor, o, Z->rows, prec);
    /* Newton doubles the digits per step and one step costs about what a few
     * solver iterations do: hand over at √tol, or at 2^-40 (inside Newton's basin
     * for these contractions, three steps from 256-bit accuracy) if that is larger. */
    if (o->newton)
        first.tol = fmax(sqrt(tol), ldexp(1.0, -40));
#endif
    if (o->solver == DEQ_SOLVER_PICARD)
        G(deq_forward_picard)(Z, info, fp, &first, prec);
    else
        G(deq_forward_anderson)(Z, info, fp, &first, prec);
#ifdef DEQ_MPFR
    if (o->newton && info->outcome != DEQ_DIVERGED && info->outcome != DEQ_NONFINITE) {
        info->tol = tol;
        info->tol_floor = floor;
        deq_forward_newton_mp(Z, info, fp, o, tol, prec);
    }
#endif
}
