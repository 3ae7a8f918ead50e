#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/status.h"
#include "theorems/theorem.h"

extern const thm_family thm_well_posedness;
extern const thm_family thm_gram_eigen;
extern const thm_family thm_linear_convergence;
extern const thm_family thm_generalization;

const thm_family *const thm_registry[] = {&thm_well_posedness, &thm_gram_eigen,
                                          &thm_linear_convergence, &thm_generalization};
const int thm_registry_count = (int)(sizeof thm_registry / sizeof thm_registry[0]);

const thm_source thm_sources[] = {
    {"gao2021", "Tianxiang Gao, Hailiang Liu, Jia Liu, Hridesh Rajan, Hongyang Gao",
     "A global convergence theory for deep ReLU implicit networks via over-parameterization",
     "ICLR 2022", "2110.05645", 1},
    {"ling2022", "Zenan Ling, Xingyu Xie, Qiuhao Wang, Zongpeng Zhang, Zhouchen Lin",
     "Global convergence of over-parameterized deep equilibrium models", "AISTATS 2023",
     "2205.13814", 1},
    {"kawaguchi2021", "Kenji Kawaguchi",
     "On the theory of implicit deep learning: global convergence with implicit layers",
     "ICLR 2021", "2102.07346", 0},
    {"gaogao2022", "Tianxiang Gao, Hongyang Gao",
     "On the optimization and generalization of overparameterized implicit neural networks",
     "arXiv preprint", "2209.15562", 0},
    {"truong2023", "Lan V. Truong",
     "Global convergence rate of deep equilibrium models with general activations",
     "arXiv preprint (later TMLR)", "2302.05797", 0},
};
const int thm_source_count = (int)(sizeof thm_sources / sizeof thm_sources[0]);

const thm_source *thm_source_find(const char *key)
{
    for (int k = 0; k < thm_source_count; k++)
        if (strcmp(thm_sources[k].key, key) == 0)
            return &thm_sources[k];
    return NULL;
}

const thm_family *thm_family_find(const char *name)
{
    for (int k = 0; k < thm_registry_count; k++)
        if (strcmp(thm_registry[k]->name, name) == 0)
            return thm_registry[k];
    return NULL;
}

const thm_check *thm_check_find(const char *id)
{
    for (int k = 0; k < thm_registry_count; k++)
        for (int c = 0; c < thm_registry[k]->n_checks; c++)
            if (strcmp(thm_registry[k]->checks[c].id, id) == 0)
                return &thm_registry[k]->checks[c];
    return NULL;
}

long thm_cases_enumerate(thm_case *out, long cap, const thm_family *const *fams, int nfam,
                         const thm_config *cfg)
{
    long n = 0;
    for (int f = 0; f < nfam; f++)
        for (int p = 0; p < fams[f]->n_parts; p++) {
            const thm_part *part = &fams[f]->parts[p];
            int subs = part->subs == THM_SUBS_PER_PRESET ? cfg->n_presets : part->subs;
            for (int k = 0; k < (subs > 0 ? subs : 1); k++, n++) {
                if (!out || n >= cap)
                    continue;
                thm_case *c = &out[n];
                c->fam = fams[f];
                c->part = p;
                c->sub = subs > 0 ? k : -1;
                if (part->subs == THM_SUBS_PER_PRESET)
                    snprintf(c->key, sizeof c->key, "%s/%s/%s", fams[f]->name, part->name,
                             cfg->presets[k]->name);
                else if (subs > 0 && part->sub_names)
                    snprintf(c->key, sizeof c->key, "%s/%s/%s", fams[f]->name, part->name,
                             part->sub_names[k]);
                else if (subs > 0)
                    snprintf(c->key, sizeof c->key, "%s/%s/%d", fams[f]->name, part->name, k);
                else
                    snprintf(c->key, sizeof c->key, "%s/%s", fams[f]->name, part->name);
            }
        }
    return n;
}

void thm_case_run(thm_results_t out, const thm_case *c, const thm_config *cfg)
{
    thm_config one = *cfg;
    one.sub = c->sub;
    c->fam->parts[c->part].run(out, &one);
}

thm_scale thm_scale_of_profile(const char *profile)
{
    if (profile && strcmp(profile, "paper") == 0)
        return THM_SCALE_PAPER;
    if (profile && strcmp(profile, "default") == 0)
        return THM_SCALE_DEFAULT;
    return THM_SCALE_QUICK;
}

const char *thm_verdict_name(thm_verdict v)
{
    static const char *const names[] = {"HOLDS",    "VIOLATED", "INCONCLUSIVE",
                                         "N/A",      "VACUOUS",  "REPORTED",
                                         "ERROR",    "WITHHELD", "UNSET"};
    return v >= THM_HOLDS && v < THM_VERDICTS ? names[v] : "?";
}

