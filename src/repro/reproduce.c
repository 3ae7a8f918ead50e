/* The papers' experiments: configuration, data, step size, one width's run
 * with checkpoints (see repro/reproduce.h). */
#include "core/clock.h"
#include "repro/reproduce.h"

#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/rng.h"
#include "data/fashion.h"
#include "data/synthetic.h"
#include "deq/paper_ntk.h"
#include "io/tensor.h"
#include "kernel/paper_kernel.h"
#include "num/eig_lapack.h"
#include "num/norm_bound.h"

#define REPRO_GRAM_EVERY 10

deq_status repro_config_paper(repro_config *c, const deq_paper_spec *spec, deq_error_t err)
{
    memset(c, 0, sizeof *c);
    if (!spec)
        return deq_error_set(err, DEQ_ERR_INPUT, "expected gao2021 or ling2022");
    c->spec = spec;
    const repro_paper_facts *F = repro_paper_facts_of(spec->kind);
    for (int k = 0; k < F->n_widths; k++)
        c->paper_widths[k] = c->widths[k] = F->widths[k];
    c->paper_n_widths = c->n_widths = F->n_widths;
    c->paper_n_train = c->n_train = F->n_train.value;
    c->paper_n_test = c->n_test = F->n_test.value;
    c->paper_epochs = c->epochs = F->epochs.value;
    c->d = F->d.value;
    c->lr = NAN;
    c->gram_every = REPRO_GRAM_EVERY;
    return DEQ_OK;
}

/* ---------- data ---------- */

/* cols (count of them) ← `take` distinct indices among first, first + 2,
 * first + 4, ... (pool of them), drawn by a partial Fisher–Yates shuffle:
 * the paper's "500 random samples per class". */
static void draw_class(long *cols, long take, long pool, long first, deq_rng_t rng)
{
    long *idx = deq_malloc((size_t)pool * sizeof *idx);
    for (long k = 0; k < pool; k++)
        idx[k] = first + 2 * k;
    for (long k = 0; k < take; k++) {
        long j = k + (long)(deq_rng_uniform(rng) * (double)(pool - k));
        if (j >= pool)
            j = pool - 1;
        long t = idx[k];
        idx[k] = idx[j], idx[j] = t;
        cols[k] = idx[k];
    }
    free(idx);
}

/* X, y ← n samples, alternating the classes, drawn from the whole two-class
 * file (every image of both classes, as data_fashion_two_class returns them
 * alternating). */
static deq_status fashion_subset(mat_d_t X, mat_d_t y, long n, long per_class_in_file, int test,
                                 const char *dir, deq_rng_t rng, deq_error_t err)
{
    mat_d_t Xa, ya;
    deq_status st = data_fashion_two_class(Xa, ya, 2 * per_class_in_file, 0, 1, test, dir, err);
    if (st != DEQ_OK)
        return st;
    long half = n / 2, d = Xa->rows;
    long *pos = deq_malloc((size_t)half * sizeof *pos), *neg = deq_malloc((size_t)half * sizeof *neg);
    draw_class(pos, half, per_class_in_file, 0, rng);
    draw_class(neg, half, per_class_in_file, 1, rng);
    mat_init_d(X, d, n, 53);
    mat_init_d(y, n, 1, 53);
    for (long k = 0; k < n; k++) {
        long src = k % 2 == 0 ? pos[k / 2] : neg[k / 2];
        memcpy(X->e + k * d, Xa->e + src * d, (size_t)d * sizeof(double));
        y->e[k] = ya->e[src];
    }
    free(pos), free(neg);
    mat_clear_d(Xa), mat_clear_d(ya);
    return DEQ_OK;
}

/* Images per class in Fashion-MNIST's files (the dataset's documentation). */
#define FASHION_TRAIN_PER_CLASS 6000
#define FASHION_TEST_PER_CLASS 1000

