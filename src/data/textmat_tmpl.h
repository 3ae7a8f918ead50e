/* Generic text-matrix I/O; instantiated by data/textmat.h. No include guard. */

/* Reads the matrix in `path` ("-" is standard input). M must be uninitialized;
 * on DEQ_OK it is initialized with the file's shape at precision prec, and the
 * caller clears it. On error M is left uninitialized and err says
 * "PATH:LINE: what is wrong". */
deq_status TF(textmat_read)(TT(mat) M, const char *path, long prec, deq_error_t err);
/* Writes M in the text-matrix format to the stream. Each MPFR entry is printed
 * at its own precision (prec does not change the output). */
void TF(textmat_fwrite)(FILE *out, const TT(mat) M, long prec);
/* Writes M to `path` ("-" is standard output); errors name the path. */
deq_status TF(textmat_write)(const char *path, const TT(mat) M, long prec, deq_error_t err);
