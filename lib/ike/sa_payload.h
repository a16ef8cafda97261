/*
 * SA, Proposal and Transform payloads (RFC 2408 3.4-3.6) with their data
 * attributes (RFC 2408 3.3), decoded into one transform struct that
 * serves both phase 1 (RFC 2409 Appendix A) and phase 2 (RFC 2407 4.5).
 */
#ifndef L2TPSEC_IKE_SA_PAYLOAD_H
#define L2TPSEC_IKE_SA_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/writer.h"

#define IKE_MAX_PROPOSALS 8
#define IKE_MAX_XFORMS 64
#define IKE_MAX_SPI 16

enum ike_phase {
  IKE_PHASE1 = 1,
  IKE_PHASE2 = 2,
};

/*
 * One transform. Phase 1 uses cipher (encryption algorithm attribute),
 * hash, auth and group; phase 2 uses cipher (the ESP transform ID),
 * integ, group (PFS, 0 for none) and encap. A value of 0 means "not
 * given". bad_attr names the first attribute type that makes the
 * transform unusable (unknown type or malformed value), 0 when none.
 */
typedef struct ike_xform {
  uint8_t number;
  uint8_t id;
  uint16_t cipher;
  uint16_t key_bits;
  uint16_t hash;
  uint16_t integ;
  uint16_t auth;
  uint16_t group;
  uint16_t encap;
  uint32_t life_seconds;
  uint64_t life_kbytes;
  uint16_t bad_attr;
  /* The whole transform payload as received, generic header included. */
  const uint8_t *raw;
  size_t raw_len;
} ike_xform;

typedef struct ike_proposal {
  uint8_t number;
  uint8_t protocol;
  uint8_t spi_len;
  uint8_t spi[IKE_MAX_SPI];
  uint8_t n_xforms;
  ike_xform xf[IKE_MAX_XFORMS];
} ike_proposal;

typedef struct ike_sa_offer {
  uint8_t n_proposals;
  ike_proposal prop[IKE_MAX_PROPOSALS];
} ike_sa_offer;

enum ike_sa_error {
  IKE_SA_OK = 0,
  IKE_SA_SHORT,       /* body or a payload shorter than its fixed part */
  IKE_SA_DOI,         /* DOI other than IPsec */
  IKE_SA_SITUATION,   /* situation other than SIT_IDENTITY_ONLY */
  IKE_SA_LENGTH,      /* a proposal or transform length out of bounds */
  IKE_SA_CHAIN,       /* a next-payload value other than P or T */
  IKE_SA_COUNT,       /* transform count differs from the payloads */
  IKE_SA_TOO_MANY,    /* more proposals or transforms than we keep */
  IKE_SA_NO_PROPOSAL, /* no proposal at all */
};

const char *l2tpsec__ike_sa_error_name(enum ike_sa_error e);

/*
 * Decodes an SA payload body into offer. Structural faults reject the
 * whole payload; an unknown attribute or value only marks its transform
 * (bad_attr), so proposal selection can skip it and go on. The offer
 * points into body.
 */
enum ike_sa_error l2tpsec__ike_sa_parse(const uint8_t *body, size_t len,
                                        enum ike_phase phase,
                                        ike_sa_offer *offer);

/*
 * Writes an SA payload with one proposal (number, protocol and SPI taken
 * from prop) carrying transforms xf[0..n). Each transform is copied from
 * its raw bytes when it has them, else encoded from its fields.
 */
void l2tpsec__ike_sa_write(ike_writer *w, enum ike_phase phase,
                           const ike_proposal *prop, const ike_xform *xf,
                           size_t n);

#endif
