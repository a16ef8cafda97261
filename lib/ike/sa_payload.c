/* SA payload decoding and encoding (RFC 2408 3.3-3.6). */
#include <string.h>

#include "ike/isakmp.h"
#include "ike/sa_payload.h"

#define ATTR_AF 0x8000
#define PROPOSAL_FIXED 8 /* generic header, number, protocol, SPI size, n */
#define XFORM_FIXED 8    /* generic header, number, ID, reserved2 */

const char *l2tpsec__ike_sa_error_name(enum ike_sa_error e) {
  switch (e) {
  case IKE_SA_OK:
    return "ok";
  case IKE_SA_SHORT:
    return "SA payload truncated";
  case IKE_SA_DOI:
    return "DOI is not IPsec (1)";
  case IKE_SA_SITUATION:
    return "situation is not SIT_IDENTITY_ONLY";
  case IKE_SA_LENGTH:
    return "proposal or transform length invalid";
  case IKE_SA_CHAIN:
    return "proposal or transform chain invalid";
  case IKE_SA_COUNT:
    return "transform count mismatch";
  case IKE_SA_TOO_MANY:
    return "too many proposals or transforms";
  case IKE_SA_NO_PROPOSAL:
    return "no proposal";
  }
  return "unknown SA error";
}

/* A decoded attribute value: TV values and TLV values of up to 8 bytes. */
typedef struct attr_value {
  uint16_t type;
  uint64_t value;
  bool fits; /* false for a TLV longer than 8 significant bytes */
} attr_value;

/* Reads one attribute at p; returns its encoded size, or 0 if truncated. */
static size_t read_attr(const uint8_t *p, size_t avail, attr_value *a) {
  if (avail < 4)
    return 0;

  uint16_t t = isakmp_get16(p);
  a->type = t & 0x7fff;
  a->fits = true;
  if (t & ATTR_AF) {
    a->value = isakmp_get16(p + 2);
    return 4;
  }

  size_t vlen = isakmp_get16(p + 2);
  if (vlen > avail - 4)
    return 0;
  a->value = 0;
  for (size_t i = 0; i < vlen; i++) {
    if (a->value >> 56)
      a->fits = false;
    a->value = (a->value << 8) | p[4 + i];
  }
  return 4 + vlen;
}

/* Records a duration for the life type most recently given. */
/* A zero lifetime is invalid: it would expire the SA as it is made. */
static bool set_life(ike_xform *xf, uint16_t life_type, const attr_value *a) {
  if (!a->fits || a->value == 0)
    return false;
  if (life_type == IKE_LIFE_SECONDS) {
    xf->life_seconds = a->value > UINT32_MAX ? UINT32_MAX : (uint32_t)a->value;
    return true;
  }
  if (life_type == IKE_LIFE_KILOBYTES) {
    xf->life_kbytes = a->value;
    return true;
  }
  return false;
}

/* Applies one phase-1 attribute (RFC 2409 Appendix A). */
static bool apply_phase1(ike_xform *xf, uint16_t *life_type,
                         const attr_value *a) {
  bool small = a->fits && a->value <= 0xffff;
  uint16_t v = (uint16_t)a->value;

  switch (a->type) {
  case IKE_ATTR_ENC:
    xf->cipher = v;
    return small;
  case IKE_ATTR_HASH:
    xf->hash = v;
    return small;
  case IKE_ATTR_AUTH:
    xf->auth = v;
    return small;
  case IKE_ATTR_GROUP:
    xf->group = v;
    return small;
  case IKE_ATTR_GROUP_TYPE:
    return small && v == 1; /* MODP; custom groups are not supported */
  case IKE_ATTR_LIFE_TYPE:
    *life_type = v;
    return small;
  case IKE_ATTR_LIFE_DURATION:
    return set_life(xf, *life_type, a);
  case IKE_ATTR_KEY_LEN:
    xf->key_bits = v;
    return small && v != 0; /* 0 would read as "absent", i.e. 128 */
  default:
    return false;
  }
}

/* Applies one phase-2 attribute (RFC 2407 4.5). */
static bool apply_phase2(ike_xform *xf, uint16_t *life_type,
                         const attr_value *a) {
  bool small = a->fits && a->value <= 0xffff;
  uint16_t v = (uint16_t)a->value;

  switch (a->type) {
  case IPSEC_ATTR_LIFE_TYPE:
    *life_type = v;
    return small;
  case IPSEC_ATTR_LIFE_DURATION:
    return set_life(xf, *life_type, a);
  case IPSEC_ATTR_GROUP:
    xf->group = v;
    return small;
  case IPSEC_ATTR_ENCAP:
    xf->encap = v;
    return small;
  case IPSEC_ATTR_AUTH:
    xf->integ = v;
    return small;
  case IPSEC_ATTR_KEY_LEN:
    xf->key_bits = v;
    return small && v != 0; /* 0 would read as "absent", i.e. 128 */
  default:
    return false;
  }
}

