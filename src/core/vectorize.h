/* Attributes of the few loops that must vectorize with the bits of their
 * scalar form (src/num/mat.c, src/deq/activation.c): a clone for AVX2 chosen
 * at load time beside the default one, and (GCC) the loop vectorizer, which
 * -O2 does not run. Every loop so marked rounds each entry as its scalar
 * form does (a product, then a sum, no contraction: -ffp-contract=off), so
 * the clone taken never changes a result. Clang vectorizes these loops at
 * -O2 and has no optimize attribute. */
#ifndef DEQ_CORE_VECTORIZE_H
#define DEQ_CORE_VECTORIZE_H

#define DEQ_CLONES __attribute__((target_clones("avx2", "default")))
#if defined(__GNUC__) && !defined(__clang__)
#define DEQ_VECTORIZED_LOOP \
    __attribute__((target_clones("avx2", "default"), optimize("tree-vectorize", "vect-cost-model=dynamic")))
#else
#define DEQ_VECTORIZED_LOOP DEQ_CLONES
#endif

#endif