deq_status repro_data_make(repro_data_t D, const repro_config *c, deq_error_t err)
{
    memset(D, 0, sizeof *D);
    deq_rng_t rng;
    deq_rng_init(rng, c->seed ^ 0x5bd1e995UL);
    deq_status st = DEQ_OK;
    if (c->spec->kind == DEQ_PAPER_GAO2021) {
        if (c->n_train / 2 > FASHION_TRAIN_PER_CLASS || c->n_test / 2 > FASHION_TEST_PER_CLASS) {
            deq_rng_clear(rng);
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "--n: Fashion-MNIST has %d training and %d test images per class",
                                 FASHION_TRAIN_PER_CLASS, FASHION_TEST_PER_CLASS);
        }
        st = fashion_subset(D->X, D->y, c->n_train, FASHION_TRAIN_PER_CLASS, 0, c->fashion_dir,
                            rng, err);
        if (st == DEQ_OK) {
            st = fashion_subset(D->Xt, D->yt, c->n_test, FASHION_TEST_PER_CLASS, 1,
                                c->fashion_dir, rng, err);
            if (st != DEQ_OK)
                mat_clear_d(D->X), mat_clear_d(D->y);
        }
    } else {
        mat_init_d(D->X, c->d, c->n_train, 53);
        mat_init_d(D->y, c->n_train, 1, 53);
        data_sphere_points(D->X, rng);
        /* Assumption 2(i): ‖x_i‖ = √d */
        for (long k = 0; k < D->X->rows * D->X->cols; k++)
            D->X->e[k] *= sqrt((double)c->d);
        for (long k = 0; k < c->n_train; k++)
            D->y->e[k] = deq_rng_gaussian(rng); /* ling2022, Section 5: y_i ~ N(0,1) */
        mat_init_d(D->Xt, c->d, 0, 53);
        mat_init_d(D->yt, 0, 1, 53);
    }
    deq_rng_clear(rng);
    return st;
}

void repro_data_clear(repro_data_t D)
{
    mat_clear_d(D->X), mat_clear_d(D->y), mat_clear_d(D->Xt), mat_clear_d(D->yt);
    if (D->have_init)
        deq_paper_tensors_clear(D->T);
    D->have_init = 0;
}

/* ---------- weights, probes ---------- */

void repro_draw_weights(mat_d_t T[DEQ_PAPER_SLOTS], const repro_config *c, long m)
{
    deq_paper_tensors_init(T, c->spec->kind, m, c->d);
    deq_rng_t rng;
    deq_rng_init(rng, c->seed * 1000003UL + (unsigned long)m);
    const char *sw2 = deq_paper_const_value(c->spec, "sigma_w2");
    deq_paper_draw(T, c->spec->kind, sw2 ? strtod(sw2, NULL) : 0.0, rng);
    deq_rng_clear(rng);
}

static const char *spec_gamma(const repro_config *c)
{
    const char *g = deq_paper_const_value(c->spec, "gamma");
    return g ? g : "1";
}

/* P (initialized here) with width m's initial weights: D's given ones, or
 * Assumption 1's draw */
static void model_at_init(deq_paper_d_t P, const repro_config *c, const repro_data_t D, long m)
{
    deq_paper_init_d(P, c->spec->kind, m, c->d, spec_gamma(c), 53);
    if (D->have_init && D->T[DEQ_PAPER_T]->rows == m) {
        deq_paper_set_d_d(P, (mat_d_struct(*)[1])D->T);
        return;
    }
    mat_d_t T[DEQ_PAPER_SLOTS];
    repro_draw_weights(T, c, m);
    deq_paper_set_d_d(P, T);
    deq_paper_tensors_clear(T);
}

/* dsyevr's extreme eigenvalues of a symmetric matrix (estimates), and the
 * certified enclosure [min_lo, min_hi] of λ_min (NULL: not wanted) */
static void extremes_certified(double *lo, double *hi, double *min_lo, double *min_hi, const mat_d_t M)
{
    num_eig_extreme_t e;
    num_eig_extreme_lapack(e, M);
    if (lo)
        *lo = e->theta_min;
    if (hi)
        *hi = e->theta_max;
    if (min_lo)
        *min_lo = e->min_lo, *min_hi = e->min_hi;
}

static void extremes(double *lo, double *hi, const mat_d_t M)
{
    extremes_certified(lo, hi, NULL, NULL, M);
}

/* λ_max(H(0)) = *frac·2^*exp2 (frexp form) for data of any scale. Both
 * papers' models are positively homogeneous of degree 1 in the inputs (ReLU,
 * no bias), so J(2^e X) = 2^e J(X) and H(2^e X) = 4^e H(X). When the data's
 * largest norm lies outside 2^±(DBL_MAX_EXP/4), H's entries (degree 2) and
 * the solves' products near the ends of double's range, H is formed on the
 * exact copy 2^e X (e = −its exponent) instead; ordinary data run unscaled,
 * bit for bit as before. H0 is the NTK already formed on X. 1 when the scaled
 * solves succeeded (or were not needed). */
