#include <math.h>
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

const char *thm_verdict_name(thm_verdict v)
{
    static const char *const names[] = {"HOLDS", "VIOLATED", "INCONCLUSIVE", "N/A", "ERROR"};
    return v >= THM_HOLDS && v < THM_VERDICTS ? names[v] : "?";
}

const char *thm_kind_name(thm_kind k)
{
    return k == THM_EXACT ? "exact" : k == THM_ASYMPTOTIC ? "asymptotic" : "report";
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
    row->verdict = THM_INCONCLUSIVE;
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
