#include "report/json.h"

#include "core/ctx.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_version.h>
#include <mpfr.h>

/* A number; NaN as null, ±Inf as the strings "inf" and "-inf" (JSON has no
 * non-finite numbers, and an infinite bound must read back as one). */
json_t *report_json_number(double x)
{
    if (isnan(x))
        return json_null();
    if (isinf(x))
        return json_string(x > 0 ? "inf" : "-inf");
    return json_real(x);
}

static json_t *row_json(const thm_row *r, long run_case)
{
    const thm_check *ch = thm_check_find(r->id);
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
    json_object_set_new(o, "run_case", json_integer(run_case));
    json_object_set_new(o, "backend", json_string(r->backend));
    json_object_set_new(o, "lhs", report_json_number(r->lhs));
    json_object_set_new(o, "rhs", report_json_number(r->rhs));
    json_object_set_new(o, "lhs_lo", report_json_number(r->lhs_lo));
    json_object_set_new(o, "lhs_hi", report_json_number(r->lhs_hi));
    json_object_set_new(o, "rhs_lo", report_json_number(r->rhs_lo));
    json_object_set_new(o, "rhs_hi", report_json_number(r->rhs_hi));
    json_object_set_new(o, "error_kind", json_string(thm_error_kind_name(r->error_kind)));
    json_object_set_new(o, "trivial", report_json_number(r->trivial));
    json_object_set_new(o, "tightness", report_json_number(thm_row_tightness(r)));
    json_object_set_new(o, "margin", report_json_number(r->margin));
    json_object_set_new(o, "tolerance", report_json_number(r->tolerance));
    json_object_set_new(o, "digits", report_json_number(r->digits));
    json_t *h = json_array();
    for (int k = 0; k < r->n_hyp; k++)
        json_array_append_new(h, json_pack("{sssosssosb}", "name", r->hyp[k].name, "value",
                                           report_json_number(r->hyp[k].value), "relation",
                                           r->hyp[k].relation, "required",
                                           report_json_number(r->hyp[k].required), "met",
                                           r->hyp[k].met));
    json_object_set_new(o, "hypotheses", h);
    if (r->observed != THM_OBS_NONE)
        json_object_set_new(o, "observed", json_string(thm_observed_name(r->observed)));
    if (r->is_control)
        json_object_set_new(o, "expect", json_string(r->expect_withheld ? "WITHHELD" : "VIOLATED"));
    json_object_set_new(o, "failed", json_boolean(r->failed));
    json_object_set_new(o, "verdict", json_string(thm_verdict_name(r->verdict)));
    json_object_set_new(o, "note", json_string(r->note));
    return o;
}

static json_t *series_json(const thm_series *s, long run_case)
{
    json_t *o = json_object(), *x = json_array(), *y = json_array();
    json_object_set_new(o, "run_case", json_integer(run_case));
    json_object_set_new(o, "plot", json_string(s->plot));
    json_object_set_new(o, "label", json_string(s->label));
    for (long k = 0; k < s->len; k++) {
        json_array_append_new(x, report_json_number(s->x[k]));
        json_array_append_new(y, report_json_number(s->y[k]));
    }
    json_object_set_new(o, "x", x);
    json_object_set_new(o, "y", y);
    return o;
}

json_t *report_json_config(const report_run_t run)
{
    const thm_config *cfg = &run->cfg;
    json_t *o = json_object(), *w = json_array(), *p = json_array(), *f = json_array();
    json_object_set_new(o, "profile", json_string(cfg->profile));
    for (int k = 0; k < cfg->n_widths; k++)
        json_array_append_new(w, json_integer(cfg->widths[k]));
    json_object_set_new(o, "widths", w);
    json_object_set_new(o, "d", json_integer(cfg->d));
    json_object_set_new(o, "n", json_integer(cfg->n));
    json_object_set_new(o, "seeds", json_integer(cfg->seeds));
    json_object_set_new(o, "mpfr_max_m", json_integer(cfg->mpfr_max_m));
    json_object_set_new(o, "precision", json_integer(cfg->prec));
    json_object_set_new(o, "seed", json_integer((json_int_t)cfg->seed));
    for (int k = 0; k < cfg->n_presets; k++)
        json_array_append_new(p, json_string(cfg->presets[k]->name));
    json_object_set_new(o, "presets", p);
    json_object_set_new(o, "fashion_classes",
                        json_pack("[ii]", cfg->fashion_pos, cfg->fashion_neg));
    json_object_set_new(o, "fashion_dir",
                        cfg->fashion_dir ? json_string(cfg->fashion_dir) : json_null());
    for (int k = 0; k < run->nfam; k++)
        json_array_append_new(f, json_string(run->fams[k]->name));
    json_object_set_new(o, "families", f);
    json_object_set_new(o, "backend", json_string(report_backend_name(run->backend)));
    return o;
}

