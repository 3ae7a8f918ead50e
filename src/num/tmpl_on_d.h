/* Template instantiation for the double backend (see num/mat.h). No guard: included once per use. */
#define TF(x) x##_d
#define TT(x) x##_d_t
#define TS(x) x##_d_struct
#define TR double *
#define TRC const double *
#define TRS double
