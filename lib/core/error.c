/* Error code descriptions. */
#include "l2tpsec/errors.h"

const char *l2tpsec_version(void) { return L2TPSEC_VERSION_STRING; }

const char *l2tpsec_strerror(int err) {
  switch (err) {
  case L2TPSEC_OK:
    return "success";
  case L2TPSEC_ERR_INVALID_ARGUMENT:
    return "invalid argument";
  case L2TPSEC_ERR_NOMEM:
    return "out of memory";
  case L2TPSEC_ERR_MALFORMED:
    return "malformed message";
  case L2TPSEC_ERR_TRUNCATED:
    return "truncated message";
  case L2TPSEC_ERR_NOBUFS:
    return "not enough room in packet buffer";
  case L2TPSEC_ERR_INTEGRITY:
    return "integrity check failed";
  case L2TPSEC_ERR_REPLAY:
    return "replayed or duplicate message";
  case L2TPSEC_ERR_NOT_FOUND:
    return "no matching object";
  case L2TPSEC_ERR_STATE:
    return "operation not valid in the current state";
  case L2TPSEC_ERR_UNSUPPORTED:
    return "not supported";
  case L2TPSEC_ERR_CRYPTO:
    return "crypto backend failure";
  case L2TPSEC_ERR_NO_PROPOSAL:
    return "no acceptable proposal";
  case L2TPSEC_ERR_AUTH_FAILED:
    return "authentication failed";
  case L2TPSEC_ERR_TIMEOUT:
    return "timed out";
  case L2TPSEC_ERR_LIMIT:
    return "limit reached";
  case L2TPSEC_ERR_IO:
    return "system call failed";
  case L2TPSEC_ERR_CLOSED:
    return "object closed";
  case L2TPSEC_ERR_AGAIN:
    return "try again later";
  case L2TPSEC_ERR_CONFIG:
    return "invalid configuration";
  case L2TPSEC_ERR_EXHAUSTED:
    return "sequence number space exhausted";
  default:
    return "unknown error";
  }
}

int l2tpsec_err_is_fatal(int err) {
  switch (err) {
  case L2TPSEC_ERR_NOMEM:
  case L2TPSEC_ERR_CRYPTO:
  case L2TPSEC_ERR_TIMEOUT:
  case L2TPSEC_ERR_CLOSED:
  case L2TPSEC_ERR_EXHAUSTED:
    return 1;
  default:
    return 0;
  }
}
