/* The checkpoint of a run: DIR/run.json (what the run is: options, shard,
 * revision) and DIR/cases.jsonl (one JSON line per finished case, appended
 * with one write and flushed to disk), so that a killed run loses at most
 * the case in flight and a resumed one equals an uninterrupted run. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/env.h"
#include "report/json.h"
#include "run/run_impl.h"


/* Reads DIR/cases.jsonl into the run. A last line cut short by a kill is
 * dropped (and cut from the file, so appends start on a line boundary). */
static deq_status ckpt_load(run_struct *r, const char *path, deq_error_t err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? DEQ_OK
                               : deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", path,
                                               strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0, good_end = 0;
    deq_status st = DEQ_OK;
    while ((len = getline(&line, &cap, f)) > 0 && st == DEQ_OK) {
        lineno++;
        if (line[len - 1] != '\n')
            break; /* cut short */
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        char where[1200];
        snprintf(where, sizeof where, "%s:%ld", path, lineno);
        if (!o) {
            /* a damaged line is tolerated only as the last one */
            if (fgetc(f) == EOF)
                break;
            st = deq_error_set(err, DEQ_ERR_INPUT, "%s: %s", where, je.text);
            break;
        }
        long k = (long)json_integer_value(json_object_get(o, "index"));
        if (k >= 0 && k < r->run->n_cases && r->run->done[k])
            st = deq_error_set(err, DEQ_ERR_INPUT, "%s: case recorded twice", where);
        else
            st = report_json_case_read(r->run, o, where, err);
        json_decref(o);
        good_end = ftell(f);
    }
    free(line);
    fclose(f);
    if (st == DEQ_OK && truncate(path, good_end) != 0)
        st = deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", path, strerror(errno));
    return st;
}

/* What a checkpoint must agree on to be resumed: the run configuration, the
 * shard, and the code that computed it (results of another revision must not
 * be mixed in). New reference. */
static json_t *ckpt_identity(const run_struct *r)
{
    report_env env;
    report_env_get(&env);
    json_t *o = json_object();
    json_object_set_new(o, "config", report_json_config(r->run));
    json_object_set_new(o, "shard", json_pack("[II]", (json_int_t)r->opts.shard_k,
                                              (json_int_t)r->opts.shard_n));
    json_object_set_new(o, "version", json_string(env.deqcheck));
    json_object_set_new(o, "revision", json_string(env.revision));
    json_object_set_new(o, "cases_total", json_integer(r->run->n_cases));
    return o;
}

/* Writes path through a temporary file, flushed and renamed, so a kill leaves
 * the old file or the new one, never a part. */
static deq_status write_file_atomic(const char *path, json_t *o, deq_error_t err)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && json_dumpf(o, f, JSON_INDENT(1) | JSON_SORT_KEYS) == 0 && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: cannot write: %s", path,
                             strerror(errno));
    }
    return DEQ_OK;
}

deq_status run_ckpt_open(run_struct *r, deq_error_t err)
{
    const char *dir = r->opts.checkpoint;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", dir, strerror(errno));
    char cfgpath[1100], logpath[1100];
    snprintf(cfgpath, sizeof cfgpath, "%s/run.json", dir);
    snprintf(logpath, sizeof logpath, "%s/cases.jsonl", dir);
    int exists = access(cfgpath, F_OK) == 0;
    if (exists && !r->opts.resume)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--checkpoint %s: holds an earlier run; add --resume to continue it, "
                             "or remove the directory",
                             dir);
    if (!exists && r->opts.resume)
        return deq_error_set(err, DEQ_ERR_INPUT, "--resume: %s has no run to resume (no run.json)",
                             dir);
    /* one process per checkpoint: a second one would interleave its records */
    r->ckpt_fd = open(logpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (r->ckpt_fd < 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", logpath, strerror(errno));
    if (flock(r->ckpt_fd, LOCK_EX | LOCK_NB) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--checkpoint %s: in use by another deqcheck process (one "
                             "checkpoint directory per run or shard)",
                             dir);
    json_t *mine = ckpt_identity(r);
    deq_status st = DEQ_OK;
    if (exists) {
        json_error_t je;
        json_t *theirs = json_load_file(cfgpath, 0, &je);
        const char *theirs_rev = json_string_value(json_object_get(theirs, "revision"));
        if (!theirs)
            st = deq_error_set(err, DEQ_ERR_INPUT, "%s:%d: %s", cfgpath, je.line, je.text);
        else if (!json_equal(json_object_get(mine, "config"), json_object_get(theirs, "config")) ||
                 !json_equal(json_object_get(mine, "shard"), json_object_get(theirs, "shard")))
            st = deq_error_set(err, DEQ_ERR_INPUT,
                               "--resume: %s was made with other options (profile, sizes, seeds, "
                               "presets, precision, families, backend or shard differ)",
                               cfgpath);
        else if (!json_equal(json_object_get(mine, "revision"),
                             json_object_get(theirs, "revision")) ||
                 !json_equal(json_object_get(mine, "version"), json_object_get(theirs, "version")))
            st = deq_error_set(err, DEQ_ERR_INPUT,
                               "--resume: %s was computed by deqcheck revision %s, this is %s; "
                               "results of two builds are not mixed",
                               cfgpath, theirs_rev ? theirs_rev : "?",
                               json_string_value(json_object_get(mine, "revision")));
        json_decref(theirs);
        if (st == DEQ_OK)
            st = ckpt_load(r, logpath, err);
    } else {
        /* a log without its run.json belongs to nothing */
        if (ftruncate(r->ckpt_fd, 0) != 0)
            st = deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", logpath,
                               strerror(errno));
        else
            st = write_file_atomic(cfgpath, mine, err);
    }
    json_decref(mine);
    return st;
}

static void ckpt_disable(run_struct *r, long k, const char *why)
{
    fprintf(stderr,
            "%s: warning: --checkpoint %s: case %s not recorded (%s); checkpointing "
            "stops, the run goes on\n",
            r->opts.prog, r->opts.checkpoint, r->run->cases[k].key, why);
    close(r->ckpt_fd);
    r->ckpt_fd = -1;
}


void run_ckpt_record_line(run_struct *r, long k)
{
    if (r->ckpt_fd < 0)
        return;
    json_t *o = report_json_case(r->run, k);
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (!text) {
        ckpt_disable(r, k, "cannot encode it");
        return;
    }
    size_t len = strlen(text);
    text = deq_realloc(text, len + 2);
    text[len++] = '\n';
    /* one write of the whole line: a kill leaves it whole or cut short, and a
     * line cut short is dropped on resume; a short write (disk full) is undone
     * so later lines cannot be glued to its stump */
    off_t end = lseek(r->ckpt_fd, 0, SEEK_END);
    ssize_t w;
    do
        w = write(r->ckpt_fd, text, len);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)len) {
        char why[160];
        snprintf(why, sizeof why, "%s", w < 0 ? strerror(errno) : "short write, disk full?");
        if (end >= 0 && ftruncate(r->ckpt_fd, end) != 0)
            snprintf(why, sizeof why, "a short write could not be undone: %s", strerror(errno));
        ckpt_disable(r, k, why);
    } else if (fsync(r->ckpt_fd) != 0) {
        ckpt_disable(r, k, strerror(errno));
    }
    free(text);
}
