/* Terminal QR code rendering with libqrencode. */
#include <qrencode.h>

#include "qr.h"

#define QUIET_ZONE 2 /* modules of light border; scanners need some */

static int is_dark(const QRcode *qr, int x, int y) {
  if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
    return 0;
  return qr->data[y * qr->width + x] & 1;
}

static const char *cell(int top_dark, int bottom_dark) {
  if (!top_dark && !bottom_dark)
    return "\u2588"; /* full block: both light */
  if (!top_dark)
    return "\u2580"; /* upper half block */
  if (!bottom_dark)
    return "\u2584"; /* lower half block */
  return " ";
}

int qr_print(FILE *out, const char *text) {
  QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  int from = -QUIET_ZONE;

  if (qr == NULL)
    return -1;
  for (int y = from; y < qr->width + QUIET_ZONE; y += 2) {
    for (int x = from; x < qr->width + QUIET_ZONE; x++)
      fputs(cell(is_dark(qr, x, y), is_dark(qr, x, y + 1)), out);
    fputc('\n', out);
  }
  QRcode_free(qr);
  return 0;
}
