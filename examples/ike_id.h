/*
 * The text form of an IKE identity shared by the example programs:
 * "dn" sends the certificate's subject DN, "address" the local address,
 * user@domain a USER_FQDN and any other text an FQDN.
 */
#ifndef L2TPSEC_EXAMPLE_IKE_ID_H
#define L2TPSEC_EXAMPLE_IKE_ID_H

#include <string.h>

#include "l2tpsec/ike.h"

/* Sets *type, and *value to text for the name types or NULL. */
static inline void parse_ike_id(const char *text,
                                enum l2tpsec_ike_id_type *type,
                                const char **value) {
  *value = NULL;
  if (strcmp(text, "dn") == 0) {
    *type = L2TPSEC_IKE_ID_DN;
  } else if (strcmp(text, "address") == 0) {
    *type = L2TPSEC_IKE_ID_ADDRESS;
  } else {
    *type = strchr(text, '@') != NULL ? L2TPSEC_IKE_ID_USER_FQDN
                                      : L2TPSEC_IKE_ID_FQDN;
    *value = text;
  }
}

#endif
