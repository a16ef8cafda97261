/*
 * Memory helpers for secrets: wiping and constant-time comparison.
 */
#ifndef L2TPSEC_MEM_H
#define L2TPSEC_MEM_H

#include "l2tpsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Overwrites n bytes with zeros in a way the compiler may not remove. */
L2TPSEC_API void l2tpsec_wipe(void *p, size_t n);

/*
 * Returns 1 when the n bytes at a and b are equal and 0 otherwise, in time
 * that depends only on n. Use it for every ICV, HASH, authenticator and
 * secret comparison.
 */
L2TPSEC_API int l2tpsec_memeq_consttime(const void *a, const void *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif
