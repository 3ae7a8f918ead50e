/* Tests of issue 19's user-facing behaviour, through the CLI: --version names
 * the revision; train's exit status on divergence; kernel's certification
 * line and --require-certified; Ctrl-C during a checkpointed run prints a
 * resume command that works; progress and --max-memory. */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/status.h"
#include "deq/paper_model.h"
#include "deq/problem.h"
#include "deq/train.h"
#include "core/rng.h"
#include "testutil.h"

TestSuite(longrun);

Test(longrun, version_names_the_revision)
{
    int st = test_run_cli("--version", NULL);
    cr_assert_eq(st, 0, "exit %d: %s", st, test_cli_err);
    cr_expect(strncmp(test_cli_out, "deqcheck ", 9) == 0, "%s", test_cli_out);
    cr_expect(strstr(test_cli_out, "(revision ") != NULL, "no revision: %s", test_cli_out);
    /* never an empty revision: git describe's answer or "unknown" */
    cr_expect(strstr(test_cli_out, "(revision )") == NULL, "%s", test_cli_out);
}

/* A step size far beyond the stability limit 2/λ_max: the loss explodes in
 * the first steps; train must exit 1 and name the step and the reason, on
 * stderr and in the log's event column. */
Test(longrun, train_beyond_stability_exits_1_naming_the_step, .timeout = 120)
{
    const char *dir = test_tmpdir();
    char log[600];
    snprintf(log, sizeof log, "%s/run.csv", dir);
    int st = test_run_cli("train", "--preset", "gao2021", "--model", "theorems", "--m", "64", "--n", "16", "--steps", "50",
                          "--lr", "100", "--seed", "1", "--log", log, NULL);
    cr_assert_eq(st, 1, "exit %d: %s", st, test_cli_err);
    const char *at = strstr(test_cli_err, "train: stopped at step ");
    cr_assert_not_null(at, "no step named: %s", test_cli_err);
    long step = atol(at + strlen("train: stopped at step "));
    cr_expect(step >= 1 && step < 50, "step %ld", step);
    cr_expect(strstr(at, "loss diverged") != NULL || strstr(at, "rho_bar") != NULL ||
                  strstr(at, "loss ") != NULL,
              "no reason: %s", at);
    static char csv[1 << 16];
    test_slurp(log, csv, sizeof csv);
    cr_expect(strstr(csv, ",event\n") != NULL, "no event column: %.200s", csv);
    char want[64];
    snprintf(want, sizeof want, "\n%ld,", step);
    const char *row = strstr(csv, want);
    cr_assert_not_null(row, "the log lacks step %ld", step);
    const char *eol = strchr(row + 1, '\n');
    cr_expect(eol && eol - row > 3 && eol[-1] == '"' && eol[-2] != '"',
              "step %ld has no event in the log: %.300s", step, row);
    /* --keep-going goes on past the divergence while the numbers are finite,
     * and a stable step size is no trouble at all */
    st = test_run_cli("train", "--preset", "gao2021", "--model", "theorems", "--m", "64", "--n", "16", "--steps", "20", "--lr",
                      "0.1", "--seed", "1", "--log", log, NULL);
    cr_expect_eq(st, 0, "stable run: exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "stopped") == NULL && strstr(test_cli_err, "warning") == NULL,
              "%s", test_cli_err);
    st = test_run_cli("train", "--preset", "gao2021", "--model", "theorems", "--m", "64", "--n", "16", "--steps", "1", "--lr",
                      "3", "--seed", "1", "--log", log, "--keep-going", NULL);
    cr_expect_eq(st, 0, "--keep-going: exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "warning: at step 1") != NULL, "%s", test_cli_err);
}

/* Column `name` of a train log (CSV with a header line) into v[0..*len). */
static void csv_column(double *v, long *len, long cap, const char *csv, const char *name)
{
    const char *eol = strchr(csv, '\n');
    cr_assert_not_null(eol, "no header: %.80s", csv);
    int col = -1, c = 0;
    for (const char *p = csv; p < eol; c++) {
        size_t w = strcspn(p, ",\n");
        if (w == strlen(name) && strncmp(p, name, w) == 0)
            col = c;
        p += w + (p[w] == ',');
        if (p[-1] != ',')
            break;
    }
    cr_assert(col >= 0, "no column %s in %.200s", name, csv);
    *len = 0;
    for (const char *row = eol + 1; *row && *len < cap; row = strchr(row, '\n') + 1) {
        const char *f = row;
        for (int k = 0; k < col; k++)
            f = strchr(f, ',') + 1;
        v[(*len)++] = strtod(f, NULL);
        if (!strchr(row, '\n'))
            break;
    }
}

/* --solver. auto (the default, both models) takes Picard at these networks'
 * ρ̄ (0.2 to 0.8, below Picard's 0.966 at m = 40), so the default run's log
 * equals --solver picard's byte for byte, its solver column saying picard.
 * --solver anderson takes other iterates: on the theorems model and on
 * ling2022's (whose code the two papers' models share) both the forward and
 * the adjoint iteration counts differ (ling2022's first adjoint: 32 Picard,
 * 28 Anderson iterations at m = 40; gao2021's paper model, γ = 0.1, takes the
 * same counts), to the same losses. The solves stop at a
 * relative residual 2√m·u (1.4e-15 at m = 40), so the two solvers' losses
 * differ by rounding-level amounts carried over a few steps; 2^-30 relative is
 * far above that and far below what a wrong solve or gradient would make (the
 * loss falls by more than 10% over the 4 steps). A bad value is exit 2 naming
 * the flag. */
Test(longrun, train_solver_auto_picks_picard_here_anderson_agrees, .timeout = 120)
{
    const char *dir = test_tmpdir();
    char ld[600], lp[600], la[600];
    snprintf(ld, sizeof ld, "%s/default.csv", dir);
    snprintf(lp, sizeof lp, "%s/picard.csv", dir);
    snprintf(la, sizeof la, "%s/anderson.csv", dir);
    /* ling2022's model diverges at the others' step size; the last column: the
     * iteration counts must differ */
    static const char *const models[][4] = {{"theorems", "gao2021", "0.05", "y"},
                                            {"paper", "gao2021", "0.05", "n"},
                                            {"paper", "ling2022", "0.005", "y"}};
    for (size_t k = 0; k < sizeof models / sizeof *models; k++) {
        const char *model = models[k][0], *preset = models[k][1], *lr = models[k][2];
        int fwd_differ = 0, adj_differ = 0;
        int st = test_run_cli("train", "--preset", preset, "--model", model, "--m", "40", "--n", "10",
                              "--steps", "4", "--lr", lr, "--seed", "3", "--log", ld, NULL);
        cr_assert_eq(st, 0, "%s %s: exit %d: %s", model, preset, st, test_cli_err);
        cr_expect(strstr(test_cli_err, ", auto solves (Picard while rho_bar <= 0.96") != NULL, "%s %s: %s",
                  model, preset, test_cli_err);
        st = test_run_cli("train", "--preset", preset, "--model", model, "--m", "40", "--n", "10",
                          "--steps", "4", "--lr", lr, "--seed", "3", "--log", lp, "--solver",
                          "picard", NULL);
        cr_assert_eq(st, 0, "%s", test_cli_err);
        cr_expect(strstr(test_cli_err, ", picard solves, ") != NULL, "%s", test_cli_err);
        st = test_run_cli("train", "--preset", preset, "--model", model, "--m", "40", "--n", "10",
                          "--steps", "4", "--lr", lr, "--seed", "3", "--log", la, "--solver",
                          "anderson", NULL);
        cr_assert_eq(st, 0, "%s", test_cli_err);
        cr_expect(strstr(test_cli_err, ", anderson solves, ") != NULL, "%s", test_cli_err);
        static char cd[1 << 15], cp[1 << 15], ca[1 << 15];
        test_slurp(ld, cd, sizeof cd), test_slurp(lp, cp, sizeof cp), test_slurp(la, ca, sizeof ca);
        cr_expect_str_eq(cd, cp, "%s %s: auto is not --solver picard here", model, preset);
        cr_expect(strstr(cp, ",picard,") && !strstr(cp, ",anderson,") && strstr(ca, ",anderson,") &&
                      !strstr(ca, ",picard,"),
                  "%s %s: the solver column", model, preset);
        double lossp[8], lossa[8], fp[8], fa[8], ap[8], aa[8];
        long np, na, nf, nf2, nj, nj2;
        csv_column(lossp, &np, 8, cp, "loss"), csv_column(lossa, &na, 8, ca, "loss");
        csv_column(fp, &nf, 8, cp, "fwd_iters"), csv_column(fa, &nf2, 8, ca, "fwd_iters");
        csv_column(ap, &nj, 8, cp, "adj_iters"), csv_column(aa, &nj2, 8, ca, "adj_iters");
        cr_assert(np == 5 && na == 5 && nf == 5 && nf2 == 5 && nj == 5 && nj2 == 5, "%s %s: %ld, %ld rows",
                  model, preset, np, na);
        for (long i = 0; i < 5; i++) {
            cr_expect(fabs(lossp[i] - lossa[i]) <= ldexp(fabs(lossp[i]), -30),
                      "%s %s step %ld: loss %.17g (picard) vs %.17g (anderson)", model, preset, i,
                      lossp[i], lossa[i]);
            fwd_differ |= fp[i] != fa[i];
            adj_differ |= ap[i] != aa[i];
        }
        cr_expect(lossp[4] < 0.9 * lossp[0], "%s %s: the loss did not fall: %g -> %g", model, preset,
                  lossp[0], lossp[4]);
        if (models[k][3][0] == 'y')
            cr_expect(fwd_differ && adj_differ, "%s %s: the same %s iteration counts: a solve ignores "
                      "--solver?", model, preset, fwd_differ ? "adjoint" : "forward");
    }
    int st = test_run_cli("train", "--preset", "gao2021", "--model", "theorems", "--m", "8", "--n", "4",
                          "--steps", "1", "--lr", "0.1", "--seed", "1", "--log", "/dev/null",
                          "--solver", "newton", NULL);
    cr_expect_eq(st, 2, "exit %d", st);
    cr_expect(strstr(test_cli_err, "--solver: expected auto, picard or anderson, got \"newton\"") != NULL,
              "%s", test_cli_err);
}

/* The rule itself: (tol/2)^(1/max_iter) by hand (0.9657 at m = 40 in double,
 * nonzero at 2000 bits where tol underflows a double), and deq_train's auto
 * choice on the theorems model on each side of it: γ for ρ̄ near 0.2 takes
 * Picard at every step, γ for ρ̄ near 0.98 Anderson (ρ̄ read off the run and
 * required on its side, so the check cannot pass vacuously). */
Test(longrun, train_auto_solver_follows_the_certified_contraction)
{
    deq_solve_opts so;
    deq_solve_opts_default(&so);
    double l2 = deq_solve_tol_log2(&so, 40, 53);
    cr_expect(fabs(l2 - (1 + 0.5 * log2(40.0) - 53)) <= 1e-13, "%.17g", l2);
    double want = pow(sqrt(40.0) * ldexp(1.0, -53), 1.0 / 1000);
    cr_expect(fabs(deq_picard_rho_max(1000, l2) - want) <= 1e-13, "%.17g vs %.17g",
              deq_picard_rho_max(1000, l2), want);
    double deep = deq_picard_rho_max(1000, deq_solve_tol_log2(&so, 40, 2000));
    cr_expect(fabs(deep - pow(2.0, (0.5 * log2(40.0) - 2000) / 1000)) <= 1e-13 && deep > 0.2, "%.17g", deep);
    cr_expect_eq(deq_solver_by_contraction(NAN, 1000, l2), DEQ_SOLVER_ANDERSON);
    long m = 24, d = 3, n = 4;
    const char *gammas[] = {"0.1", "0.49"};
    for (int g = 0; g < 2; g++) {
        deq_rng_t rng;
        deq_rng_init(rng, 11);
        mat_d_t A, U, X, v, y;
        mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(X, d, n, 53);
        mat_init_d(v, m, 1, 53), mat_init_d(y, n, 1, 53);
        test_fill_gaussian(A, rng), test_fill_gaussian(U, rng), test_fill_gaussian(X, rng);
        test_fill_gaussian(v, rng), test_fill_gaussian(y, rng);
        deq_problem_d_t P;
        deq_problem_init_d(P, A, U, X, gammas[g], "1", DEQ_ACT_RELU, 1, 53);
        double rho = P->fp.rho_upper, rmax = deq_picard_rho_max(so.max_iter, deq_solve_tol_log2(&so, m, 53));
        cr_assert(g == 0 ? rho < rmax : rho > rmax && rho < 1, "gamma %s: rho_bar %g against %g",
                  gammas[g], rho, rmax);
        deq_train_opts to = {2, 1e-6, DEQ_TRAIN_A, 0, 0, 1};
        double av = 1 / sqrt((double)m);
        deq_train_log_t log;
        deq_train_log_init(log);
        deq_train_d(log, P, v, y, &av, &to, &so, 53);
        cr_assert_eq(log->len, 3, "gamma %s: %ld steps", gammas[g], log->len);
        for (long k = 0; k < log->len; k++)
            cr_expect_eq(log->steps[k].solver, g == 0 ? DEQ_SOLVER_PICARD : DEQ_SOLVER_ANDERSON,
                         "gamma %s step %ld: %s", gammas[g], k, deq_solver_name(log->steps[k].solver));
        deq_train_log_clear(log);
        mat_clear_d(v), mat_clear_d(y);
        deq_problem_clear_d(P);
        deq_rng_clear(rng);
    }
}

/* Where Picard's guarantee does not cover the iteration limit, auto takes
 * Anderson: ling2022 from W = 0.99·I (ρ̄ >= 0.99 > 0.966), on which Picard
 * contracts by 0.99 per iteration and needs about 3300 iterations, beyond the
 * limit of 1000. auto converges with Anderson; --solver picard stops at step
 * 0 and names the solver. */
Test(longrun, train_solver_auto_takes_anderson_near_rho_one, .timeout = 120)
{
    const char *dir = test_tmpdir();
    char w[600], log[600];
    snprintf(w, sizeof w, "%s/w.npz", dir);
    snprintf(log, sizeof log, "%s/l.csv", dir);
    long m = 12, d = 3;
    mat_d_t T[DEQ_PAPER_SLOTS];
    deq_paper_tensors_init(T, DEQ_PAPER_LING2022, m, d);
    deq_rng_t rng;
    deq_rng_init(rng, 5);
    deq_paper_draw(T, DEQ_PAPER_LING2022, 0.08, rng);
    deq_rng_clear(rng);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++)
            T[DEQ_PAPER_T]->e[i + j * m] = i == j ? 0.99 : 0.0;
    for (long q = 0; q < m * d; q++) /* a positive injection: every unit active, the Jacobian 0.99·I */
        T[DEQ_PAPER_IN]->e[q] = fabs(T[DEQ_PAPER_IN]->e[q]);
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(deq_paper_save(w, T, DEQ_PAPER_LING2022, err), DEQ_OK, "%s", err->msg);
    deq_paper_tensors_clear(T);
    int st = test_run_cli("train", "--preset", "ling2022", "--init", w, "--n", "5", "--d", "3", "--seed", "2",
                          "--steps", "1", "--lr", "1e-10", "--log", log, NULL);
    cr_assert_eq(st, 0, "auto: exit %d: %s", st, test_cli_err);
    static char csv[1 << 14];
    test_slurp(log, csv, sizeof csv);
    cr_expect(strstr(csv, ",anderson,") && !strstr(csv, ",picard,"), "auto did not take Anderson: %s", csv);
    st = test_run_cli("train", "--preset", "ling2022", "--init", w, "--n", "5", "--d", "3", "--seed", "2",
                      "--steps", "1", "--lr", "1e-10", "--log", log, "--solver", "picard", NULL);
    cr_expect_eq(st, 1, "picard: exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "forward solve (picard) did not converge") != NULL, "%s", test_cli_err);
}

/* Parallel inputs: λ_min of the relu NTK is 0 up to the kernel's error, so
 * it cannot be certified; one line says so, and --require-certified exits 1.
 * Two orthogonal inputs are certified and exit 0. */
Test(longrun, kernel_parallel_inputs_require_certified_exits_1, .timeout = 120)
{
    const char *dir = test_tmpdir();
    char px[600], po[600], out[600];
    snprintf(px, sizeof px, "%s", test_write_file(dir, "px.txt", "2 3\n0.6 0.6 1\n0.8 0.8 0\n"));
    snprintf(po, sizeof po, "%s", test_write_file(dir, "po.txt", "2 2\n1 0\n0 1\n"));
    snprintf(out, sizeof out, "%s/H.txt", dir);
    const char *backends[] = {"double", "mpfr"};
    for (int b = 0; b < 2; b++) {
        int st = test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", "relu", "--kind",
                              "ntk", "--backend", backends[b], "--out", out, "--require-certified",
                              NULL);
        cr_expect_eq(st, 1, "%s: exit %d: %s", backends[b], st, test_cli_err);
        /* exactly one verdict line, and it is unambiguous */
        const char *v = strstr(test_cli_err, "lambda_min of the kernel: ");
        cr_assert_not_null(v, "%s", test_cli_err);
        cr_expect(strstr(v + 1, "lambda_min of the kernel: ") == NULL, "two verdict lines");
        const char *eol = strchr(v, '\n');
        cr_assert_not_null(eol);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(eol - v), v);
        cr_expect(strstr(line, "NOT certified") != NULL && strstr(line, "CERTIFIED") == NULL, "%s",
                  line);
        st = test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", "relu", "--kind",
                          "ntk", "--backend", backends[b], "--out", out, NULL);
        cr_expect_eq(st, 0, "without --require-certified: exit %d", st);
        st = test_run_cli("kernel", "--X", po, "--gamma", "0.5", "--activation", "relu", "--kind",
                          "ntk", "--backend", backends[b], "--out", out, "--require-certified", NULL);
        cr_expect_eq(st, 0, "orthogonal inputs: exit %d: %s", st, test_cli_err);
        cr_expect(strstr(test_cli_err, "lambda_min of the kernel: positive definite: CERTIFIED") != NULL,
                  "%s", test_cli_err);
    }
}

