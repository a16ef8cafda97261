/*
 * Outgoing datagrams collected during one turn of the data path. They
 * are sent with one sendmmsg(2) call per run of datagrams for the same
 * socket, so a burst of packets read from the TUN device costs one
 * system call in place of one per packet.
 */
#ifndef L2TPSEC_UV_SEND_QUEUE_H
#define L2TPSEC_UV_SEND_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Datagrams one queue holds; a full queue is flushed before the next. */
#define L2TPSEC__SEND_QUEUE_MAX 64
/* Largest datagram a queue slot takes. ESP of a 1500-byte inner packet
 * stays below it; larger datagrams bypass the queue. */
#define L2TPSEC__SEND_QUEUE_SLOT 2048

typedef struct l2tpsec__send_queue {
  size_t count;
  int fd[L2TPSEC__SEND_QUEUE_MAX];
  struct sockaddr_storage to[L2TPSEC__SEND_QUEUE_MAX];
  socklen_t to_len[L2TPSEC__SEND_QUEUE_MAX];
  size_t len[L2TPSEC__SEND_QUEUE_MAX];
  uint8_t data[L2TPSEC__SEND_QUEUE_MAX][L2TPSEC__SEND_QUEUE_SLOT];
} l2tpsec__send_queue;

/*
 * Copies one datagram for `fd` to `to` into the queue. Returns 0,
 * L2TPSEC_ERR_LIMIT when the queue is full (flush it and retry) or
 * L2TPSEC_ERR_INVALID_ARGUMENT when `len` exceeds a slot or `to_len`
 * a sockaddr_storage (send it directly).
 */
int l2tpsec__send_queue_push(l2tpsec__send_queue *q, int fd,
                             const struct sockaddr *to, socklen_t to_len,
                             const uint8_t *data, size_t len);

/*
 * Sends every queued datagram in order, without blocking, and empties
 * the queue. Returns how many were dropped: a full socket buffer or a
 * send error drops the rest of that socket's run, as a single
 * non-blocking send would drop its datagram.
 */
size_t l2tpsec__send_queue_flush(l2tpsec__send_queue *q);

#endif
