#include <math.h>
#include <stdlib.h>
#include <string.h>

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
}

void thm_results_clear(thm_results_t r)
{
    free(r->rows);
    thm_results_init(r);
}

thm_row *thm_results_add(thm_results_t r, const thm_check *check)
{
    if (r->len == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->rows = deq_realloc(r->rows, (size_t)r->cap * sizeof *r->rows);
    }
    thm_row *row = &r->rows[r->len++];
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