const char *thm_kind_name(thm_kind k)
{
    return k == THM_EXACT ? "exact" : k == THM_ASYMPTOTIC ? "asymptotic" : "report";
}

const char *thm_error_kind_name(thm_error_kind k)
{
    return k == THM_CERTIFIED ? "certified" : "estimated";
}

const char *thm_observed_name(thm_observed o)
{
    static const char *const names[] = {"", "holds", "fails", "undecided"};
    return o >= THM_OBS_NONE && o <= THM_OBS_UNDECIDED ? names[o] : "?";
}

void thm_row_set_case(thm_row *r, const char *preset, long m, long n, unsigned long seed, const char *data,
                      const char *backend)
{
    snprintf(r->preset, sizeof r->preset, "%s", preset);
    r->width = m;
    r->n = n;
    r->seed = seed;
    snprintf(r->data, sizeof r->data, "%s", data);
    snprintf(r->backend, sizeof r->backend, "%s", backend);
}

void thm_row_lhs(thm_row *r, double value, double lo, double hi)
{
    r->lhs = value, r->lhs_lo = lo, r->lhs_hi = hi;
}

void thm_row_rhs(thm_row *r, double value, double lo, double hi)
{
    r->rhs = value, r->rhs_lo = lo, r->rhs_hi = hi;
}

static int relation_holds(double value, const char *rel, double required)
{
    if (strcmp(rel, "<") == 0)
        return value < required;
    if (strcmp(rel, "<=") == 0)
        return value <= required;
    if (strcmp(rel, ">") == 0)
        return value > required;
    if (strcmp(rel, ">=") == 0)
        return value >= required;
    if (strcmp(rel, "=") == 0)
        return value == required;
    DEQ_REQUIRE(!"relation is one of < <= > >= =");
    return 0;
}

void thm_row_hypothesis(thm_row *r, const char *name, double value, const char *relation,
                        double required)
{
    DEQ_REQUIRE(r->n_hyp < THM_MAX_HYPOTHESES);
    thm_hypothesis *h = &r->hyp[r->n_hyp++];
    snprintf(h->name, sizeof h->name, "%s", name);
    snprintf(h->relation, sizeof h->relation, "%s", relation);
    h->value = value;
    h->required = required;
    h->met = relation_holds(value, relation, required);
}

void thm_row_hypothesis_flag(thm_row *r, const char *name, int met)
{
    thm_row_hypothesis(r, name, met ? 1.0 : 0.0, "=", 1.0);
}

void thm_row_fail(thm_row *r, const char *fmt, ...)
{
    r->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->note, sizeof r->note, fmt, ap);
    va_end(ap);
}

static thm_verdict judge(thm_row *r)
{
    const thm_check *ch = thm_check_find(r->id);
    if (r->failed)
        return THM_ERROR;
    if (ch && ch->kind == THM_REPORT && !r->is_control)
        return THM_REPORTED;
    for (int k = 0; k < r->n_hyp; k++)
        if (isnan(r->hyp[k].value) || isnan(r->hyp[k].required))
            return THM_ERROR;
    int met = 1;
    for (int k = 0; k < r->n_hyp; k++)
        met &= r->hyp[k].met;
    double v[] = {r->lhs, r->rhs, r->lhs_lo, r->lhs_hi, r->rhs_lo, r->rhs_hi};
    for (size_t k = 0; k < sizeof v / sizeof *v; k++)
        if (isnan(v[k]))
            /* a case outside the hypotheses may leave nothing to compute (the
             * data is not installed, training lost well-posedness): N/A, with
             * nothing observed; inside them a NaN is an error */
            return !met && !r->is_control ? THM_NA : THM_ERROR;
    /* an interval that does not contain its point value is a checker defect */
    if (!(r->lhs_lo <= r->lhs && r->lhs <= r->lhs_hi && r->rhs_lo <= r->rhs &&
          r->rhs <= r->rhs_hi)) {
        snprintf(r->note, sizeof r->note, "checker defect: an interval misses its value");
        return THM_ERROR;
    }
    int holds = r->lhs_hi <= r->rhs_lo, fails = r->lhs_lo > r->rhs_hi;
    r->observed = holds ? THM_OBS_HOLDS : fails ? THM_OBS_FAILS : THM_OBS_UNDECIDED;
    if (!met && !r->is_control)
        return THM_NA;
    if (fails)
        return THM_VIOLATED;
    if (!isnan(r->trivial) && r->rhs >= r->trivial)
        return THM_VACUOUS;
    return holds ? THM_HOLDS : THM_INCONCLUSIVE;
}