/* --max-memory on every numeric command: a limit below the estimate is exit 2
 * naming the flag, before any work. */
Test(longrun, max_memory_applies_to_solve_grad_kernel_certify)
{
    const char *dir = test_tmpdir();
    char pa[600], pu[600], px[600], pv[600], py[600], od[600];
    snprintf(pa, sizeof pa, "%s", test_write_file(dir, "A.txt", "2 2\n1 0\n0 1\n"));
    snprintf(pu, sizeof pu, "%s", test_write_file(dir, "U.txt", "2 2\n1 0\n0 1\n"));
    snprintf(px, sizeof px, "%s", test_write_file(dir, "X.txt", "2 2\n1 0\n0 1\n"));
    snprintf(pv, sizeof pv, "%s", test_write_file(dir, "v.txt", "2 1\n1\n1\n"));
    snprintf(py, sizeof py, "%s", test_write_file(dir, "y.txt", "2 1\n1\n1\n"));
    snprintf(od, sizeof od, "%s/g", dir);
    int st = test_run_cli("solve", "--A", pa, "--U", pu, "--X", px, "--gamma", "0.5", "--activation",
                          "tanh", "--max-memory", "10", NULL);
    cr_expect_eq(st, 2, "solve: exit %d", st);
    cr_expect(strstr(test_cli_err, "--max-memory") != NULL && !strchr(strchr(test_cli_err, '\n') + 1, '\n'),
              "%s", test_cli_err);
    st = test_run_cli("grad", "--A", pa, "--U", pu, "--X", px, "--v", pv, "--y", py, "--gamma", "0.5",
                      "--activation", "tanh", "--out-dir", od, "--max-memory", "10", NULL);
    cr_expect_eq(st, 2, "grad: exit %d", st);
    cr_expect(strstr(test_cli_err, "--max-memory") != NULL, "%s", test_cli_err);
    st = test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", "relu", "--kind", "nngp",
                      "--max-memory", "10", NULL);
    cr_expect_eq(st, 2, "kernel: exit %d", st);
    cr_expect(strstr(test_cli_err, "--max-memory") != NULL, "%s", test_cli_err);
    st = test_run_cli("solve", "--A", pa, "--U", pu, "--X", px, "--gamma", "0.5", "--activation",
                      "tanh", "--max-memory", "lots", NULL);
    cr_expect_eq(st, 2, "bad size: exit %d", st);
    cr_expect(strstr(test_cli_err, "--max-memory") != NULL, "%s", test_cli_err);
    /* and a sufficient limit changes nothing */
    st = test_run_cli("solve", "--A", pa, "--U", pu, "--X", px, "--gamma", "0.5", "--activation",
                      "tanh", "--max-memory", "1G", "--backend", "double", NULL);
    cr_expect_eq(st, 0, "solve: exit %d: %s", st, test_cli_err);
    /* certify, on the committed example model (m = 16, n = 8): its balls need
     * about 0.1 MiB, so 10 bytes refuses and 1G certifies */
    char model[600], xs[600];
    snprintf(model, sizeof model, "%s", test_source_path("examples/certify/model.npz"));
    snprintf(xs, sizeof xs, "%s", test_source_path("examples/certify/X.npy"));
    st = test_run_cli("certify", "--model", model, "--X", xs, "--max-memory", "10", NULL);
    cr_expect_eq(st, 2, "certify: exit %d", st);
    cr_expect(strstr(test_cli_err, "--max-memory") != NULL && !strchr(strchr(test_cli_err, '\n') + 1, '\n'),
              "%s", test_cli_err);
    st = test_run_cli("certify", "--model", model, "--X", xs, "--max-memory", "1G", NULL);
    cr_expect_eq(st, 0, "certify: exit %d: %s", st, test_cli_err);
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* Ctrl-C during a checkpointed run: the run prints the exact command that
 * resumes it; running that command finishes the run, and its JSON equals an
 * uninterrupted run's byte for byte. Without --checkpoint it says that
 * nothing can be resumed. */
