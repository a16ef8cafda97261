/*
 * RADIUS accounting (RFC 2866) of the server's sessions: Start when a
 * session's IPCP opens, Interim-Update every interim_interval seconds,
 * Stop with its counters, duration and Acct-Terminate-Cause. The Class
 * values of the Access-Accept are echoed in every record.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_ACCOUNTING_H
#define L2TPSEC_EXAMPLE_SERVER_ACCOUNTING_H

#include <uv.h>

#include "config.h"
#include "l2tpsec/radius_uv.h"
#include "l2tpsec/server.h"
#include "log_sink.h"

struct accounting;

/*
 * Starts accounting through `radius` (which must outlive it) with the
 * interval of `config`. The server is set later with
 * accounting_set_server, because it is created after the
 * authenticators. Returns 0 or L2TPSEC_ERR_NOMEM.
 */
int accounting_open(struct accounting **pacct, uv_loop_t *loop,
                    l2tpsec_radius_uv *radius,
                    const struct server_config *config, struct log_sink *log);

/* Gives accounting the server whose sessions the Interim-Updates read. */
void accounting_set_server(struct accounting *acct, l2tpsec_server *server);

/* Sends Start or Stop for a server event. Accepts a NULL acct. */
void accounting_event(struct accounting *acct, const l2tpsec_server_event *ev);

/*
 * Sends Stop (NAS-Request) for every session with a Start, with the
 * server's current counters, before the server is deleted, which frees
 * its sessions without events. Returns how many records it queued.
 */
size_t accounting_stop_all(struct accounting *acct);

/* Stops the interim timer and frees the object during a later turn of the
 * loop. Accepts NULL. */
void accounting_close(struct accounting *acct);

#endif
