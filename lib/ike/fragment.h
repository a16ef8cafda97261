/* IKEv1 fragmentation (payload 132), both directions: fragment.c. */
#ifndef L2TPSEC_IKE_FRAGMENT_H
#define L2TPSEC_IKE_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tpsec/ike.h"

/* Fragment numbers are one byte, so a set has at most 255. */
#define IKE_FRAG_COUNT_LIMIT 255
/* Largest fragment datagram we build; a larger frag_size turns our
 * fragmentation off. */
#define IKE_FRAG_DATAGRAM_MAX 2048

struct ike_sa;
struct ike_rx;

/* A partial set of fragments, held by its SA. */
typedef struct ike_frag_set ike_frag_set;

void l2tpsec__ike_frag_free(ike_frag_set *set);

/* Stores a fragment datagram for sa and processes the whole message
 * once every fragment is in. Returns 0 or L2TPSEC_ERR_NOMEM. */
int l2tpsec__ike_frag_input(l2tpsec_ike *ike, struct ike_sa *sa,
                            const struct ike_rx *rx);

/* Sends data as fragments when the peer announced fragmentation and it
 * exceeds frag_size. Returns false when data is to be sent whole. */
bool l2tpsec__ike_frag_send(l2tpsec_ike *ike, const struct ike_sa *sa,
                            const uint8_t *data, size_t len);

#endif
