/*
 * PAM on libuv worker threads. A job owns copies of the user name and
 * password, so the worker never touches PPP's request. Only the loop
 * thread reads or completes the request.
 */
#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/pam.h"

#define SERVICE_MAX 64

struct pam_job {
  uv_work_t work;
  l2tpsec_pam_authenticator *owner;
  const l2tpsec_auth_request *req; /* NULL once cancelled */
  struct pam_job *next;
  char user[L2TPSEC_AUTH_NAME_MAX + 1];
  char password[L2TPSEC_AUTH_PASSWORD_MAX + 1];
  char rhost[64];
  int rc; /* PAM result, set by the worker */
};

struct l2tpsec_pam_authenticator {
  uv_loop_t *loop;
  char service[SERVICE_MAX];
  bool check_account;
  l2tpsec_log log;
  struct pam_job *jobs; /* in flight */
  bool closing;
};

void l2tpsec_pam_settings_default(l2tpsec_pam_settings *s) {
  memset(s, 0, sizeof(*s));
  s->service = "l2tpsec";
  s->check_account = true;
}

int l2tpsec_pam_authenticator_new(l2tpsec_pam_authenticator **pauth,
                                  uv_loop_t *loop,
                                  const l2tpsec_pam_settings *s) {
  l2tpsec_pam_authenticator *a;

  if (pauth == NULL || loop == NULL || s == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (s->service == NULL || s->service[0] == '\0' ||
      strlen(s->service) >= SERVICE_MAX)
    return L2TPSEC_ERR_CONFIG;

  a = calloc(1, sizeof(*a));
  if (a == NULL)
    return L2TPSEC_ERR_NOMEM;
  a->loop = loop;
  memcpy(a->service, s->service, strlen(s->service) + 1);
  a->check_account = s->check_account;
  a->log = s->log;
  *pauth = a;
  return 0;
}

void l2tpsec_pam_authenticator_close(l2tpsec_pam_authenticator *a) {
  if (a == NULL)
    return;
  if (a->jobs == NULL) {
    free(a);
    return;
  }
  /* The last finishing job frees the authenticator. */
  a->closing = true;
  for (struct pam_job *j = a->jobs; j != NULL; j = j->next)
    j->req = NULL;
}

/*
 * Answers PAM's prompts: every hidden prompt gets the password (the
 * only thing PAP gives us), visible prompts fail the conversation, and
 * messages are ignored.
 */
static int converse(int count, const struct pam_message **msgs,
                    struct pam_response **responses, void *data) {
  const struct pam_job *job = data;
  struct pam_response *out = calloc((size_t)count, sizeof(*out));

  if (out == NULL)
    return PAM_BUF_ERR;
  for (int i = 0; i < count; i++) {
    if (msgs[i]->msg_style == PAM_PROMPT_ECHO_ON)
      goto fail;
    if (msgs[i]->msg_style != PAM_PROMPT_ECHO_OFF)
      continue;
    out[i].resp = strdup(job->password);
    if (out[i].resp == NULL)
      goto fail;
  }
  *responses = out;
  return PAM_SUCCESS;

fail:
  for (int i = 0; i < count; i++) {
    if (out[i].resp != NULL) {
      l2tpsec_wipe(out[i].resp, strlen(out[i].resp));
      free(out[i].resp);
    }
  }
  free(out);
  return PAM_CONV_ERR;
}

/* Runs on a worker thread: touches only the job. */
static void run_pam(uv_work_t *work) {
  struct pam_job *job = work->data;
  struct pam_conv conv = {converse, job};
  pam_handle_t *handle = NULL;
  int rc = pam_start(job->owner->service, job->user, &conv, &handle);

  if (rc == PAM_SUCCESS && job->rhost[0] != '\0')
    rc = pam_set_item(handle, PAM_RHOST, job->rhost);
  if (rc == PAM_SUCCESS)
    rc = pam_authenticate(handle, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
  if (rc == PAM_SUCCESS && job->owner->check_account)
    rc = pam_acct_mgmt(handle, PAM_SILENT);
  if (handle != NULL)
    pam_end(handle, rc);
  job->rc = rc;
}

static enum l2tpsec_auth_reason reason_of(int rc) {
  switch (rc) {
  case PAM_AUTH_ERR:
    return L2TPSEC_AUTH_REASON_WRONG_PASSWORD_OR_CODE;
  case PAM_USER_UNKNOWN:
    return L2TPSEC_AUTH_REASON_UNKNOWN_USER;
  case PAM_MAXTRIES:
    return L2TPSEC_AUTH_REASON_LOCKED_OUT;
  case PAM_ACCT_EXPIRED:
  case PAM_NEW_AUTHTOK_REQD:
  case PAM_PERM_DENIED:
    return L2TPSEC_AUTH_REASON_POLICY;
  default:
    return L2TPSEC_AUTH_REASON_BACKEND_ERROR;
  }
}

static void unlink_job(l2tpsec_pam_authenticator *a, struct pam_job *job) {
  for (struct pam_job **p = &a->jobs; *p != NULL; p = &(*p)->next) {
    if (*p == job) {
      *p = job->next;
      return;
    }
  }
}

/* Runs on the loop thread once the worker is done. */
static void finish_pam(uv_work_t *work, int status) {
  struct pam_job *job = work->data;
  l2tpsec_pam_authenticator *a = job->owner;
  const l2tpsec_auth_request *req = job->req;
  l2tpsec_auth_result result;

  unlink_job(a, job);
  if (req != NULL) {
    memset(&result, 0, sizeof(result));
    result.accept = status == 0 && job->rc == PAM_SUCCESS;
    if (!result.accept) {
      result.reason = reason_of(job->rc);
      L2TPSEC_LOG(&a->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
                  "pam: service %s rejected user %s: %s", a->service, job->user,
                  pam_strerror(NULL, job->rc));
    }
    l2tpsec_auth_complete(req, &result, uv_hrtime());
  }

  l2tpsec_wipe(job, sizeof(*job));
  free(job);
  if (a->closing && a->jobs == NULL)
    free(a);
}

/* Copies "host" out of "host:port" for PAM_RHOST; IPv6 keeps its colons. */
static void copy_rhost(char *out, size_t cap, const char *peer) {
  const char *colon = peer != NULL ? strrchr(peer, ':') : NULL;
  size_t len = peer != NULL ? strlen(peer) : 0;

  if (colon != NULL && strchr(peer, ':') == colon)
    len = (size_t)(colon - peer);
  if (len >= cap)
    len = cap - 1;
  if (len > 0)
    memcpy(out, peer, len);
  out[len] = '\0';
}

static void reject_now(const l2tpsec_auth_request *req,
                       enum l2tpsec_auth_reason reason) {
  l2tpsec_auth_result result;

  memset(&result, 0, sizeof(result));
  result.reason = reason;
  l2tpsec_auth_complete(req, &result, uv_hrtime());
}

void l2tpsec_pam_authenticator_request(void *auth,
                                       const l2tpsec_auth_request *req) {
  l2tpsec_pam_authenticator *a = auth;
  struct pam_job *job;

  if (req->method != L2TPSEC_AUTH_PAP) {
    reject_now(req, L2TPSEC_AUTH_REASON_METHOD_UNUSABLE);
    return;
  }
  /* PAM takes C strings: a password with a NUL byte cannot be passed. */
  if (req->user_len > L2TPSEC_AUTH_NAME_MAX ||
      req->password_len > L2TPSEC_AUTH_PASSWORD_MAX ||
      memchr(req->password, 0, req->password_len) != NULL) {
    reject_now(req, L2TPSEC_AUTH_REASON_WRONG_PASSWORD);
    return;
  }

  job = calloc(1, sizeof(*job));
  if (job == NULL) {
    reject_now(req, L2TPSEC_AUTH_REASON_BACKEND_ERROR);
    return;
  }
  job->work.data = job;
  job->owner = a;
  job->req = req;
  memcpy(job->user, req->user, req->user_len);
  memcpy(job->password, req->password, req->password_len);
  copy_rhost(job->rhost, sizeof(job->rhost), req->peer);

  if (uv_queue_work(a->loop, &job->work, run_pam, finish_pam) != 0) {
    l2tpsec_wipe(job, sizeof(*job));
    free(job);
    reject_now(req, L2TPSEC_AUTH_REASON_BACKEND_ERROR);
    return;
  }
  job->next = a->jobs;
  a->jobs = job;
}

void l2tpsec_pam_authenticator_cancel(void *auth,
                                      const l2tpsec_auth_request *req) {
  l2tpsec_pam_authenticator *a = auth;

  /* The worker cannot be stopped; its result is discarded instead. */
  for (struct pam_job *j = a->jobs; j != NULL; j = j->next) {
    if (j->req == req)
      j->req = NULL;
  }
}
