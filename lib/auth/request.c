/* Names, request completion and the secret check shared by every
 * authenticator. */
#include <string.h>

#include "auth/chap.h"
#include "l2tpsec/auth.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

const char *l2tpsec_auth_method_name(enum l2tpsec_auth_method method) {
  switch (method) {
  case L2TPSEC_AUTH_NONE:
    return "none";
  case L2TPSEC_AUTH_PAP:
    return "PAP";
  case L2TPSEC_AUTH_CHAP_MD5:
    return "CHAP-MD5";
  case L2TPSEC_AUTH_MSCHAPV2:
    return "MS-CHAPv2";
  case L2TPSEC_AUTH_EAP:
    return "EAP";
  }
  return "invalid";
}

const char *l2tpsec_auth_reason_name(enum l2tpsec_auth_reason reason) {
  switch (reason) {
  case L2TPSEC_AUTH_REASON_NONE:
    return "none";
  case L2TPSEC_AUTH_REASON_UNKNOWN_USER:
    return "unknown user";
  case L2TPSEC_AUTH_REASON_WRONG_PASSWORD:
    return "wrong password";
  case L2TPSEC_AUTH_REASON_WRONG_CODE:
    return "wrong code";
  case L2TPSEC_AUTH_REASON_WRONG_PASSWORD_OR_CODE:
    return "wrong password or code";
  case L2TPSEC_AUTH_REASON_REPLAYED_CODE:
    return "code already used";
  case L2TPSEC_AUTH_REASON_MISSING_CODE:
    return "code missing";
  case L2TPSEC_AUTH_REASON_LOCKED_OUT:
    return "locked out after repeated failures";
  case L2TPSEC_AUTH_REASON_METHOD_UNUSABLE:
    return "method unusable with the stored secret";
  case L2TPSEC_AUTH_REASON_BACKEND_ERROR:
    return "authentication backend error";
  case L2TPSEC_AUTH_REASON_POLICY:
    return "rejected by policy";
  case L2TPSEC_AUTH_REASON_TIMEOUT:
    return "no decision in time";
  }
  return "invalid";
}

int l2tpsec_auth_complete(const l2tpsec_auth_request *req,
                          const l2tpsec_auth_result *result,
                          l2tpsec_tstamp now) {
  if (req == NULL || result == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (req->complete_fn == NULL)
    return L2TPSEC_ERR_STATE;
  req->complete_fn(req->owner, req, result, now);
  return 0;
}

static int check_chap_md5(const l2tpsec_auth_request *req,
                          const uint8_t *secret, size_t secret_len) {
  uint8_t expected[16];
  int rc;

  if (req->response == NULL || req->response_len != 16 ||
      req->challenge == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = l2tpsec__chap_md5_response(req->chap_id, secret, secret_len,
                                  req->challenge, req->challenge_len,
                                  expected);
  if (rc != 0)
    return L2TPSEC_ERR_CRYPTO;
  return l2tpsec_memeq_consttime(expected, req->response, 16)
             ? 0
             : L2TPSEC_ERR_AUTH_FAILED;
}

static int check_mschapv2(const l2tpsec_auth_request *req,
                          const uint8_t *secret, size_t secret_len,
                          uint8_t *auth_response) {
  uint8_t hash[16], expected[24];
  int rc;

  if (req->peer_challenge == NULL || req->nt_response == NULL ||
      req->challenge == NULL || req->challenge_len != 16)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = l2tpsec__nt_password_hash(secret, secret_len, hash);
  if (rc == L2TPSEC_ERR_INVALID_ARGUMENT)
    return L2TPSEC_ERR_AUTH_FAILED; /* longer than any client can send */
  if (rc == 0)
    rc = l2tpsec__mschapv2_nt_response(req->challenge, req->peer_challenge,
                                       req->user, req->user_len, hash,
                                       expected);
  if (rc == 0 && !l2tpsec_memeq_consttime(expected, req->nt_response, 24))
    rc = L2TPSEC_ERR_AUTH_FAILED;
  else if (rc == 0 && auth_response != NULL)
    rc = l2tpsec__mschapv2_auth_response(hash, req->nt_response,
                                         req->peer_challenge, req->challenge,
                                         req->user, req->user_len,
                                         auth_response);
  l2tpsec_wipe(hash, sizeof(hash));
  if (rc != 0 && rc != L2TPSEC_ERR_AUTH_FAILED)
    return L2TPSEC_ERR_CRYPTO;
  return rc;
}

int l2tpsec_auth_check_secret(const l2tpsec_auth_request *req,
                              const uint8_t *secret, size_t secret_len,
                              uint8_t *auth_response) {
  if (req == NULL || (secret == NULL && secret_len > 0))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  switch (req->method) {
  case L2TPSEC_AUTH_PAP:
    if (req->password == NULL && req->password_len > 0)
      return L2TPSEC_ERR_INVALID_ARGUMENT;
    /* The length is not secret: clients send it in clear beside it. */
    if (req->password_len != secret_len)
      return L2TPSEC_ERR_AUTH_FAILED;
    return l2tpsec_memeq_consttime(req->password, secret, secret_len)
               ? 0
               : L2TPSEC_ERR_AUTH_FAILED;
  case L2TPSEC_AUTH_CHAP_MD5:
    return check_chap_md5(req, secret, secret_len);
  case L2TPSEC_AUTH_MSCHAPV2:
    return check_mschapv2(req, secret, secret_len, auth_response);
  default:
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  }
}