static int ntk_lam_max_scaled(double *frac, long *exp2, const repro_config *c, const repro_data_t D,
                              const deq_paper_d_t P, const mat_d_t H0, long m)
{
    double lam;
    int e = 0, ok = 1;
    double top = mat_max_col_norm_d(D->X, 53);
    if (top > 0 && isfinite(top) && abs(ilogb(top)) > DBL_MAX_EXP / 4)
        e = -ilogb(top);
    if (e == 0) {
        extremes(NULL, &lam, H0);
    } else {
        long n = D->X->cols;
        mat_d_t Xs, H;
        mat_init_d(Xs, D->X->rows, n, 53), mat_init_d(H, n, n, 53);
        for (long k = 0; k < D->X->rows * n; k++)
            Xs->e[k] = ldexp(D->X->e[k], e);
        deq_paper_d_t g;
        deq_paper_init_d(g, c->spec->kind, m, c->d, "1", 53);
        deq_paper_state_d_t S;
        deq_paper_state_init_d(S, P, n, 53);
        double loss;
        ok = deq_paper_forward_d(&loss, S, P, Xs, D->y, 53) && deq_paper_grad_d(g, S, P, Xs, 53);
        deq_paper_ntk_d(H, S, P, Xs, 53);
        extremes(NULL, &lam, H);
        deq_paper_state_clear_d(S), deq_paper_clear_d(g);
        mat_clear_d(Xs), mat_clear_d(H);
    }
    int le;
    *frac = frexp(lam, &le);
    *exp2 = (long)le - 2L * e;
    return ok;
}

/* λ0 = λ_min(G^∞) or λ* = λ_min(K) of the data (kernel_paper_matrix_d: any
 * norms, as --X may give, and any scale); NaN when the kernel leaves double's
 * range. */
static void population_lambda(repro_init_info *out, mat_d_t K, const mat_d_t X, kernel_paper_kind kind,
                              double sigma_w2)
{
    if (kernel_paper_matrix_d(K, X, kind, sigma_w2) != 0) {
        out->pop_lam_min = out->pop_lam_lo = out->pop_lam_hi = NAN;
        return;
    }
    extremes_certified(&out->pop_lam_min, NULL, &out->pop_lam_lo, &out->pop_lam_hi, K);
}