/* Decodes the attributes of one transform; false if they are truncated. */
static bool parse_attrs(const uint8_t *p, size_t len, enum ike_phase phase,
                        ike_xform *xf) {
  uint16_t life_type = 0;
  size_t off = 0;

  while (off < len) {
    attr_value a;
    size_t n = read_attr(p + off, len - off, &a);
    if (n == 0)
      return false;

    bool ok = phase == IKE_PHASE1 ? apply_phase1(xf, &life_type, &a)
                                  : apply_phase2(xf, &life_type, &a);
    if (!ok && xf->bad_attr == 0)
      xf->bad_attr = a.type ? a.type : 0xffff;
    off += n;
  }
  return true;
}

static enum ike_sa_error parse_xform(const uint8_t *p, size_t len,
                                     enum ike_phase phase, ike_xform *xf) {
  memset(xf, 0, sizeof(*xf));
  if (len < XFORM_FIXED)
    return IKE_SA_LENGTH;

  xf->raw = p;
  xf->raw_len = len;
  xf->number = p[4];
  xf->id = p[5];
  if (phase == IKE_PHASE2)
    xf->cipher = xf->id;
  if (!parse_attrs(p + XFORM_FIXED, len - XFORM_FIXED, phase, xf))
    return IKE_SA_LENGTH;
  return IKE_SA_OK;
}

/* Decodes the transforms after a proposal's SPI; count is the header's. */
static enum ike_sa_error parse_xforms(const uint8_t *p, size_t len,
                                      uint8_t count, enum ike_phase phase,
                                      ike_proposal *prop) {
  size_t off = 0;
  uint8_t np = ISAKMP_NP_T;

  if (count > IKE_MAX_XFORMS)
    return IKE_SA_TOO_MANY;
  for (unsigned i = 0; i < count; i++) {
    if (np != ISAKMP_NP_T)
      return IKE_SA_COUNT;
    if (len - off < ISAKMP_GENERIC_LEN)
      return IKE_SA_LENGTH;

    size_t xlen = isakmp_get16(p + off + 2);
    if (xlen > len - off)
      return IKE_SA_LENGTH;
    enum ike_sa_error e = parse_xform(p + off, xlen, phase, &prop->xf[i]);
    if (e != IKE_SA_OK)
      return e;

    np = p[off];
    off += xlen;
  }
  if (np != ISAKMP_NP_NONE || off != len)
    return IKE_SA_COUNT;
  prop->n_xforms = count;
  return IKE_SA_OK;
}

static enum ike_sa_error parse_proposal(const uint8_t *p, size_t len,
                                        enum ike_phase phase,
                                        ike_proposal *prop) {
  if (len < PROPOSAL_FIXED)
    return IKE_SA_LENGTH;

  prop->number = p[4];
  prop->protocol = p[5];
  prop->spi_len = p[6];
  if (prop->spi_len > IKE_MAX_SPI || prop->spi_len > len - PROPOSAL_FIXED)
    return IKE_SA_LENGTH;
  memcpy(prop->spi, p + PROPOSAL_FIXED, prop->spi_len);

  size_t start = PROPOSAL_FIXED + prop->spi_len;
  return parse_xforms(p + start, len - start, p[7], phase, prop);
}

enum ike_sa_error l2tpsec__ike_sa_parse(const uint8_t *body, size_t len,
                                        enum ike_phase phase,
                                        ike_sa_offer *offer) {
  size_t off = 8;
  uint8_t np = ISAKMP_NP_P;

  offer->n_proposals = 0;
  if (len < 8)
    return IKE_SA_SHORT;
  if (isakmp_get32(body) != ISAKMP_DOI_IPSEC)
    return IKE_SA_DOI;
  if (isakmp_get32(body + 4) != ISAKMP_SIT_IDENTITY_ONLY)
    return IKE_SA_SITUATION;

  while (np == ISAKMP_NP_P) {
    if (offer->n_proposals >= IKE_MAX_PROPOSALS)
      return IKE_SA_TOO_MANY;
    if (len - off < ISAKMP_GENERIC_LEN)
      return IKE_SA_LENGTH;

    size_t plen = isakmp_get16(body + off + 2);
    if (plen > len - off)
      return IKE_SA_LENGTH;
    ike_proposal *prop = &offer->prop[offer->n_proposals];
    enum ike_sa_error e = parse_proposal(body + off, plen, phase, prop);
    if (e != IKE_SA_OK)
      return e;

    offer->n_proposals++;
    np = body[off];
    off += plen;
  }
  if (np != ISAKMP_NP_NONE)
    return IKE_SA_CHAIN;
  if (offer->n_proposals == 0)
    return IKE_SA_NO_PROPOSAL;
  return IKE_SA_OK;
}

