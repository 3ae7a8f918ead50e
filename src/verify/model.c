/* The model of `deqcheck certify`, read from an .npz or .safetensors file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "io/tensor.h"
#include "verify/verify_impl.h"

void verify_model_init(verify_model_t M)
{
    memset(M, 0, sizeof *M);
}

static void mat_free(mat_d_t A)
{
    if (A->e)
        mat_clear_d(A);
    memset(A, 0, sizeof *A);
}

void verify_model_clear(verify_model_t M)
{
    mat_free(M->W), mat_free(M->U), mat_free(M->b), mat_free(M->v), mat_free(M->lambda);
    verify_model_init(M);
}

static void copy_d(mat_d_t dst, const mat_d_t src)
{
    mat_init_d(dst, src->rows, src->cols, 0);
    memcpy(dst->e, src->e, sizeof(double) * (size_t)(src->rows * src->cols));
}

/* A vector tensor of length m: shape (m,) or (m, 1). */
static deq_status check_vector(const mat_d_t V, long m, const char *what, const char *name,
                               deq_error_t err)
{
    if (V->cols != 1 || V->rows != m)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: has %ld x %ld entries, expected a vector of length "
                             "m = %ld (shape (%ld,))",
                             what, name, V->rows, V->cols, m, m);
    return DEQ_OK;
}

static deq_status check_shapes(verify_model_t M, const char *what, deq_error_t err)
{
    if (M->W->rows != M->W->cols)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor W: shape (%ld, %ld): W must be square (m x m)", what,
                             M->W->rows, M->W->cols);
    M->m = M->W->rows;
    if (M->U->rows != M->m)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor U: shape (%ld, %ld): U must have m = %ld rows (W is "
                             "%ld x %ld)",
                             what, M->U->rows, M->U->cols, M->m, M->m, M->m);
    M->d = M->U->cols;
    return DEQ_OK;
}

deq_status verify_model_set(verify_model_t M, const mat_d_t W, const mat_d_t U, const mat_d_t b,
                            deq_act act, const char *what, deq_error_t err)
{
    verify_model_clear(M);
    copy_d(M->W, W);
    copy_d(M->U, U);
    if (check_shapes(M, what, err) != DEQ_OK)
        goto fail;
    if (b) {
        if (check_vector(b, M->m, what, "b", err) != DEQ_OK)
            goto fail;
        copy_d(M->b, b);
        M->has_b = 1;
    } else {
        mat_init_d(M->b, M->m, 1, 0);
    }
    M->act = act;
    return DEQ_OK;
fail:
    verify_model_clear(M);
    return err->status;
}

/* Optional vector tensor `name` into V; 1 if present, 0 if not, -1 on error. */
static int read_optional(mat_d_t V, const io_tensor_file_t F, const char *name, long m,
                         const char *path, deq_error_t err)
{
    if (!io_tensor_has(F, name))
        return 0;
    mat_d_t T;
    if (io_tensor_get(T, F, name, err) != DEQ_OK)
        return -1;
    /* Lambda may also be stored as the m×m diagonal matrix itself */
    if (strcmp(name, "Lambda") == 0 && T->rows == m && T->cols == m && m > 1) {
        mat_d_t D;
        mat_init_d(D, m, 1, 0);
        for (long i = 0; i < m; i++)
            for (long j = 0; j < m; j++) {
                double x = T->e[i + j * m];
                if (i == j)
                    D->e[i] = x;
                else if (x != 0.0) {
                    deq_error_set(err, DEQ_ERR_INPUT,
                                  "%s: tensor Lambda: entry [%ld, %ld] = %g off the diagonal "
                                  "(Lambda must be diagonal: store its diagonal, shape (%ld,))",
                                  path, i, j, x, m);
                    mat_clear_d(D), mat_clear_d(T);
                    return -1;
                }
            }
        mat_clear_d(T);
        V[0] = D[0];
        return 1;
    }
    if (check_vector(T, m, path, name, err) != DEQ_OK) {
        mat_clear_d(T);
        return -1;
    }
    V[0] = T[0];
    return 1;
}