int repro_init_probe(repro_init_info *out, const repro_config *c, const repro_data_t D, long m)
{
    double t0 = deq_clock_seconds();
    memset(out, 0, sizeof *out);
    out->m = m;
    long n = D->X->cols;
    deq_paper_d_t P, g;
    model_at_init(P, c, D, m);
    deq_paper_init_d(g, c->spec->kind, m, c->d, "1", 53);
    deq_paper_state_d_t S;
    deq_paper_state_init_d(S, P, n, 53);
    double loss;
    int ok = deq_paper_forward_d(&loss, S, P, D->X, D->y, 53) && deq_paper_grad_d(g, S, P, D->X, 53);
    mat_d_t H, Gm, K;
    mat_init_d(H, n, n, 53), mat_init_d(Gm, n, n, 53), mat_init_d(K, n, n, 53);
    deq_paper_ntk_d(H, S, P, D->X, 53);
    ok = ok && ntk_lam_max_scaled(&out->ntk_lam_frac, &out->ntk_lam_exp2, c, D, P, H, m);
    out->ntk_lam_max = ldexp(out->ntk_lam_frac, (int)out->ntk_lam_exp2);
    deq_paper_gram_d(Gm, S, P, 53);
    extremes_certified(&out->gram_lam_min, NULL, &out->gram_lam_lo, &out->gram_lam_hi, Gm);
    out->W0_norm = S->rho_estimate;
    if (c->spec->kind == DEQ_PAPER_GAO2021) {
        population_lambda(out, K, D->X, KERNEL_PAPER_GAO2021_GINF, 0.0);
        /* Theorem 3.2: α = O(λ0/n²), a step only when λ0 > 0 (Assumption 3) */
        out->theory_lr = out->pop_lam_lo > 0 ? out->pop_lam_min / ((double)n * (double)n) : NAN;
        out->delta = NAN;
    } else {
        const char *sw2 = deq_paper_const_value(c->spec, "sigma_w2");
        population_lambda(out, K, D->X, KERNEL_PAPER_LING2022_K, strtod(sw2, NULL));
        /* Theorem 1, Eq. (10), with δ halfway between ‖W(0)‖₂ and 1 (Section 3.1
         * asks only ‖W(0)‖₂ + δ < 1) */
        num_norm2_t nu;
        num_norm2_upper_d(nu, P->w[DEQ_PAPER_IN], 53);
        double a2 = 0, xf2 = 0;
        for (long k = 0; k < m; k++)
            a2 += P->w[DEQ_PAPER_U]->e[k] * P->w[DEQ_PAPER_U]->e[k];
        for (long k = 0; k < D->X->rows * n; k++)
            xf2 += D->X->e[k] * D->X->e[k];
        double wn = out->W0_norm, delta = (1.0 - wn) / 2.0;
        double rw = wn + delta, ru = nu->estimate + delta, ra = sqrt(a2) + delta;
        double cw = ru * ra / ((1 - rw) * (1 - rw)), cu = ra / (1 - rw), ca = ru / (1 - rw);
        double s2 = cw * cw + cu * cu, s3 = s2 + ca * ca;
        out->delta = delta;
        /* (10) needs λ0 > 0: with λ0 <= 0 (m < n makes G = ZᵀZ singular) it names no step */
        out->theory_lr = out->gram_lam_lo > 0 ? fmin(2.0 / out->gram_lam_min, 2.0 * s2 / (s3 * s3 * xf2)) : NAN;
    }
    mat_clear_d(H), mat_clear_d(Gm), mat_clear_d(K);
    deq_paper_state_clear_d(S);
    deq_paper_clear_d(g), deq_paper_clear_d(P);
    out->seconds = deq_clock_seconds() - t0;
    return ok ? 0 : -1;
}

double repro_lr_from_probes(const repro_init_info *info, int count)
{
    double lam = 0;
    for (int k = 0; k < count; k++)
        lam = fmax(lam, info[k].ntk_lam_max);
    return 1.0 / lam;
}

int repro_lr_derivable(int *which, const repro_init_info *info, int count)
{
    int top = 0;
    for (int k = 1; k < count; k++)
        if (info[k].ntk_lam_exp2 > info[top].ntk_lam_exp2 ||
            (info[k].ntk_lam_exp2 == info[top].ntk_lam_exp2 && info[k].ntk_lam_frac > info[top].ntk_lam_frac))
            top = k;
    *which = top;
    return isnormal(info[top].ntk_lam_max) && isnormal(repro_lr_from_probes(info, count));
}

/* the first n columns of M (n ≤ M->cols) */
static void first_cols(mat_d_t out, const mat_d_t M, long n)
{
    mat_init_d(out, M->rows, n, 53);
    memcpy(out->e, M->e, (size_t)(M->rows * n) * sizeof(double));
}

static void first_rows(mat_d_t out, const mat_d_t v, long n)
{
    mat_init_d(out, n, 1, 53);
    memcpy(out->e, v->e, (size_t)n * sizeof(double));
}