static deq_status bad(deq_error_t err, const char *where, const char *what)
{
    return deq_error_set(err, DEQ_ERR_INPUT, "%s: %s", where, what);
}

deq_status report_json_config_read(report_run_t run, json_t *o, const char *where,
                                   deq_error_t err)
{
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    json_t *w = json_object_get(o, "widths"), *p = json_object_get(o, "presets"),
           *f = json_object_get(o, "families"), *fc = json_object_get(o, "fashion_classes"),
           *fd = json_object_get(o, "fashion_dir");
    const char *prof = json_string_value(json_object_get(o, "profile"));
    const char *be = json_string_value(json_object_get(o, "backend"));
    report_backend backend;
    if (!json_is_object(o) || !prof || !json_is_array(w) || !json_is_array(p) ||
        !json_is_array(f) || !json_is_array(fc) || json_array_size(fc) != 2 || !be ||
        !report_backend_parse(&backend, be) || json_array_size(w) > 8 ||
        json_array_size(p) > 8 || json_array_size(f) > 8)
        return bad(err, where, "not a deqcheck run configuration");
    cfg.profile = prof; /* copied by report_run_init, as is fashion_dir */
    cfg.n_widths = (int)json_array_size(w);
    for (int k = 0; k < cfg.n_widths; k++)
        cfg.widths[k] = (long)json_integer_value(json_array_get(w, (size_t)k));
    cfg.d = (long)json_integer_value(json_object_get(o, "d"));
    cfg.n = (long)json_integer_value(json_object_get(o, "n"));
    cfg.seeds = (int)json_integer_value(json_object_get(o, "seeds"));
    cfg.mpfr_max_m = (long)json_integer_value(json_object_get(o, "mpfr_max_m"));
    cfg.prec = (long)json_integer_value(json_object_get(o, "precision"));
    cfg.seed = (unsigned long)json_integer_value(json_object_get(o, "seed"));
    cfg.sub = -1;
    for (size_t k = 0; k < json_array_size(p); k++) {
        const char *name = json_string_value(json_array_get(p, k));
        const deq_preset *pre = name ? deq_preset_find(name) : NULL;
        if (!pre)
            return bad(err, where, "unknown preset in the run configuration");
        cfg.presets[cfg.n_presets++] = pre;
    }
    cfg.fashion_pos = (int)json_integer_value(json_array_get(fc, 0));
    cfg.fashion_neg = (int)json_integer_value(json_array_get(fc, 1));
    cfg.fashion_dir = json_is_string(fd) ? json_string_value(fd) : NULL;
    const thm_family *fams[8];
    int nfam = 0;
    for (size_t k = 0; k < json_array_size(f); k++) {
        const char *name = json_string_value(json_array_get(f, k));
        if (!name || !(fams[nfam++] = thm_family_find(name)))
            return bad(err, where, "unknown family in the run configuration");
    }
    if (cfg.n_widths < 1 || cfg.d < 1 || cfg.n < 1 || cfg.seeds < 1 || cfg.prec < DEQ_PREC_MIN ||
        cfg.prec > DEQ_PREC_MAX || cfg.n_presets < 1 || nfam < 1)
        return bad(err, where, "run configuration out of range");
    report_run_init(run, &cfg, backend, fams, nfam);
    return DEQ_OK;
}