/* ---- Encoding ----------------------------------------------------------- */

static void put_attr_tv(ike_writer *w, uint16_t type, uint16_t value) {
  ike_put16(w, ATTR_AF | type);
  ike_put16(w, value);
}

/* Life durations above 16 bits need the 4-byte TLV form. */
static void put_attr_duration(ike_writer *w, uint16_t type, uint64_t value) {
  if (value <= 0xffff) {
    put_attr_tv(w, type, (uint16_t)value);
    return;
  }
  ike_put16(w, type);
  ike_put16(w, 4);
  ike_put32(w, value > UINT32_MAX ? UINT32_MAX : (uint32_t)value);
}

static void put_phase1_attrs(ike_writer *w, const ike_xform *xf) {
  put_attr_tv(w, IKE_ATTR_ENC, xf->cipher);
  if (xf->key_bits)
    put_attr_tv(w, IKE_ATTR_KEY_LEN, xf->key_bits);
  put_attr_tv(w, IKE_ATTR_HASH, xf->hash);
  put_attr_tv(w, IKE_ATTR_AUTH, xf->auth);
  put_attr_tv(w, IKE_ATTR_GROUP, xf->group);
  if (xf->life_seconds) {
    put_attr_tv(w, IKE_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
    put_attr_duration(w, IKE_ATTR_LIFE_DURATION, xf->life_seconds);
  }
}

static void put_phase2_attrs(ike_writer *w, const ike_xform *xf) {
  if (xf->life_seconds) {
    put_attr_tv(w, IPSEC_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
    put_attr_duration(w, IPSEC_ATTR_LIFE_DURATION, xf->life_seconds);
  }
  if (xf->life_kbytes) {
    put_attr_tv(w, IPSEC_ATTR_LIFE_TYPE, IKE_LIFE_KILOBYTES);
    put_attr_duration(w, IPSEC_ATTR_LIFE_DURATION, xf->life_kbytes);
  }
  if (xf->group)
    put_attr_tv(w, IPSEC_ATTR_GROUP, xf->group);
  put_attr_tv(w, IPSEC_ATTR_ENCAP, xf->encap);
  if (xf->integ)
    put_attr_tv(w, IPSEC_ATTR_AUTH, xf->integ);
  if (xf->key_bits)
    put_attr_tv(w, IPSEC_ATTR_KEY_LEN, xf->key_bits);
}

static void put_xform(ike_writer *w, enum ike_phase phase, const ike_xform *xf,
                      uint8_t number, bool last) {
  size_t start = w->len;

  if (xf->raw != NULL && xf->raw_len >= XFORM_FIXED) {
    ike_put_bytes(w, xf->raw, xf->raw_len);
  } else {
    ike_put32(w, 0);
    ike_put8(w, number);
    ike_put8(w, phase == IKE_PHASE1 ? ISAKMP_KEY_IKE : (uint8_t)xf->cipher);
    ike_put16(w, 0);
    if (phase == IKE_PHASE1)
      put_phase1_attrs(w, xf);
    else
      put_phase2_attrs(w, xf);
  }
  if (w->failed)
    return;

  size_t len = w->len - start;
  w->buf[start] = last ? ISAKMP_NP_NONE : ISAKMP_NP_T;
  w->buf[start + 1] = 0;
  w->buf[start + 2] = (uint8_t)(len >> 8);
  w->buf[start + 3] = (uint8_t)len;
}

void l2tpsec__ike_sa_write(ike_writer *w, enum ike_phase phase,
                           const ike_proposal *prop, const ike_xform *xf,
                           size_t n) {
  size_t sa = l2tpsec__ike_payload_begin(w, ISAKMP_NP_SA);
  ike_put32(w, ISAKMP_DOI_IPSEC);
  ike_put32(w, ISAKMP_SIT_IDENTITY_ONLY);

  size_t p = w->len;
  ike_put16(w, 0); /* last (only) proposal: next payload 0, reserved */
  ike_put16(w, 0);
  ike_put8(w, prop->number);
  ike_put8(w, prop->protocol);
  ike_put8(w, prop->spi_len);
  ike_put8(w, (uint8_t)n);
  ike_put_bytes(w, prop->spi, prop->spi_len);
  for (size_t i = 0; i < n; i++)
    put_xform(w, phase, &xf[i], (uint8_t)(i + 1), i + 1 == n);

  if (!w->failed) {
    size_t plen = w->len - p;
    w->buf[p + 2] = (uint8_t)(plen >> 8);
    w->buf[p + 3] = (uint8_t)plen;
  }
  l2tpsec__ike_payload_end(w, sa);
}