deq_status verify_model_read(verify_model_t M, const char *path, const char *act_name,
                             deq_error_t err)
{
    verify_model_clear(M);
    io_tensor_file_t F;
    if (io_tensor_file_open(F, path, err) != DEQ_OK)
        return err->status;
    int fmt = F->format;
    if (fmt == IO_FORMAT_NPY) {
        deq_error_set(err, DEQ_ERR_INPUT,
                      "%s: a .npy file holds one tensor; a model needs W and U in an .npz "
                      "(numpy.savez) or .safetensors file",
                      path);
        goto fail;
    }
    if (io_tensor_get(M->W, F, "W", err) != DEQ_OK)
        goto fail;
    if (io_tensor_get(M->U, F, "U", err) != DEQ_OK)
        goto fail;
    if (check_shapes(M, path, err) != DEQ_OK)
        goto fail;
    int r;
    if ((r = read_optional(M->b, F, "b", M->m, path, err)) < 0)
        goto fail;
    M->has_b = r;
    if (!r)
        mat_init_d(M->b, M->m, 1, 0);
    if ((r = read_optional(M->v, F, "v", M->m, path, err)) < 0)
        goto fail;
    M->has_v = r;
    if ((r = read_optional(M->lambda, F, "Lambda", M->m, path, err)) < 0)
        goto fail;
    M->has_lambda = r;
    for (long i = 0; M->has_lambda && i < M->m; i++)
        if (!(M->lambda->e[i] > 0.0)) {
            deq_error_set(err, DEQ_ERR_INPUT,
                          "%s: tensor Lambda: entry [%ld] = %g is not positive (Lambda must be "
                          "a positive diagonal)",
                          path, i, M->lambda->e[i]);
            goto fail;
        }
    /* the activation: the caller's name wins over the file's */
    char *from_file = NULL;
    const char *meta = io_tensor_metadata(F, "activation");
    if (meta)
        from_file = strdup(meta);
    else if (io_tensor_has(F, "activation") &&
             io_tensor_get_string(&from_file, F, "activation", err) != DEQ_OK)
        goto fail;
    const char *name = act_name ? act_name : from_file;
    if (!name) {
        deq_error_set(err, DEQ_ERR_INPUT,
                      "%s: tensor activation: not in the file (store activation=\"tanh\" or "
                      "give --activation; one of: %s)",
                      path, deq_act_list());
        goto fail;
    }
    if (deq_act_parse(&M->act, name) != 0) {
        if (act_name)
            deq_error_set(err, DEQ_ERR_INPUT, "--activation: unknown activation \"%s\" (one of: %s)",
                          name, deq_act_list());
        else
            deq_error_set(err, DEQ_ERR_INPUT,
                          "%s: tensor activation: unknown activation \"%s\" (one of: %s)", path,
                          name, deq_act_list());
        free(from_file);
        goto fail;
    }
    M->act_from_file = act_name == NULL;
    free(from_file);
    io_tensor_file_clear(F);
    return DEQ_OK;
fail:
    io_tensor_file_clear(F);
    verify_model_clear(M);
    return err->status;
}

void verify_arb_mat_set_d(arb_mat_t A, const mat_d_t D)
{
    for (long i = 0; i < D->rows; i++)
        for (long j = 0; j < D->cols; j++)
            arb_set_d(arb_mat_entry(A, i, j), D->e[i + j * D->rows]);
}

int verify_inverse_d(double *Y, const double *A, long n)
{
    memcpy(Y, A, sizeof(double) * (size_t)(n * n));
    lapack_int *ipiv = deq_malloc(sizeof(lapack_int) * (size_t)(n > 0 ? n : 1));
    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, Y, n, ipiv);
    if (info == 0)
        info = LAPACKE_dgetri(LAPACK_COL_MAJOR, n, Y, n, ipiv);
    free(ipiv);
    if (info != 0)
        return -1;
    for (long k = 0; k < n * n; k++)
        if (!isfinite(Y[k]))
            return -1;
    return 0;
}

double verify_spectral_radius_d(const double *A, long n)
{
    double *a = deq_malloc(sizeof(double) * (size_t)(n * n));
    double *wr = deq_malloc(sizeof(double) * (size_t)n), *wi = deq_malloc(sizeof(double) * (size_t)n);
    memcpy(a, A, sizeof(double) * (size_t)(n * n));
    lapack_int info =
        LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', n, a, n, wr, wi, NULL, 1, NULL, 1);
    double r = 0.0;
    for (long k = 0; k < n && info == 0; k++)
        r = fmax(r, hypot(wr[k], wi[k]));
    free(a), free(wr), free(wi);
    return info == 0 ? r : NAN;
}