Test(longrun, sigint_prints_a_resume_command_that_works, .timeout = 600)
{
    const char *bin = getenv("DEQCHECK_BIN");
    cr_assert_not_null(bin);
    const char *dir = test_tmpdir();
    char ck[600], json[600], jref[600], rep[600], errp[600], cmd[4096];
    snprintf(ck, sizeof ck, "%s/ck", dir);
    snprintf(json, sizeof json, "%s/r.json", dir);
    snprintf(jref, sizeof jref, "%s/ref.json", dir);
    snprintf(errp, sizeof errp, "%s/err.txt", dir);
    snprintf(rep, sizeof rep, "%s/r.md", dir);
    char ckfile[700];
    snprintf(ckfile, sizeof ckfile, "%s/cases.jsonl", ck);
    int resumed_status = -1;
    for (int with_ck = 1; with_ck >= 0; with_ck--) {
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int nul = open("/dev/null", O_WRONLY);
            dup2(nul, 1), dup2(fd, 2);
            if (with_ck)
                execl(bin, bin, "run", "well-posedness", "--profile", "quick", "--no-plots", "--quiet",
                      "--checkpoint", ck, "--json", json, "--report", rep, (char *)NULL);
            else
                execl(bin, bin, "run", "well-posedness", "--profile", "quick", "--no-plots", "--quiet",
                      "--json", jref, "--report", rep, (char *)NULL);
            _exit(127);
        }
        /* with a checkpoint: wait for the first recorded case (so there is
         * something to resume), then interrupt */
        for (int t = 0; with_ck && t < 3000 && count_lines(ckfile) < 1; t++)
            usleep(100000);
        if (!with_ck)
            usleep(500000);
        kill(pid, SIGINT);
        int st;
        waitpid(pid, &st, 0);
        static char err[1 << 16];
        test_slurp(errp, err, sizeof err);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGINT, "status %d: %s", st, err);
        if (!with_ck) {
            cr_expect(strstr(err, "nothing can be resumed") != NULL && strstr(err, "--checkpoint DIR"),
                      "%s", err);
            continue;
        }
        const char *r = strstr(err, "Resume with:\n  ");
        cr_assert_not_null(r, "no resume command: %s", err);
        r += strlen("Resume with:\n  ");
        const char *eol = strchr(r, '\n');
        cr_assert_not_null(eol);
        snprintf(cmd, sizeof cmd, "%.*s > /dev/null 2>&1", (int)(eol - r), r);
        cr_expect(strstr(cmd, "--resume") != NULL, "%s", cmd);
        long recorded = count_lines(ckfile);
        int rs = system(cmd);
        /* 0 or 1 (the run's verdicts), never a usage error: equal to the
         * straight run's below */
        cr_assert(WIFEXITED(rs) && WEXITSTATUS(rs) <= 1, "the resume command failed (%d): %s", rs, cmd);
        resumed_status = WEXITSTATUS(rs);
        cr_expect(count_lines(ckfile) > recorded, "the resumed run recorded nothing more");
    }
    /* the resumed run's JSON equals a straight run's */
    int st = test_run_cli("run", "well-posedness", "--profile", "quick", "--no-plots", "--quiet", "--json",
                          jref, "--report", rep, NULL);
    cr_assert_eq(st, resumed_status, "straight run: exit %d, resumed %d: %s", st, resumed_status,
                 test_cli_err);
    static char a[1 << 22], b[1 << 22];
    test_slurp(json, a, sizeof a);
    test_slurp(jref, b, sizeof b);
    cr_expect(a[0] != '\0' && strcmp(a, b) == 0, "the resumed run's JSON differs from a straight run's");
}

