/* TODO: replaced by the mbedTLS backend. */
#include "l2tpsec/rand.h"
#include "l2tpsec/errors.h"
static int none(void *u, uint8_t *o, size_t n) { return L2TPSEC_ERR_UNSUPPORTED; }
l2tpsec_rand l2tpsec_rand_system(void) { l2tpsec_rand r = {none, NULL}; return r; }