double repro_step_seconds(const repro_config *c, const repro_data_t D, long m, long n)
{
    long nt = D->Xt->cols < n ? D->Xt->cols : n;
    mat_d_t X, y, Xt, yt;
    first_cols(X, D->X, n), first_rows(y, D->y, n), first_cols(Xt, D->Xt, nt),
        first_rows(yt, D->yt, nt);
    deq_paper_d_t P, g;
    model_at_init(P, c, D, m);
    deq_paper_init_d(g, c->spec->kind, m, c->d, "1", 53);
    deq_paper_state_d_t S, St;
    deq_paper_state_init_d(S, P, n, 53);
    deq_paper_state_init_d(St, P, nt, 53);
    double loss, lam_max;
    /* a cold step, then one GD step of the derived size (1/λ_max of this NTK),
     * then the step that is timed: warm-started as the run's steps are (a
     * cold solve takes several times the iterations) */
    deq_paper_forward_d(&loss, S, P, X, y, 53);
    deq_paper_grad_d(g, S, P, X, 53);
    if (nt > 0)
        deq_paper_forward_d(&loss, St, P, Xt, yt, 53);
    mat_d_t H;
    mat_init_d(H, n, n, 53);
    deq_paper_ntk_d(H, S, P, X, 53);
    extremes(NULL, &lam_max, H);
    mat_clear_d(H);
    for (int t = 0; t < DEQ_PAPER_SLOTS; t++)
        for (long j = 0; j < P->w[t]->rows * P->w[t]->cols; j++)
            P->w[t]->e[j] -= g->w[t]->e[j] / lam_max;
    double t0 = deq_clock_seconds();
    deq_paper_forward_d(&loss, S, P, X, y, 53);
    deq_paper_grad_d(g, S, P, X, 53);
    if (nt > 0)
        deq_paper_forward_d(&loss, St, P, Xt, yt, 53);
    double sec = deq_clock_seconds() - t0;
    deq_paper_state_clear_d(S), deq_paper_state_clear_d(St);
    deq_paper_clear_d(g), deq_paper_clear_d(P);
    mat_clear_d(X), mat_clear_d(y), mat_clear_d(Xt), mat_clear_d(yt);
    return sec;
}

double repro_width_memory(long m, long d, long n_train, long n_test)
{
    double M = (double)m, D = (double)d, n = (double)n_train, nt = (double)n_test;
    /* weights, gradients, the drawn/loaded copy, the checkpoint copy: 4 × (m² + md + 2m);
     * the solvers' states (a dozen m×n each, Anderson's history included); G and H (n×n) */
    return 8.0 * (4.0 * (M * M + M * D + 2.0 * M) + 12.0 * M * (n + nt) + 6.0 * n * n +
                  D * (n + nt));
}

/* ---------- one width ---------- */

void repro_width_init(repro_width_t W, long m)
{
    memset(W, 0, sizeof *W);
    W->m = m;
    deq_paper_log_init(W->log);
}

void repro_width_clear(repro_width_t W)
{
    deq_paper_log_clear(W->log);
    free(W->test_loss);
    memset(W, 0, sizeof *W);
}

static void push_test(repro_width_t W, double v)
{
    if (W->log->len > W->test_cap) {
        W->test_cap = W->log->cap;
        W->test_loss = deq_realloc(W->test_loss, (size_t)W->test_cap * sizeof *W->test_loss);
    }
    W->test_loss[W->log->len - 1] = v;
}

static const char csv_header[] =
    "step,train_loss,test_loss,op_norm,op_norm_upper,grad_norm2,lam_min_G,lam_min_G_lower,"
    "lam_min_G_upper,fwd_iters,adj_iters,event\n";

int repro_csv_write(const repro_width_t W, FILE *f)
{
    if (fputs(csv_header, f) < 0)
        return -1;
    for (long k = 0; k < W->log->len; k++) {
        const deq_paper_step *s = &W->log->steps[k];
        if (fprintf(f, "%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%ld,%ld,\"%s\"\n", s->k,
                    s->loss, W->test_loss[k], s->op_norm, s->op_norm_upper, s->grad_norm2,
                    s->lam_min, s->lam_min_lower, s->lam_min_upper, s->fwd_iters, s->adj_iters,
                    s->event) < 0)
            return -1;
    }
    return 0;
}

deq_status repro_csv_read(repro_width_t W, const char *path, long rows, deq_error_t err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot read (%s)", path, strerror(errno));
    char line[1024];
    deq_status st = DEQ_OK;
    if (!fgets(line, sizeof line, f) || strcmp(line, csv_header) != 0)
        st = deq_error_set(err, DEQ_ERR_INPUT, "%s: line 1: not a reproduce log (header)", path);
    for (long ln = 2; st == DEQ_OK && (rows < 0 || W->log->len < rows); ln++) {
        if (!fgets(line, sizeof line, f)) {
            if (rows >= 0)
                st = deq_error_set(err, DEQ_ERR_INPUT, "%s: %ld steps, the checkpoint has %ld",
                                   path, W->log->len, rows);
            break;
        }
        deq_paper_step *s = deq_paper_log_push(W->log);
        double test;
        int used = 0;
        if (sscanf(line, "%ld,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%ld,%ld,\"%n", &s->k, &s->loss, &test,
                   &s->op_norm, &s->op_norm_upper, &s->grad_norm2, &s->lam_min, &s->lam_min_lower,
                   &s->lam_min_upper, &s->fwd_iters, &s->adj_iters, &used) != 11 || used == 0 ||
            s->k != W->log->len - 1) {
            st = deq_error_set(err, DEQ_ERR_INPUT, "%s: line %ld: not a reproduce log line", path, ln);
            break;
        }
        char *ev = line + used, *q = strrchr(ev, '"');
        if (q)
            *q = '\0';
        snprintf(s->event, sizeof s->event, "%s", ev);
        if (s->event[0] && W->log->trouble_step < 0)
            W->log->trouble_step = s->k;
        push_test(W, test);
    }
    fclose(f);
    return st;
}

int repro_checkpoint_paths(char *npz, char *csv, size_t cap, const char *prefix, long m)
{
    int a = snprintf(npz, cap, "%s.m%ld.npz", prefix, m);
    int b = snprintf(csv, cap, "%s.m%ld.csv", prefix, m);
    return a < 0 || b < 0 || (size_t)a >= cap || (size_t)b >= cap ? -1 : 0;
}

/* The checkpoint's "meta" vector: what must agree for a resume (the entries
 * before META_DONE). META_INPUTS is the CRC-32 of the run's inputs at this
 * width (inputs_crc), so that a resume with other data or other initial
 * weights, from files or from another --fashion-dir, is refused. */
enum { META_VERSION, META_KIND, META_M, META_N, META_NT, META_D, META_SEED, META_EPOCHS,
       META_LR, META_GRAM, META_INPUTS, META_DONE, META_FINISHED, META_LEN };
#define REPRO_CHECKPOINT_VERSION 2

/* crc updated with the entries of M, each as its 8 bytes little-endian (the
 * same checksum on any machine). */
static uLong crc_mat(uLong crc, const mat_d_t M)
{
    unsigned char buf[8 * 512];
    size_t count = (size_t)M->rows * (size_t)M->cols, used = 0;
    for (size_t q = 0; q < count; q++) {
        uint64_t b;
        memcpy(&b, M->e + q, sizeof b);
        for (int k = 0; k < 8; k++)
            buf[used++] = (unsigned char)(b >> (8 * k));
        if (used == sizeof buf || q + 1 == count) {
            crc = crc32_z(crc, buf, used);
            used = 0;
        }
    }
    return crc;
}

/* The CRC-32 of what a width's run starts from: the training and test data
 * (X, y, Xt, yt) and the model's initial weights T0, with each tensor's shape. */
static double inputs_crc(const repro_data_t D, mat_d_t *T0, deq_paper_kind kind)
{
    uLong crc = crc32_z(0L, Z_NULL, 0);
    const mat_d_struct *data[] = {D->X, D->y, D->Xt, D->yt};
    mat_d_t shape;
    mat_init_d(shape, 2, 1, 53);
    for (int k = 0; k < 4 + DEQ_PAPER_SLOTS; k++) {
        const mat_d_struct *M = k < 4 ? data[k] : deq_paper_tensor_name(kind, k - 4) ? T0[k - 4] : NULL;
        if (!M)
            continue;
        shape->e[0] = (double)M->rows, shape->e[1] = (double)M->cols;
        crc = crc_mat(crc_mat(crc, shape), M);
    }
    mat_clear_d(shape);
    return (double)crc;
}

static void meta_fill(double *v, const repro_config *c, long m, double inputs, long done, int finished)
{
    v[META_VERSION] = REPRO_CHECKPOINT_VERSION;
    v[META_KIND] = c->spec->kind;
    v[META_M] = (double)m;
    v[META_N] = (double)c->n_train;
    v[META_NT] = (double)c->n_test;
    v[META_D] = (double)c->d;
    v[META_SEED] = (double)c->seed;
    v[META_EPOCHS] = (double)c->epochs;
    v[META_LR] = c->lr;
    v[META_GRAM] = (double)c->gram_every;
    v[META_INPUTS] = inputs;
    v[META_DONE] = (double)done;
    v[META_FINISHED] = finished;
}

