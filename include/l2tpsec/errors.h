/*
 * Error codes. Every public function that can fail returns 0 on success
 * or one of these negative codes; each function's comment lists the codes
 * it returns.
 */
#ifndef L2TPSEC_ERRORS_H
#define L2TPSEC_ERRORS_H

#include "l2tpsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum l2tpsec_error {
  L2TPSEC_OK = 0,
  /* A caller passed an argument outside its documented range. */
  L2TPSEC_ERR_INVALID_ARGUMENT = -1,
  /* An allocation failed. */
  L2TPSEC_ERR_NOMEM = -2,
  /* A received message violates its protocol's encoding rules. */
  L2TPSEC_ERR_MALFORMED = -3,
  /* A received message is shorter than its headers say. */
  L2TPSEC_ERR_TRUNCATED = -4,
  /* A packet buffer has too little headroom or tailroom. */
  L2TPSEC_ERR_NOBUFS = -5,
  /* An integrity check (ICV, HASH, authenticator) failed. */
  L2TPSEC_ERR_INTEGRITY = -6,
  /* A message was already received (anti-replay, duplicate). */
  L2TPSEC_ERR_REPLAY = -7,
  /* No object matches the given identifier (SPI, tunnel id, cookie). */
  L2TPSEC_ERR_NOT_FOUND = -8,
  /* The call is not valid in the object's current state. */
  L2TPSEC_ERR_STATE = -9,
  /* The algorithm, option or message type is not implemented. */
  L2TPSEC_ERR_UNSUPPORTED = -10,
  /* The crypto backend reported a failure. */
  L2TPSEC_ERR_CRYPTO = -11,
  /* None of the peer's proposals is acceptable under the local policy. */
  L2TPSEC_ERR_NO_PROPOSAL = -12,
  /* Authentication of a peer or user failed. */
  L2TPSEC_ERR_AUTH_FAILED = -13,
  /* A retransmission or response limit ran out. */
  L2TPSEC_ERR_TIMEOUT = -14,
  /* A configured limit (table size, rate, count) was reached. */
  L2TPSEC_ERR_LIMIT = -15,
  /* A system call failed; the log line holds errno's text. */
  L2TPSEC_ERR_IO = -16,
  /* The object was closed or is being torn down. */
  L2TPSEC_ERR_CLOSED = -17,
  /* The operation cannot complete now; retry later. */
  L2TPSEC_ERR_AGAIN = -18,
  /* A configuration value is invalid. */
  L2TPSEC_ERR_CONFIG = -19,
  /* A sequence number or counter would wrap (hard SA limit). */
  L2TPSEC_ERR_EXHAUSTED = -20,
};

/* Returns a static English description of an error code; never NULL. */
L2TPSEC_API const char *l2tpsec_strerror(int err);

/*
 * Returns 1 when an error returned by an object means that the object is
 * no longer usable and must be deleted, 0 when it only concerned one
 * message or call.
 */
L2TPSEC_API int l2tpsec_err_is_fatal(int err);

#ifdef __cplusplus
}
#endif

#endif