static double number_read(json_t *v)
{
    const char *s = json_string_value(v);
    if (s && strcmp(s, "inf") == 0)
        return INFINITY;
    if (s && strcmp(s, "-inf") == 0)
        return -INFINITY;
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void string_read(char *dst, size_t len, json_t *v)
{
    snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static deq_status row_read(thm_row *r, json_t *o, const char *where, deq_error_t err)
{
    memset(r, 0, sizeof *r);
    json_t *c = json_object_get(o, "case");
    const char *verdict = json_string_value(json_object_get(o, "verdict"));
    if (!json_is_object(o) || !json_is_object(c) || !verdict ||
        !json_is_string(json_object_get(o, "id")))
        return bad(err, where, "malformed result row");
    string_read(r->id, sizeof r->id, json_object_get(o, "id"));
    string_read(r->source, sizeof r->source, json_object_get(o, "source"));
    string_read(r->preset, sizeof r->preset, json_object_get(c, "preset"));
    json_t *w = json_object_get(c, "width"), *n = json_object_get(c, "n");
    r->width = json_is_integer(w) ? (long)json_integer_value(w) : -1;
    r->n = json_is_integer(n) ? (long)json_integer_value(n) : -1;
    r->seed = (unsigned long)json_integer_value(json_object_get(c, "seed"));
    string_read(r->data, sizeof r->data, json_object_get(c, "data"));
    string_read(r->backend, sizeof r->backend, json_object_get(o, "backend"));
    r->lhs = number_read(json_object_get(o, "lhs"));
    r->rhs = number_read(json_object_get(o, "rhs"));
    r->lhs_lo = number_read(json_object_get(o, "lhs_lo"));
    r->lhs_hi = number_read(json_object_get(o, "lhs_hi"));
    r->rhs_lo = number_read(json_object_get(o, "rhs_lo"));
    r->rhs_hi = number_read(json_object_get(o, "rhs_hi"));
    r->trivial = number_read(json_object_get(o, "trivial"));
    r->margin = number_read(json_object_get(o, "margin"));
    r->tolerance = number_read(json_object_get(o, "tolerance"));
    r->digits = number_read(json_object_get(o, "digits"));
    string_read(r->note, sizeof r->note, json_object_get(o, "note"));
    const char *ek = json_string_value(json_object_get(o, "error_kind"));
    if (!ek || (strcmp(ek, "certified") != 0 && strcmp(ek, "estimated") != 0))
        return bad(err, where, "result row without a valid error_kind");
    r->error_kind = strcmp(ek, "certified") == 0 ? THM_CERTIFIED : THM_ESTIMATED;
    json_t *hyp = json_object_get(o, "hypotheses");
    if (!json_is_array(hyp) || json_array_size(hyp) > THM_MAX_HYPOTHESES)
        return bad(err, where, "result row without a valid hypotheses array");
    for (size_t k = 0; k < json_array_size(hyp); k++) {
        json_t *h = json_array_get(hyp, k);
        thm_hypothesis *t = &r->hyp[r->n_hyp++];
        const char *rel = json_string_value(json_object_get(h, "relation"));
        if (!json_is_string(json_object_get(h, "name")) || !rel || strlen(rel) >= sizeof t->relation ||
            !json_is_boolean(json_object_get(h, "met")))
            return bad(err, where, "malformed hypothesis in a result row");
        string_read(t->name, sizeof t->name, json_object_get(h, "name"));
        snprintf(t->relation, sizeof t->relation, "%s", rel);
        t->value = number_read(json_object_get(h, "value"));
        t->required = number_read(json_object_get(h, "required"));
        t->met = json_is_true(json_object_get(h, "met"));
    }
    const char *obs = json_string_value(json_object_get(o, "observed"));
    r->observed = THM_OBS_NONE;
    for (int k = THM_OBS_HOLDS; obs && k <= THM_OBS_UNDECIDED; k++)
        if (strcmp(obs, thm_observed_name((thm_observed)k)) == 0)
            r->observed = (thm_observed)k;
    const char *expect = json_string_value(json_object_get(o, "expect"));
    r->is_control = expect != NULL;
    r->expect_withheld = expect && strcmp(expect, "WITHHELD") == 0;
    r->failed = json_is_true(json_object_get(o, "failed"));
    r->verdict = THM_VERDICTS;
    for (int v = 0; v < THM_VERDICTS; v++)
        if (strcmp(verdict, thm_verdict_name((thm_verdict)v)) == 0)
            r->verdict = (thm_verdict)v;
    if (r->verdict == THM_VERDICTS || !thm_check_find(r->id))
        return bad(err, where, "result row with an unknown check or verdict");
    return DEQ_OK;
}

static deq_status series_read(thm_results_t res, json_t *o, const char *where, deq_error_t err)
{
    json_t *x = json_object_get(o, "x"), *y = json_object_get(o, "y");
    const char *plot = json_string_value(json_object_get(o, "plot"));
    const char *label = json_string_value(json_object_get(o, "label"));
    if (!plot || !label || !json_is_array(x) || !json_is_array(y) ||
        json_array_size(x) != json_array_size(y))
        return bad(err, where, "malformed series");
    thm_series *s = thm_results_add_series(res, plot, label, (long)json_array_size(x));
    for (long k = 0; k < s->len; k++) {
        s->x[k] = number_read(json_array_get(x, (size_t)k));
        s->y[k] = number_read(json_array_get(y, (size_t)k));
    }
    return DEQ_OK;
}

json_t *report_json_case(const report_run_t run, long k)
{
    const thm_results_struct *res = &run->results[k];
    json_t *o = json_object(), *rows = json_array(), *ser = json_array();
    json_object_set_new(o, "index", json_integer(k));
    json_object_set_new(o, "key", json_string(run->cases[k].key));
    for (long r = 0; r < res->len; r++)
        json_array_append_new(rows, row_json(&res->rows[r], k));
    for (long s = 0; s < res->n_series; s++)
        json_array_append_new(ser, series_json(res->series[s], k));
    json_object_set_new(o, "rows", rows);
    json_object_set_new(o, "series", ser);
    return o;
}

deq_status report_json_case_read(report_run_t run, json_t *o, const char *where, deq_error_t err)
{
    json_t *idx = json_object_get(o, "index"), *rows = json_object_get(o, "rows"),
           *ser = json_object_get(o, "series");
    const char *key = json_string_value(json_object_get(o, "key"));
    if (!json_is_integer(idx) || !key || !json_is_array(rows) || !json_is_array(ser))
        return bad(err, where, "not a deqcheck case record");
    long k = (long)json_integer_value(idx);
    if (k < 0 || k >= run->n_cases || strcmp(run->cases[k].key, key) != 0)
        return bad(err, where, "case does not belong to this run configuration");
    thm_results_struct *res = &run->results[k];
    thm_results_clear(res);
    for (size_t r = 0; r < json_array_size(rows); r++) {
        thm_row row;
        if (row_read(&row, json_array_get(rows, r), where, err) != DEQ_OK) {
            thm_results_clear(res);
            return err->status;
        }
        const thm_check *ch = thm_check_find(row.id);
        *thm_results_add(res, ch) = row;
    }
    for (size_t s = 0; s < json_array_size(ser); s++)
        if (series_read(res, json_array_get(ser, s), where, err) != DEQ_OK) {
            thm_results_clear(res);
            return err->status;
        }
    run->done[k] = 1;
    return DEQ_OK;
}

static json_t *env_json(const report_env *e)
{
    return json_pack("{ssssssssssssssss}", "deqcheck", e->deqcheck, "revision", e->revision,
                     "compiler", e->compiler, "gsl", e->gsl, "mpfr", e->mpfr, "gmp", e->gmp,
                     "blas", e->blas, "jansson", e->jansson);
}

/* The run's totals: verdict counts over the rows, and the controls. */
static json_t *summary_json(const report_run_t run)
{
    report_totals t;
    report_run_totals(&t, run);
    json_t *o = json_object(), *c = json_object(), *broken = json_array();
    for (int v = 0; v < THM_VERDICTS; v++)
        if (v != THM_WITHHELD)
            json_object_set_new(c, thm_verdict_name((thm_verdict)v), json_integer(t.counts[v]));
    json_object_set_new(o, "verdicts", c);
    json_object_set_new(o, "controls_total", json_integer(t.controls_total));
    json_object_set_new(o, "controls_caught", json_integer(t.controls_caught));
    json_object_set_new(o, "checks_asserting_nothing", json_integer(t.silent));
    for (int f = 0; f < run->nfam; f++)
        for (int k = 0; k < run->fams[f]->n_checks; k++) {
            char why[160];
            const thm_check *ch = &run->fams[f]->checks[k];
            if (report_run_check_broken(why, sizeof why, run, ch))
                json_array_append_new(broken, json_pack("{ssss}", "id", ch->id, "why", why));
        }
    json_object_set_new(o, "checker_broken", broken);
    return o;
}

/* What each check of the run asserts, so a script reading the rows needs no
 * copy of the registry. */
static json_t *check_definitions_json(const report_run_t run)
{
    json_t *defs = json_array();
    for (int f = 0; f < run->nfam; f++)
        for (int k = 0; k < run->fams[f]->n_checks; k++) {
            const thm_check *ch = &run->fams[f]->checks[k];
            json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "id", ch->id, "family",
                                  run->fams[f]->name, "source", ch->source, "kind",
                                  thm_kind_name(ch->kind), "assertion", ch->assertion, "cites",
                                  ch->cites, "claim", ch->claim, "sides", ch->sides);
            json_array_append_new(defs, d);
        }
    return defs;
}

deq_status report_json_write(const char *path, const report_run_t run, const report_env *env,
                             deq_error_t err)
{
    json_t *top = json_object(), *rows = json_array(), *ctl = json_array(), *ser = json_array(),
           *cases = json_array();
    json_object_set_new(top, "tool", json_string("deqcheck"));
    json_object_set_new(top, "version", json_string(DEQCHECK_VERSION));
    json_object_set_new(top, "profile", json_string(run->cfg.profile));
    json_object_set_new(top, "seed", json_integer((json_int_t)run->cfg.seed));
    json_object_set_new(top, "precision", json_integer(run->cfg.prec));
    json_object_set_new(top, "config", report_json_config(run));
    json_t *environment = env_json(env);
    if (isfinite(run->wall_seconds))
        json_object_set_new(environment, "wall_seconds", json_real(run->wall_seconds));
    json_object_set_new(top, "environment", environment);
    json_object_set_new(top, "cases_total", json_integer(run->n_cases));
    for (long k = 0; k < run->n_cases; k++) {
        if (!run->done[k])
            continue;
        /* the file is the case records laid side by side (report_json_read
         * regroups them); a case's controls go to "controls", its other rows
         * to "checks" */
        json_t *rec = report_json_case(run, k), *rr = json_object_get(rec, "rows");
        json_array_append_new(cases, json_pack("{sOsO}", "index", json_object_get(rec, "index"),
                                               "key", json_object_get(rec, "key")));
        for (size_t r = 0; r < json_array_size(rr); r++) {
            json_t *row = json_array_get(rr, r);
            json_array_append(json_object_get(row, "expect") ? ctl : rows, row);
        }
        json_array_extend(ser, json_object_get(rec, "series"));
        json_decref(rec);
    }
    json_object_set_new(top, "cases", cases);
    json_object_set_new(top, "checks", rows);
    json_object_set_new(top, "check_definitions", check_definitions_json(run));
    json_object_set_new(top, "controls", ctl);
    json_object_set_new(top, "series", ser);
    json_object_set_new(top, "summary", summary_json(run));
    /* 17 significant digits: every double round-trips */
    int rc = json_dump_file(top, path, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(top);
    if (rc != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--json %s: cannot write", path);
    return DEQ_OK;
}

deq_status report_json_read(report_run_t run, int *have_run, const char *path, deq_error_t err)
{
    json_error_t je;
    json_t *top = json_load_file(path, 0, &je);
    if (!top)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s:%d: %s", path, je.line, je.text);
    deq_status st = DEQ_OK;
    json_t *cfg = json_object_get(top, "config"), *rows = json_object_get(top, "checks"),
           *ctl = json_object_get(top, "controls"), *ser = json_object_get(top, "series");
    if (!json_is_object(cfg) || !json_is_array(rows) || !json_is_array(ctl) ||
        !json_is_array(ser)) {
        json_decref(top);
        return bad(err, path, "not a deqcheck result file with its run configuration");
    }
    const char *rev = json_string_value(json_object_get(json_object_get(top, "environment"),
                                                        "revision"));
    if (!*have_run) {
        if ((st = report_json_config_read(run, cfg, path, err)) != DEQ_OK) {
            json_decref(top);
            return st;
        }
        snprintf(run->revision, sizeof run->revision, "%s", rev ? rev : "");
        *have_run = 1;
    } else if (strcmp(run->revision, rev ? rev : "") != 0) {
        deq_error_set(err, DEQ_ERR_INPUT,
                      "%s: computed by deqcheck revision %s, the first file by %s; results of "
                      "two builds are not mixed",
                      path, rev ? rev : "?", run->revision);
        json_decref(top);
        return err->status;
    } else {
        json_t *mine = report_json_config(run);
        int same = json_equal(mine, cfg);
        json_decref(mine);
        if (!same) {
            json_decref(top);
            return bad(err, path, "its run configuration differs from the first file's");
        }
    }
    /* regroup rows and series by case; the series carry no case index, so they
     * follow the rows' order of cases, as written */
    json_t *cases = json_object_get(top, "cases");
    for (size_t c = 0; c < json_array_size(cases) && st == DEQ_OK; c++) {
        json_t *ce = json_array_get(cases, c);
        long k = (long)json_integer_value(json_object_get(ce, "index"));
        json_t *rec = json_object(), *rr = json_array(), *ss = json_array();
        for (size_t r = 0; r < json_array_size(rows) + json_array_size(ctl); r++) {
            size_t nr = json_array_size(rows);
            json_t *row = r < nr ? json_array_get(rows, r) : json_array_get(ctl, r - nr);
            if (json_integer_value(json_object_get(row, "run_case")) == k)
                json_array_append(rr, row);
        }
        for (size_t s = 0; s < json_array_size(ser); s++) {
            json_t *se = json_array_get(ser, s);
            if (json_integer_value(json_object_get(se, "run_case")) == k)
                json_array_append(ss, se);
        }
        json_object_set(rec, "index", json_object_get(ce, "index"));
        json_object_set(rec, "key", json_object_get(ce, "key"));
        json_object_set_new(rec, "rows", rr);
        json_object_set_new(rec, "series", ss);
        if (k >= 0 && k < run->n_cases && run->done[k])
            st = bad(err, path, "a case is already in an earlier file (overlapping shards?)");
        else
            st = report_json_case_read(run, rec, path, err);
        json_decref(rec);
    }
    json_decref(top);
    return st;
}

/* "id[ control]|preset|width|n|seed|data|backend", the identity of a row. */
static void row_key(char *buf, size_t len, json_t *row)
{
    json_t *c = json_object_get(row, "case");
    snprintf(buf, len, "%s%s|%s|%lld|%lld|%lld|%s|%s", json_string_value(json_object_get(row, "id")),
             json_object_get(row, "expect") ? " control" : "",
             json_string_value(json_object_get(c, "preset")),
             (long long)json_integer_value(json_object_get(c, "width")),
             (long long)json_integer_value(json_object_get(c, "n")),
             (long long)json_integer_value(json_object_get(c, "seed")),
             json_string_value(json_object_get(c, "data")),
             json_string_value(json_object_get(row, "backend")));
}

/* A number field as the writer writes it: a number, null (NaN) or "inf"/"-inf". */
static int number_field_ok(json_t *v)
{
    const char *s = json_string_value(v);
    return !v || json_is_number(v) || json_is_null(v) ||
           (s && (strcmp(s, "inf") == 0 || strcmp(s, "-inf") == 0));
}

/* Is o a well-formed result row? what names the first defect. */
static int row_well_formed(json_t *o, const char **what)
{
    json_t *c = json_object_get(o, "case");
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *verdict = json_string_value(json_object_get(o, "verdict"));
    static const char *const numbers[] = {"lhs", "rhs", "lhs_lo", "lhs_hi", "rhs_lo", "rhs_hi",
                                          "digits"};
    *what = NULL;
    if (!json_is_object(o))
        *what = "not an object";
    else if (!id || !thm_check_find(id))
        *what = "no known check id";
    else if (!json_is_object(c) || !json_is_string(json_object_get(c, "preset")) ||
             !json_is_string(json_object_get(c, "data")) ||
             !json_is_integer(json_object_get(c, "seed")))
        *what = "no valid case";
    else if (!json_is_string(json_object_get(o, "backend")))
        *what = "no backend";
    else {
        int known = 0;
        for (int v = 0; verdict && v < THM_VERDICTS; v++)
            known |= strcmp(verdict, thm_verdict_name((thm_verdict)v)) == 0;
        if (!known)
            *what = "no known verdict";
    }
    for (size_t k = 0; !*what && k < sizeof numbers / sizeof *numbers; k++)
        if (!number_field_ok(json_object_get(o, numbers[k])))
            *what = "a number field that is not a number, null, \"inf\" or \"-inf\"";
    return *what == NULL;
}

/* The rows and controls of a result file, validated, with its top object. */
static json_t *load_rows(json_t **top_out, const char *path, deq_error_t err)
{
    json_error_t je;
    json_t *top = json_load_file(path, 0, &je);
    if (!top) {
        deq_error_set(err, DEQ_ERR_INPUT, "%s:%d: %s", path, je.line, je.text);
        return NULL;
    }
    json_t *checks = json_object_get(top, "checks"), *ctl = json_object_get(top, "controls");
    if (!json_is_array(checks) || !json_is_array(ctl) ||
        !json_is_string(json_object_get(top, "profile"))) {
        deq_error_set(err, DEQ_ERR_INPUT,
                      "%s: not a deqcheck result file (no profile, \"checks\" and \"controls\")",
                      path);
        json_decref(top);
        return NULL;
    }
    json_t *rows = json_array();
    json_array_extend(rows, checks);
    json_array_extend(rows, ctl);
    for (size_t k = 0; k < json_array_size(rows); k++) {
        const char *what;
        if (!row_well_formed(json_array_get(rows, k), &what)) {
            int control = k >= json_array_size(checks);
            deq_error_set(err, DEQ_ERR_INPUT, "%s: %s[%zu]: malformed row: %s", path,
                          control ? "controls" : "checks",
                          control ? k - json_array_size(checks) : k, what);
            json_decref(rows);
            json_decref(top);
            return NULL;
        }
    }
    *top_out = top;
    return rows;
}

/* Are the two files runs of the same profile, seed and precision? */
static int same_run(json_t *a, json_t *b, const char *field)
{
    return json_equal(json_object_get(a, field), json_object_get(b, field));
}

static void revision_of(char *buf, size_t len, json_t *top)
{
    const char *r = json_string_value(json_object_get(json_object_get(top, "environment"),
                                                      "revision"));
    snprintf(buf, len, "%s", r ? r : "unknown");
}

/* Did lhs or rhs (field) move beyond the rows' error bars and rtol? */
static int value_moved(double *rel, json_t *rb, json_t *rc, const char *field, double rtol)
{
    char lo[16], hi[16];
    snprintf(lo, sizeof lo, "%s_lo", field), snprintf(hi, sizeof hi, "%s_hi", field);
    double b = number_read(json_object_get(rb, field)), c = number_read(json_object_get(rc, field));
    *rel = NAN;
    if (isnan(b) || isnan(c))
        return isnan(b) != isnan(c);
    if (isinf(b) || isinf(c))
        return b != c;
    double wb = number_read(json_object_get(rb, hi)) - number_read(json_object_get(rb, lo));
    double wc = number_read(json_object_get(rc, hi)) - number_read(json_object_get(rc, lo));
    double bar = fmax(isfinite(wb) ? wb : 0, isfinite(wc) ? wc : 0);
    double size = fmax(fabs(b), fabs(c));
    *rel = size > 0 ? fabs(c - b) / size : 0;
    return fabs(c - b) > bar + rtol * size;
}

deq_status report_json_compare(report_compare_t out, const char *baseline, const char *current,
                               const report_compare_opts *opts, FILE *log, deq_error_t err)
{
    memset(out, 0, sizeof *out);
    json_t *tb = NULL, *tc = NULL;
    json_t *b = load_rows(&tb, baseline, err);
    if (!b)
        return err->status;
    json_t *c = load_rows(&tc, current, err);
    if (!c) {
        json_decref(b), json_decref(tb);
        return err->status;
    }
    revision_of(out->revision_baseline, sizeof out->revision_baseline, tb);
    revision_of(out->revision_current, sizeof out->revision_current, tc);
    static const char *const fields[] = {"profile", "seed", "precision"};
    for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
        if (!same_run(tb, tc, fields[k])) {
            char vb[64], vc[64];
            char *sb = json_dumps(json_object_get(tb, fields[k]), JSON_ENCODE_ANY);
            char *sc = json_dumps(json_object_get(tc, fields[k]), JSON_ENCODE_ANY);
            snprintf(vb, sizeof vb, "%s", sb ? sb : "none");
            snprintf(vc, sizeof vc, "%s", sc ? sc : "none");
            free(sb), free(sc);
            deq_error_set(err, DEQ_ERR_INPUT,
                          "%s: %s %s, but the baseline %s has %s %s: not comparable", current,
                          fields[k], vc, baseline, fields[k], vb);
            json_decref(b), json_decref(c), json_decref(tb), json_decref(tc);
            return err->status;
        }
    fprintf(log, "baseline %s (revision %s), current %s (revision %s)\n", baseline,
            out->revision_baseline, current, out->revision_current);
    size_t nb = json_array_size(b), nc = json_array_size(c);
    char kb[512], kc[512];
    unsigned char *seen = calloc(nc ? nc : 1, 1);
    DEQ_REQUIRE(seen);
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
            fprintf(log, "missing: %s (only in the baseline)\n", kb);
            continue;
        }
        out->compared++;
        const char *vb = json_string_value(json_object_get(rb, "verdict"));
        const char *vc = json_string_value(json_object_get(rc, "verdict"));
        if (strcmp(vb, vc) != 0) {
            out->verdict_changed++;
            fprintf(log, "verdict: %s: %s -> %s\n", kb, vb, vc);
        }
        static const char *const sides[] = {"lhs", "rhs"};
        for (int s = 0; s < 2; s++) {
            double rel;
            if (value_moved(&rel, rb, rc, sides[s], opts->rtol)) {
                out->value_changed++;
                fprintf(log, "%s: %s: %.17g -> %.17g (relative change %.3g)\n", sides[s], kb,
                        number_read(json_object_get(rb, sides[s])),
                        number_read(json_object_get(rc, sides[s])), rel);
            }
        }
        json_t *db = json_object_get(rb, "digits"), *dc = json_object_get(rc, "digits");
        if (json_is_number(db)) {
            double dbv = json_number_value(db);
            double dcv = json_is_number(dc) ? json_number_value(dc) : -INFINITY;
            if (dcv < dbv - opts->max_digit_drop) {
                out->digits_dropped++;
                fprintf(log, "digits: %s: %.2f -> %.2f\n", kb, dbv, dcv);
            }
        }
    }
    for (size_t j = 0; j < nc; j++)
        if (!seen[j]) {
            out->added++;
            row_key(kc, sizeof kc, json_array_get(c, j));
            fprintf(log, "added: %s (only in the current file)\n", kc);
        }
    free(seen);
    json_decref(b), json_decref(c), json_decref(tb), json_decref(tc);
    return DEQ_OK;
}
