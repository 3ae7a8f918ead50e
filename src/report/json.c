#include "report/json.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_version.h>
#include <mpfr.h>

static json_t *number_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *row_json(const thm_row *r, const thm_check *ch)
{
    json_t *c = json_object();
    json_object_set_new(c, "preset", json_string(r->preset));
    json_object_set_new(c, "width", r->width >= 0 ? json_integer(r->width) : json_null());
    json_object_set_new(c, "n", r->n >= 0 ? json_integer(r->n) : json_null());
    json_object_set_new(c, "seed", json_integer((json_int_t)r->seed));
    json_object_set_new(c, "data", json_string(r->data));
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "source", json_string(r->source));
    json_object_set_new(o, "kind", json_string(ch ? thm_kind_name(ch->kind) : "?"));
    json_object_set_new(o, "case", c);
    json_object_set_new(o, "backend", json_string(r->backend));
    json_object_set_new(o, "lhs", number_or_null(r->lhs));
    json_object_set_new(o, "rhs", number_or_null(r->rhs));
    json_object_set_new(o, "margin", number_or_null(r->margin));
    json_object_set_new(o, "tolerance", number_or_null(r->tolerance));
    json_object_set_new(o, "digits", number_or_null(r->digits));
    json_object_set_new(o, "verdict", json_string(thm_verdict_name(r->verdict)));
    json_object_set_new(o, "note", json_string(r->note));
    return o;
}

static const thm_check *find_check(const thm_family *fam, const char *id)
{
    for (int c = 0; c < fam->n_checks; c++)
        if (strcmp(fam->checks[c].id, id) == 0)
            return &fam->checks[c];
    return NULL;
}

deq_status report_json_write(const char *path, const thm_config *cfg, const thm_family *const *fams,
                             int nfam, const thm_results_struct *res, deq_error_t err)
{
    json_t *top = json_object(), *libs = json_object(), *rows = json_array();
    json_object_set_new(top, "tool", json_string("deqcheck"));
    json_object_set_new(top, "version", json_string(DEQCHECK_VERSION));
    json_object_set_new(top, "profile", json_string(cfg->profile));
    json_object_set_new(top, "seed", json_integer((json_int_t)cfg->seed));
    json_object_set_new(top, "precision", json_integer(cfg->prec));
    json_object_set_new(libs, "gsl", json_string(GSL_VERSION));
    json_object_set_new(libs, "mpfr", json_string(mpfr_get_version()));
    json_object_set_new(libs, "blas", json_string("OpenBLAS"));
    json_object_set_new(top, "libraries", libs);
    for (int k = 0; k < nfam; k++)
        for (long r = 0; r < res[k].len; r++)
            json_array_append_new(rows, row_json(&res[k].rows[r],
                                                 find_check(fams[k], res[k].rows[r].id)));
    json_object_set_new(top, "checks", rows);
    /* 17 significant digits: every double round-trips */
    int rc = json_dump_file(top, path, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(top);
    if (rc != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--json %s: cannot write", path);
    return DEQ_OK;
}

/* "id|preset|width|n|seed|data|backend", the identity of a row. */
static void row_key(char *buf, size_t len, json_t *row)
{
    json_t *c = json_object_get(row, "case");
    snprintf(buf, len, "%s|%s|%lld|%lld|%lld|%s|%s", json_string_value(json_object_get(row, "id")),
             json_string_value(json_object_get(c, "preset")),
             (long long)json_integer_value(json_object_get(c, "width")),
             (long long)json_integer_value(json_object_get(c, "n")),
             (long long)json_integer_value(json_object_get(c, "seed")),
             json_string_value(json_object_get(c, "data")),
             json_string_value(json_object_get(row, "backend")));
}

static json_t *load_checks(const char *path, deq_error_t err)
{
    json_error_t je;
    json_t *top = json_load_file(path, 0, &je);
    if (!top) {
        deq_error_set(err, DEQ_ERR_INPUT, "%s:%d: %s", path, je.line, je.text);
        return NULL;
    }
    json_t *checks = json_object_get(top, "checks");
    if (!json_is_array(checks)) {
        deq_error_set(err, DEQ_ERR_INPUT, "%s: not a deqcheck result file (no \"checks\" array)",
                      path);
        json_decref(top);
        return NULL;
    }
    json_incref(checks);
    json_decref(top);
    return checks;
}

deq_status report_json_compare(report_compare_t out, const char *baseline, const char *current,
                               double max_digit_drop, FILE *log, deq_error_t err)
{
    memset(out, 0, sizeof *out);
    json_t *b = load_checks(baseline, err);
    if (!b)
        return err->status;
    json_t *c = load_checks(current, err);
    if (!c) {
        json_decref(b);
        return err->status;
    }
    size_t nb = json_array_size(b), nc = json_array_size(c);
    char kb[512], kc[512];
    unsigned char *seen = calloc(nc ? nc : 1, 1);
    for (size_t i = 0; i < nb; i++) {
        json_t *rb = json_array_get(b, i);
        row_key(kb, sizeof kb, rb);
        json_t *rc = NULL;
        for (size_t j = 0; j < nc && !rc; j++) {
            if (seen[j])
                continue;
            row_key(kc, sizeof kc, json_array_get(c, j));
            if (strcmp(kb, kc) == 0)
                rc = json_array_get(c, j), seen[j] = 1;
        }
        if (!rc) {
            out->missing++;
            fprintf(log, "missing: %s\n", kb);
            continue;
        }
        out->compared++;
        const char *vb = json_string_value(json_object_get(rb, "verdict"));
        const char *vc = json_string_value(json_object_get(rc, "verdict"));
        if (!vb || !vc || strcmp(vb, vc) != 0) {
            out->verdict_changed++;
            fprintf(log, "verdict: %s: %s -> %s\n", kb, vb ? vb : "?", vc ? vc : "?");
        }
        json_t *db = json_object_get(rb, "digits"), *dc = json_object_get(rc, "digits");
        if (json_is_number(db)) {
            double dbv = json_number_value(db);
            double dcv = json_is_number(dc) ? json_number_value(dc) : -INFINITY;
            if (dcv < dbv - max_digit_drop) {
                out->digits_dropped++;
                fprintf(log, "digits: %s: %.2f -> %.2f\n", kb, dbv, dcv);
            }
        }
    }
    for (size_t j = 0; j < nc; j++)
        if (!seen[j]) {
            out->added++;
            row_key(kc, sizeof kc, json_array_get(c, j));
            fprintf(log, "added: %s\n", kc);
        }
    free(seen);
    json_decref(b);
    json_decref(c);
    return DEQ_OK;
}
