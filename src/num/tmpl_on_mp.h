/* Template instantiation for the MPFR backend (see num/mat.h). No guard: included once per use. */
#define TF(x) x##_mp
#define TT(x) x##_mp_t
#define TS(x) x##_mp_struct
#define TR mpfr_ptr
#define TRC mpfr_srcptr
#define TRS __mpfr_struct
