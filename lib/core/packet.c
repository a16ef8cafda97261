/* Packet buffers over caller-owned storage. */
#include "l2tpsec/errors.h"
#include "l2tpsec/packet.h"

int l2tpsec_pkt_init(l2tpsec_pkt *pkt, uint8_t *storage, size_t size,
                     size_t headroom) {
  if (pkt == NULL || (storage == NULL && size > 0) || headroom > size)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  pkt->head = storage;
  pkt->data = storage + headroom;
  pkt->len = 0;
  pkt->size = size;
  pkt->pool = NULL;
  pkt->next = NULL;
  return 0;
}
