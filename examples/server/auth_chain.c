/*
 * The chain hands each authenticator a copy of PPP's request whose
 * completion comes back here; the chain then either passes the request
 * on to the next authenticator or completes PPP's own request with the
 * result.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "auth_chain.h"
#include "authenticator.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/pam.h"

enum chain_step { STEP_LOCAL, STEP_RADIUS, STEP_PAM };

/* One request of PPP while the chain decides it. */
struct chain_job {
  struct auth_chain *chain;
  const l2tpsec_auth_request *ppp_request;
  l2tpsec_auth_request step_request; /* the copy the current step completes */
  size_t step;
  struct chain_job *next;
};

struct auth_chain {
  enum chain_step steps[CONFIG_MAX_LIST];
  size_t step_count;
  struct log_sink *log;
  l2tpsec_local_auth *local;
  l2tpsec_radius_authenticator *radius;
  l2tpsec_pam_authenticator *pam;
  struct chain_job *jobs;
  auth_chain_disconnect_fn disconnect;
  void *user_data;
};

static const char *step_name(enum chain_step step) {
  switch (step) {
  case STEP_LOCAL:
    return "local";
  case STEP_RADIUS:
    return "radius";
  default:
    return "pam";
  }
}

/* ---- Creating the authenticators ---- */

static int fill_server(const struct server_config *c, size_t i,
                       l2tpsec_radius_server *server) {
  struct sockaddr_in *v4 = (struct sockaddr_in *)&server->addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&server->addr;
  const char *text = c->radius_servers.items[i];

  memset(server, 0, sizeof(*server));
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1)
    v4->sin_family = AF_INET;
  else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1)
    v6->sin6_family = AF_INET6;
  else
    return L2TPSEC_ERR_CONFIG;
  server->auth_port = c->radius.auth_port;
  server->acct_port = c->radius.acct_port;
  server->secret = (const uint8_t *)c->radius_secret;
  server->secret_len = strlen(c->radius_secret);
  return 0;
}

/* The configured servers are also the hosts allowed to send
 * Disconnect-Requests, with the same secret. */
static int fill_radius(const struct server_config *c, l2tpsec_log log,
                       l2tpsec_radius_uv_settings *s) {
  l2tpsec_radius_settings *r = &s->radius;

  l2tpsec_radius_uv_settings_default(s);
  for (size_t i = 0; i < c->radius_servers.count; i++) {
    l2tpsec_radius_dae_client *dae = &r->dae_clients[i];

    if (fill_server(c, i, &r->servers[i]) != 0)
      return L2TPSEC_ERR_CONFIG;
    dae->addr = r->servers[i].addr;
    dae->secret = r->servers[i].secret;
    dae->secret_len = r->servers[i].secret_len;
  }
  r->server_count = c->radius_servers.count;
  r->dae_client_count = c->radius_servers.count;
  r->retry_interval = (l2tpsec_duration)c->radius.retry_s * L2TPSEC_SECONDS;
  r->server_timeout = (l2tpsec_duration)c->radius.timeout_s * L2TPSEC_SECONDS;
  r->dead_time = (l2tpsec_duration)c->radius.dead_time_s * L2TPSEC_SECONDS;
  r->nas_identifier = c->radius.nas_identifier;
  r->require_message_authenticator = c->radius.require_message_authenticator;
  r->acct_require_message_authenticator =
      c->radius.acct_require_message_authenticator;
  r->dae_require_event_timestamp = c->radius.require_event_timestamp;
  r->log = log;
  s->dae_address = c->radius.dae_listen[0] ? c->radius.dae_listen : NULL;
  s->dae_port = c->radius.dae_port;
  return 0;
}

static int forward_disconnect(void *user_data,
                              const l2tpsec_radius_disconnect *sel) {
  struct auth_chain *chain = user_data;

  return chain->disconnect(chain->user_data, sel);
}

static int open_radius(struct auth_chain *chain, uv_loop_t *loop,
                       const struct server_config *c) {
  const l2tpsec_radius_uv_callbacks cb = {NULL, NULL, forward_disconnect};
  l2tpsec_radius_uv_settings s;
  int rv;

  rv = fill_radius(c, log_sink_for_library(chain->log), &s);
  if (rv == 0)
    rv = l2tpsec_radius_authenticator_new(&chain->radius, loop, &s, &cb, chain);
  if (rv != 0)
    log_line(chain->log, L2TPSEC_LOG_ERROR,
             "cannot start the RADIUS authenticator: %s", l2tpsec_strerror(rv));
  return rv;
}

static int open_pam(struct auth_chain *chain, uv_loop_t *loop,
                    const struct server_config *c) {
  l2tpsec_pam_settings s;
  int rv;

  l2tpsec_pam_settings_default(&s);
  s.service = c->pam_service;
  s.check_account = c->pam_check_account;
  s.log = log_sink_for_library(chain->log);
  rv = l2tpsec_pam_authenticator_new(&chain->pam, loop, &s);
  if (rv != 0)
    log_line(chain->log, L2TPSEC_LOG_ERROR,
             "cannot start the PAM authenticator for service '%s': %s",
             c->pam_service, l2tpsec_strerror(rv));
  return rv;
}

static int open_step(struct auth_chain *chain, uv_loop_t *loop,
                     const struct server_config *c, const char *name) {
  if (strcmp(name, "local") == 0) {
    chain->steps[chain->step_count++] = STEP_LOCAL;
    return chain->local ? 0
                        : authenticator_open(&chain->local, c,
                                             log_sink_for_library(chain->log));
  }
  if (strcmp(name, "radius") == 0) {
    chain->steps[chain->step_count++] = STEP_RADIUS;
    return chain->radius ? 0 : open_radius(chain, loop, c);
  }
  chain->steps[chain->step_count++] = STEP_PAM;
  return chain->pam ? 0 : open_pam(chain, loop, c);
}