/* solve --progress: the iteration, the residual against its target and the
 * time left, as lines when stderr is not a terminal (every
 * DEQCHECK_PROGRESS_SECONDS, here 0: every iteration); the result is the same
 * bits as without it (the observer reads, never steers). */
Test(longrun, solve_progress_shows_iterations_and_time_left, .timeout = 120)
{
    const char *dir = test_tmpdir();
    test_write_file(dir, "A.txt", "3 3\n0.5 -0.2 0.1\n0.3 0.4 -0.6\n-0.1 0.2 0.3\n");
    test_write_file(dir, "U.txt", "3 2\n1 0.5\n-0.3 0.8\n0.2 -1\n");
    test_write_file(dir, "X.txt", "2 2\n0.6 -0.8\n0.8 0.6\n");
    char a[600], u[600], x[600], z1[600], z2[600];
    snprintf(a, sizeof a, "%s/A.txt", dir), snprintf(u, sizeof u, "%s/U.txt", dir);
    snprintf(x, sizeof x, "%s/X.txt", dir);
    snprintf(z1, sizeof z1, "%s/Z1.txt", dir), snprintf(z2, sizeof z2, "%s/Z2.txt", dir);
    setenv("DEQCHECK_PROGRESS_SECONDS", "0", 1);
    int st = test_run_cli("solve", "--A", a, "--U", u, "--X", x, "--gamma", "0.5", "--activation",
                          "tanh", "--backend", "mpfr", "--precision", "1000", "--solver", "picard",
                          "--progress", "--out", z1, NULL);
    unsetenv("DEQCHECK_PROGRESS_SECONDS");
    cr_assert_eq(st, 0, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "solve: iteration ") != NULL &&
                  strstr(test_cli_err, "relative residual 2^") != NULL &&
                  strstr(test_cli_err, " left\n") != NULL,
              "no progress lines: %s", test_cli_err);
    st = test_run_cli("solve", "--A", a, "--U", u, "--X", x, "--gamma", "0.5", "--activation",
                      "tanh", "--backend", "mpfr", "--precision", "1000", "--solver", "picard",
                      "--out", z2, NULL);
    cr_assert_eq(st, 0);
    cr_expect(strstr(test_cli_err, "solve: iteration ") == NULL,
              "progress shown without --progress on a non-terminal");
    static char t1[1 << 16], t2[1 << 16];
    test_slurp(z1, t1, sizeof t1), test_slurp(z2, t2, sizeof t2);
    cr_expect_str_eq(t1, t2, "--progress changed the result");
}