static deq_status checkpoint_write(const char *prefix, const repro_width_t W, const repro_config *c,
                                   double inputs, const deq_paper_d_t P, const deq_paper_trainer_d_t T,
                                   const deq_paper_state_d_t St, deq_error_t err)
{
    char npz[REPRO_PATH_MAX], csv[REPRO_PATH_MAX], tmp[REPRO_PATH_MAX + 8];
    if (repro_checkpoint_paths(npz, csv, sizeof npz, prefix, W->m) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint: the prefix is too long (at most %zu bytes "
                             "with the suffix)", sizeof npz - 1);
    /* the log first: a resume reads as many of its lines as the weights' step
     * count says, so a crash between the two renames loses nothing */
    snprintf(tmp, sizeof tmp, "%s.tmp", csv);
    FILE *f = fopen(tmp, "w");
    int bad = !f || repro_csv_write(W, f) != 0;
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, csv) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: cannot write", csv);
    const char *names[DEQ_PAPER_SLOTS + 4];
    mat_d_struct mats[DEQ_PAPER_SLOTS + 4];
    int nd[DEQ_PAPER_SLOTS + 4];
    long count = 0;
    mat_d_t Tw[DEQ_PAPER_SLOTS], Z, Wa, Zt, meta;
    deq_paper_tensors_init(Tw, c->spec->kind, W->m, c->d);
    deq_paper_get_d_d(Tw, P);
    for (int k = 0; k < DEQ_PAPER_SLOTS; k++)
        if (deq_paper_tensor_name(c->spec->kind, k)) {
            names[count] = deq_paper_tensor_name(c->spec->kind, k);
            mats[count] = *Tw[k];
            nd[count++] = k == DEQ_PAPER_T || k == DEQ_PAPER_IN ? 2 : 1;
        }
    mat_init_d(Z, W->m, c->n_train, 53), mat_init_d(Wa, W->m, c->n_train, 53);
    mat_init_d(Zt, W->m, c->n_test, 53), mat_init_d(meta, META_LEN, 1, 53);
    mat_set_d(Z, T->S->Z), mat_set_d(Wa, T->S->Wadj);
    if (c->n_test > 0)
        mat_set_d(Zt, St->Z);
    meta_fill(meta->e, c, W->m, inputs, W->log->len, T->finished);
    names[count] = "Z", mats[count] = *Z, nd[count++] = 2;
    names[count] = "adjoint", mats[count] = *Wa, nd[count++] = 2;
    if (c->n_test > 0) /* the reader refuses empty tensors */
        names[count] = "Z_test", mats[count] = *Zt, nd[count++] = 2;
    names[count] = "meta", mats[count] = *meta, nd[count++] = 1;
    deq_status st = io_npz_write_d(npz, names, (const mat_d_t *)(void *)mats, nd, count, err);
    deq_paper_tensors_clear(Tw);
    mat_clear_d(Z), mat_clear_d(Wa), mat_clear_d(Zt), mat_clear_d(meta);
    return st;
}

