/* Generic activation API; instantiated by deq/activation.h. No include guard. */

/* s = σ(t) and, when ds is not NULL, ds = σ′(t). s, ds and t must be distinct.
 * Initializes its own temporaries: for bulk work use deq_act_apply. */
void TF(deq_act_eval)(TR s, TR ds, TRC t, deq_act a, long prec);
/* S = σ(H) and, when D is not NULL, D = σ′(H), entrywise; temporaries once per call.
 * S may alias H; D must not. */
void TF(deq_act_apply)(TT(mat) S, TT(mat) D, const TT(mat) H, deq_act a, long prec);
