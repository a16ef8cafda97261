/*
 * libl2tpsec: L2TP/IPsec (IKEv1, ESP, L2TPv2, PPP) in user space.
 * Umbrella header: includes every public header.
 */
#ifndef L2TPSEC_H
#define L2TPSEC_H

#include "l2tpsec/auth.h"
#include "l2tpsec/common.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/esp.h"
#include "l2tpsec/ike.h"
#include "l2tpsec/l2tp.h"
#include "l2tpsec/log.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/packet.h"
#include "l2tpsec/ppp.h"
#include "l2tpsec/pam.h"
#include "l2tpsec/radius.h"
#include "l2tpsec/radius_uv.h"
#include "l2tpsec/rand.h"
#include "l2tpsec/server.h"
#include "l2tpsec/client.h"

#endif
