/* Outgoing datagrams sent together with sendmmsg(2). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "l2tpsec/errors.h"
#include "uv/send_queue.h"

int l2tpsec__send_queue_push(l2tpsec__send_queue *q, int fd,
                             const struct sockaddr *to, socklen_t to_len,
                             const uint8_t *data, size_t len) {
  size_t i = q->count;

  if (len > L2TPSEC__SEND_QUEUE_SLOT || to_len > sizeof(q->to[0]))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (i == L2TPSEC__SEND_QUEUE_MAX)
    return L2TPSEC_ERR_LIMIT;

  q->fd[i] = fd;
  memcpy(&q->to[i], to, to_len);
  q->to_len[i] = to_len;
  memcpy(q->data[i], data, len);
  q->len[i] = len;
  q->count++;
  return 0;
}

/* Sends msgs[0..n) on fd; returns how many were dropped. */
static size_t send_run(int fd, struct mmsghdr *msgs, size_t n) {
  size_t sent = 0;

  while (sent < n) {
    int rv = sendmmsg(fd, msgs + sent, (unsigned)(n - sent), MSG_DONTWAIT);

    if (rv < 0 && errno == EINTR)
      continue;
    if (rv <= 0)
      break;
    sent += (size_t)rv;
  }
  return n - sent;
}

size_t l2tpsec__send_queue_flush(l2tpsec__send_queue *q) {
  struct mmsghdr msgs[L2TPSEC__SEND_QUEUE_MAX];
  struct iovec iov[L2TPSEC__SEND_QUEUE_MAX];
  size_t dropped = 0, start = 0;

  memset(msgs, 0, q->count * sizeof(msgs[0]));
  for (size_t i = 0; i < q->count; i++) {
    iov[i].iov_base = q->data[i];
    iov[i].iov_len = q->len[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &q->to[i];
    msgs[i].msg_hdr.msg_namelen = q->to_len[i];
  }

  /* Consecutive datagrams for one socket go in one call. */
  while (start < q->count) {
    size_t end = start + 1;

    while (end < q->count && q->fd[end] == q->fd[start])
      end++;
    dropped += send_run(q->fd[start], msgs + start, end - start);
    start = end;
  }
  q->count = 0;
  return dropped;
}
