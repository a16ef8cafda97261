/*
 * Error notifications (RFC 2408 section 3.14.1, types 1 to 16383) that
 * a peer sent in an authenticated informational exchange. They are
 * logged with advice. A peer that rejected our main mode message 5 or 6
 * will not use the phase-1 SA, so that SA ends unless child SAs use it.
 */
#include "core/log_internal.h"
#include "ike/ike_internal.h"

#define ISAKMP_N_ERROR_MAX 16383

static const char *notify_name(uint16_t type) {
  switch (type) {
  case ISAKMP_N_NO_PROPOSAL_CHOSEN:
    return "NO-PROPOSAL-CHOSEN";
  case ISAKMP_N_PAYLOAD_MALFORMED:
    return "PAYLOAD-MALFORMED";
  case ISAKMP_N_INVALID_KEY_INFORMATION:
    return "INVALID-KEY-INFORMATION";
  case ISAKMP_N_INVALID_ID_INFORMATION:
    return "INVALID-ID-INFORMATION";
  case ISAKMP_N_INVALID_HASH_INFORMATION:
    return "INVALID-HASH-INFORMATION";
  case ISAKMP_N_AUTHENTICATION_FAILED:
    return "AUTHENTICATION-FAILED";
  default:
    return "error";
  }
}

static const char *advice(uint16_t type) {
  switch (type) {
  case ISAKMP_N_INVALID_ID_INFORMATION:
    return "; the peer does not accept our ID: set psk_id (id with "
           "certificates) to the ID it expects, or change its remote ID "
           "(Libreswan's rightid)";
  case ISAKMP_N_AUTHENTICATION_FAILED:
  case ISAKMP_N_INVALID_HASH_INFORMATION:
    return "; check that both sides use the same pre-shared key";
  default:
    return "";
  }
}

static bool has_child_sas(const ike_sa *sa) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    if (ike_qm_installed(&sa->qm[i]))
      return true;
  }
  return false;
}

bool l2tpsec__ike_peer_error(l2tpsec_ike *ike, ike_sa *sa, uint16_t type,
                             bool in_phase1, l2tpsec_tstamp now) {
  if (type == 0 || type > ISAKMP_N_ERROR_MAX)
    return true;

  ike->stats.peer_errors++;
  l2tpsec__log_limited(
      &ike->settings.log, &ike->log_limit, now, L2TPSEC_LOG_NOTICE,
      L2TPSEC_LOG_IKE, "IKE SA %llu: the peer sent %s (notification %u)%s%s",
      (unsigned long long)sa->id, notify_name(type), (unsigned)type,
      in_phase1 ? " and rejected phase 1" : "", advice(type));
  if (!in_phase1 || has_child_sas(sa))
    return true;
  l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_FAILED);
  return false;
}