/* Reads width W->m's checkpoint: P's weights, the log, the warm starts. */
static deq_status checkpoint_read(int *found, repro_width_t W, const repro_config *c, double inputs,
                                  deq_paper_d_t P, deq_paper_trainer_d_t T, deq_paper_state_d_t St,
                                  const char *prefix, deq_error_t err)
{
    char npz[REPRO_PATH_MAX], csv[REPRO_PATH_MAX];
    *found = 0;
    if (repro_checkpoint_paths(npz, csv, sizeof npz, prefix, W->m) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint: the prefix is too long (at most %zu bytes "
                             "with the suffix)", sizeof npz - 1);
    *found = access(npz, F_OK) == 0;
    if (!*found)
        return DEQ_OK;
    io_tensor_file_t F;
    if (io_tensor_file_open(F, npz, err) != DEQ_OK)
        return err->status;
    mat_d_t meta, Z, Wa, Zt;
    deq_status st = io_tensor_get(meta, F, "meta", err);
    if (st == DEQ_OK) {
        double want[META_LEN];
        meta_fill(want, c, W->m, inputs, 0, 0);
        int ok = meta->rows == META_LEN;
        for (int k = 0; ok && k < META_INPUTS; k++)
            ok = meta->e[k] == want[k];
        if (meta->rows < 1 || meta->e[META_VERSION] != want[META_VERSION])
            st = deq_error_set(err, DEQ_ERR_INPUT,
                               "--resume: %s is a checkpoint of format %g, this deqcheck reads format %d "
                               "(start the run again without --resume)",
                               npz, meta->rows >= 1 ? meta->e[META_VERSION] : NAN, REPRO_CHECKPOINT_VERSION);
        else if (!ok)
            st = deq_error_set(err, DEQ_ERR_INPUT,
                               "--resume: %s was written by another configuration (paper, width, "
                               "n, seed, epochs or step size differ)", npz);
        else if (meta->e[META_INPUTS] != want[META_INPUTS])
            st = deq_error_set(err, DEQ_ERR_INPUT,
                               "--resume: %s was written for other inputs (the data or the initial "
                               "weights differ: CRC-32 %.0f, these %.0f)",
                               npz, meta->e[META_INPUTS], want[META_INPUTS]);
        ok = st == DEQ_OK;
        long done = ok ? (long)meta->e[META_DONE] : 0;
        int finished = ok && meta->e[META_FINISHED] != 0;
        mat_clear_d(meta);
        mat_d_t Tw[DEQ_PAPER_SLOTS];
        long mf = 0;
        if (st == DEQ_OK && (st = deq_paper_load(Tw, &mf, c->spec->kind, c->d, npz, err)) == DEQ_OK) {
            deq_paper_set_d_d(P, Tw);
            deq_paper_tensors_clear(Tw);
        }
        if (st == DEQ_OK && (st = io_tensor_get(Z, F, "Z", err)) == DEQ_OK) {
            if ((st = io_tensor_get(Wa, F, "adjoint", err)) == DEQ_OK) {
                if (c->n_test > 0)
                    st = io_tensor_get(Zt, F, "Z_test", err);
                else
                    mat_init_d(Zt, W->m, 0, 53);
                if (st == DEQ_OK) {
                    if ((st = repro_csv_read(W, csv, done, err)) == DEQ_OK) {
                        deq_paper_trainer_resume_d(T, W->log, Z, Wa);
                        T->finished = finished;
                        if (c->n_test > 0) {
                            mat_set_d(St->Z, Zt);
                            St->have_Z = done > 0;
                        }
                    }
                    mat_clear_d(Zt);
                }
                mat_clear_d(Wa);
            }
            mat_clear_d(Z);
        }
    }
    io_tensor_file_clear(F);
    return st;
}

deq_status repro_run_width(repro_width_t W, const repro_config *c, const repro_data_t D,
                           const repro_run_opts *o, deq_error_t err)
{
    long m = W->m;
    deq_paper_d_t P;
    model_at_init(P, c, D, m);
    double inputs = 0;
    if (o->checkpoint) {
        mat_d_t T0[DEQ_PAPER_SLOTS];
        deq_paper_tensors_init(T0, c->spec->kind, m, c->d);
        deq_paper_get_d_d(T0, P);
        inputs = inputs_crc(D, T0, c->spec->kind);
        deq_paper_tensors_clear(T0);
    }
    deq_paper_train_opts to = {.steps = c->epochs, .lr = c->lr, .gram_every = c->gram_every, .keep_going = 1};
    deq_paper_trainer_d_t T;
    deq_paper_trainer_init_d(T, P, D->X, D->y, &to, 53);
    deq_paper_state_d_t St;
    deq_paper_state_init_d(St, P, D->Xt->cols, 53);
    deq_status st = DEQ_OK;
    int found = 0;
    if (o->checkpoint && o->resume)
        st = checkpoint_read(&found, W, c, inputs, P, T, St, o->checkpoint, err);
    double t0 = deq_clock_seconds();
    while (st == DEQ_OK && !T->finished) {
        long k = T->k;
        double test = NAN;
        if (D->Xt->cols > 0) /* the test loss before the step's update, as the train loss */
            deq_paper_forward_d(&test, St, P, D->Xt, D->yt, 53);
        deq_paper_trainer_step_d(W->log, T, P, D->X, D->y, &to, 53);
        push_test(W, test);
        W->steps_run++;
        W->seconds = deq_clock_seconds() - t0;
        if (o->observe)
            o->observe(o->observe_ctx, W, c->epochs);
        if (o->checkpoint && ((k + 1) % o->checkpoint_every == 0 || T->finished))
            st = checkpoint_write(o->checkpoint, W, c, inputs, P, T, St, err);
    }
    deq_paper_state_clear_d(St);
    deq_paper_trainer_clear_d(T);
    deq_paper_clear_d(P);
    return st;
}
