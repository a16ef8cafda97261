/*
 * PAM authenticator for PPP's PAP requests. PAM modules block (they read
 * files, ask other hosts, sleep after a failure), so each request runs
 * pam_authenticate and pam_acct_mgmt on a libuv worker thread and is
 * completed back on the loop thread. Only PAP works: PAM needs the clear
 * password, which CHAP and MS-CHAPv2 never reveal.
 *
 * A PAM stack with pam_google_authenticator's forward_pass option checks
 * "password immediately followed by the code" typed into the one
 * password field.
 */
#ifndef L2TPSEC_PAM_H
#define L2TPSEC_PAM_H

#include <stdbool.h>
#include <uv.h>

#include "l2tpsec/auth.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_pam_authenticator l2tpsec_pam_authenticator;

typedef struct l2tpsec_pam_settings {
  /* PAM service name: /etc/pam.d/<service> (default "l2tpsec"); copied. */
  const char *service;
  /* Also run pam_acct_mgmt, so expired or locked accounts are rejected
   * (default true). */
  bool check_account;
  l2tpsec_log log;
} l2tpsec_pam_settings;

/* Fills the defaults above. */
L2TPSEC_API void l2tpsec_pam_settings_default(l2tpsec_pam_settings *s);

/*
 * Creates the authenticator on `loop`. Returns
 * L2TPSEC_ERR_INVALID_ARGUMENT for a NULL argument, L2TPSEC_ERR_CONFIG
 * for an empty or over-long service name, or L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int
l2tpsec_pam_authenticator_new(l2tpsec_pam_authenticator **pauth,
                              uv_loop_t *loop,
                              const l2tpsec_pam_settings *settings);

/*
 * Frees the authenticator once its worker jobs have finished; requests
 * still running are never completed. Accepts NULL.
 */
L2TPSEC_API void
l2tpsec_pam_authenticator_close(l2tpsec_pam_authenticator *auth);

/*
 * Starts PAM for a PAP request on a worker thread; other methods are
 * rejected at once with L2TPSEC_AUTH_REASON_METHOD_UNUSABLE. Its
 * signature is l2tpsec_auth_request_fn with the authenticator as user
 * data.
 */
L2TPSEC_API void
l2tpsec_pam_authenticator_request(void *auth, const l2tpsec_auth_request *req);

/* Forgets a request PPP gave up on; an l2tpsec_auth_cancel_fn. */
L2TPSEC_API void
l2tpsec_pam_authenticator_cancel(void *auth, const l2tpsec_auth_request *req);

#ifdef __cplusplus
}
#endif

#endif