int auth_chain_open(struct auth_chain **pchain, uv_loop_t *loop,
                    const struct server_config *c, struct log_sink *log,
                    auth_chain_disconnect_fn disconnect, void *user_data) {
  struct auth_chain *chain = calloc(1, sizeof(*chain));
  int rv = 0;

  if (chain == NULL)
    return L2TPSEC_ERR_NOMEM;
  chain->log = log;
  chain->disconnect = disconnect;
  chain->user_data = user_data;
  for (size_t i = 0; i < c->chain.count && rv == 0; i++)
    rv = open_step(chain, loop, c, c->chain.items[i]);
  if (rv != 0) {
    auth_chain_close(chain);
    return rv;
  }
  *pchain = chain;
  return 0;
}

void auth_chain_close(struct auth_chain *chain) {
  if (chain == NULL)
    return;
  while (chain->jobs != NULL) {
    struct chain_job *job = chain->jobs;

    chain->jobs = job->next;
    free(job);
  }
  l2tpsec_local_auth_del(chain->local);
  l2tpsec_radius_authenticator_close(chain->radius);
  l2tpsec_pam_authenticator_close(chain->pam);
  free(chain);
}

int auth_chain_reload_local(struct auth_chain *chain,
                            const struct server_config *c) {
  l2tpsec_local_auth *fresh;
  int rv;

  if (chain->local == NULL)
    return 0;
  rv = authenticator_open(&fresh, c, log_sink_for_library(chain->log));
  if (rv != 0)
    return rv;
  l2tpsec_local_auth_del(chain->local);
  chain->local = fresh;
  return 0;
}

l2tpsec_radius_uv *auth_chain_radius(struct auth_chain *chain) {
  return l2tpsec_radius_authenticator_client(chain->radius);
}

/* ---- Deciding a request ---- */

static void unlink_job(struct auth_chain *chain, struct chain_job *job) {
  for (struct chain_job **p = &chain->jobs; *p != NULL; p = &(*p)->next) {
    if (*p == job) {
      *p = job->next;
      return;
    }
  }
}

static void start_step(struct chain_job *job) {
  struct auth_chain *chain = job->chain;

  /* The local store completes inside the call, which may free the job:
   * each branch is the last use of it. */
  switch (chain->steps[job->step]) {
  case STEP_LOCAL:
    l2tpsec_local_auth_request(chain->local, &job->step_request);
    break;
  case STEP_RADIUS:
    l2tpsec_radius_authenticator_request(chain->radius, &job->step_request);
    break;
  case STEP_PAM:
    l2tpsec_pam_authenticator_request(chain->pam, &job->step_request);
    break;
  }
}

/* True when a reject means "ask the next authenticator". */
static bool undecided(const l2tpsec_auth_result *result) {
  return !result->accept &&
         (result->reason == L2TPSEC_AUTH_REASON_UNKNOWN_USER ||
          result->reason == L2TPSEC_AUTH_REASON_METHOD_UNUSABLE ||
          result->reason == L2TPSEC_AUTH_REASON_BACKEND_ERROR);
}

static void on_step_done(void *owner, const l2tpsec_auth_request *req,
                         const l2tpsec_auth_result *result,
                         l2tpsec_tstamp now) {
  struct chain_job *job = owner;
  struct auth_chain *chain = job->chain;
  const l2tpsec_auth_request *ppp_request = job->ppp_request;

  if (undecided(result) && job->step + 1 < chain->step_count) {
    log_line(chain->log, L2TPSEC_LOG_INFO,
             "user '%s': %s authenticator could not decide (%s); asking %s",
             req->user, step_name(chain->steps[job->step]),
             l2tpsec_auth_reason_name(result->reason),
             step_name(chain->steps[job->step + 1]));
    job->step++;
    job->step_request.now = now;
    start_step(job);
    return;
  }
  unlink_job(chain, job);
  free(job);
  l2tpsec_auth_complete(ppp_request, result, now);
}

void auth_chain_request(void *user_data, const l2tpsec_auth_request *req) {
  struct auth_chain *chain = user_data;
  struct chain_job *job = calloc(1, sizeof(*job));
  l2tpsec_auth_result reject;

  if (job == NULL || chain->step_count == 0) {
    free(job);
    memset(&reject, 0, sizeof(reject));
    reject.reason = L2TPSEC_AUTH_REASON_BACKEND_ERROR;
    l2tpsec_auth_complete(req, &reject, req->now);
    return;
  }
  job->chain = chain;
  job->ppp_request = req;
  job->step_request = *req;
  job->step_request.complete_fn = on_step_done;
  job->step_request.owner = job;
  job->next = chain->jobs;
  chain->jobs = job;
  start_step(job);
}

void auth_chain_cancel(void *user_data, const l2tpsec_auth_request *req) {
  struct auth_chain *chain = user_data;
  struct chain_job *job = chain->jobs;

  while (job != NULL && job->ppp_request != req)
    job = job->next;
  if (job == NULL)
    return;
  /* The local store never keeps a request, so only the others cancel. */
  if (chain->steps[job->step] == STEP_RADIUS)
    l2tpsec_radius_authenticator_cancel(chain->radius, &job->step_request);
  else if (chain->steps[job->step] == STEP_PAM)
    l2tpsec_pam_authenticator_cancel(chain->pam, &job->step_request);
  unlink_job(chain, job);
  free(job);
}