void thm_row_judge(thm_row *r)
{
    r->margin = r->rhs - r->lhs;
    r->observed = THM_OBS_NONE;
    r->verdict = judge(r);
    if (r->is_control && r->expect_withheld && r->verdict != THM_HOLDS &&
        r->verdict != THM_ERROR)
        r->verdict = THM_WITHHELD;
}

double thm_row_tightness(const thm_row *r)
{
    /* a ratio says how close to equality only for a nonnegative quantity under a
     * positive bound; a slope under −1/2 or a negative excess has no such reading */
    return r->rhs > 0 && isfinite(r->rhs) && r->lhs >= 0 && isfinite(r->lhs) ? r->lhs / r->rhs
                                                                             : NAN;
}

int thm_control_caught(const thm_row *r)
{
    return r->verdict == THM_VIOLATED || r->verdict == THM_WITHHELD;
}

void thm_results_init(thm_results_t r)
{
    r->rows = NULL;
    r->len = r->cap = 0;
    r->series = NULL;
    r->n_series = 0;
}

void thm_results_clear(thm_results_t r)
{
    free(r->rows);
    for (long k = 0; k < r->n_series; k++)
        free(r->series[k]->x), free(r->series[k]->y), free(r->series[k]);
    free(r->series);
    thm_results_init(r);
}

static thm_row *row_slot(thm_results_t r)
{
    if (r->len == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->rows = deq_realloc(r->rows, (size_t)r->cap * sizeof *r->rows);
    }
    return &r->rows[r->len++];
}

thm_series *thm_results_add_series(thm_results_t r, const char *plot, const char *label, long len)
{
    r->series = deq_realloc(r->series, (size_t)(r->n_series + 1) * sizeof *r->series);
    thm_series *s = deq_malloc(sizeof *s);
    r->series[r->n_series++] = s;
    memset(s, 0, sizeof *s);
    snprintf(s->plot, sizeof s->plot, "%s", plot);
    snprintf(s->label, sizeof s->label, "%s", label);
    s->len = len;
    s->x = deq_malloc((size_t)(len > 0 ? len : 1) * sizeof *s->x);
    s->y = deq_malloc((size_t)(len > 0 ? len : 1) * sizeof *s->y);
    return s;
}

void thm_results_append(thm_results_t dst, const thm_results_t src)
{
    for (long k = 0; k < src->len; k++)
        *row_slot(dst) = src->rows[k];
    for (long k = 0; k < src->n_series; k++) {
        const thm_series *s = src->series[k];
        thm_series *t = thm_results_add_series(dst, s->plot, s->label, s->len);
        memcpy(t->x, s->x, (size_t)s->len * sizeof *s->x);
        memcpy(t->y, s->y, (size_t)s->len * sizeof *s->y);
    }
}

thm_row *thm_results_add(thm_results_t r, const thm_check *check)
{
    thm_row *row = row_slot(r);
    memset(row, 0, sizeof *row);
    snprintf(row->id, sizeof row->id, "%s", check->id);
    snprintf(row->source, sizeof row->source, "%s", check->source);
    row->width = row->n = -1;
    row->lhs = row->rhs = row->margin = row->tolerance = row->digits = NAN;
    row->lhs_lo = row->lhs_hi = row->rhs_lo = row->rhs_hi = row->trivial = NAN;
    row->verdict = THM_UNSET;
    return row;
}

thm_row *thm_results_add_control(thm_results_t r, const thm_check *check)
{
    thm_row *row = thm_results_add(r, check);
    row->is_control = 1;
    return row;
}

unsigned long thm_case_seed(unsigned long seed, unsigned long a, unsigned long b, unsigned long c)
{
    unsigned long h = seed * 1000003UL;
    h = (h ^ a) * 1000003UL;
    h = (h ^ b) * 1000003UL;
    return (h ^ c) & 0xffffffffUL;
}

void thm_network_draw(mat_d_t A, mat_d_t U, mat_d_t v, long m, long d, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(v, m, 1, 53);
    deq_weights_draw(A, U, v, DEQ_INIT_GAUSSIAN, rng);
    deq_rng_clear(rng);
}

void thm_sigma_u_string(char *buf, size_t len, const deq_preset *pre, long d)
{
    snprintf(buf, len, "%.17g", deq_preset_sigma_u(pre, d));
}

void thm_backend_label(char *buf, size_t len, int is_mpfr, long prec)
{
    if (is_mpfr)
        snprintf(buf, len, "mpfr-%ld", prec);
    else
        snprintf(buf, len, "double");
}

double thm_digits(double dist, double scale, long finer_prec)
{
    double cap = (double)finer_prec * log10(2.0);
    if (!(dist > 0))
        return dist == 0 ? cap : NAN;
    double den = scale > 0 ? scale : 1e-300;
    double d = -log10(dist / den);
    return d > cap ? cap : d;
}
