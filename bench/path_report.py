#!/usr/bin/python3
"""Turn the iperf3 reports that bench/path.sh collects into JSON lines.

Usage: path_report.py WORKDIR CORES

WORKDIR holds one iperf3 -J report per setup and case, named
SETUP-CASE.json, where SETUP is "anchor" or "anchorend" (no VPN, first
and last) or VPN-SUITE. Each figure is printed with its ratio to the
mean of the two anchor runs of the same case, and a VPN's figure also
with its ratio to the null VPN loop ("nullvpn.BACKEND") of the same
backend, suite and case: ours against the loop of our build's backend,
SoftEther (which links OpenSSL) against the OpenSSL loop. SETUP-CASE.load
holds the load average when the case started.

sessions.jsonl (bench_sessions) holds the setups per second and the
server's memory per held session; ike.jsonl (bench_ike of the same run)
their anchor: the CPU time of one in-memory IKE handshake with MODP2048,
the group our client and server negotiate, and the heap bytes per IKE SA.
softether-sessions.jsonl holds the same setup phases against SoftEther,
whose setups per second become a second anchor.
"""
import json
import pathlib
import sys

CASES = ("tcp", "udp1300", "udp64")


def received(report):
    """Return (Mbit/s, packets/s, bytes) at the receiver, or an error."""
    if "error" in report:
        return report["error"]
    total = report["end"]["sum_received"]
    seconds = total["seconds"] or 1.0
    mbps = total["bits_per_second"] / 1e6
    packets = total.get("packets")
    if packets is None:
        return mbps, None, total["bytes"]
    pps = (packets - total.get("lost_packets", 0)) / seconds
    return mbps, pps, total["bytes"]


def cpu_seconds(path):
    """Return the CPU seconds in a .cpu file ("TICKS TICKS-PER-SECOND")."""
    try:
        ticks, hertz = path.read_text().split()
        return int(ticks) / int(hertz)
    except (OSError, ValueError):
        return None


def load(path):
    try:
        return received(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError) as error:
        return f"no usable iperf3 report in {path.name}: {error}"


def anchor_mean(work, case):
    """Return the mean of the first and last anchor runs that succeeded."""
    runs = [load(work / f"{name}-{case}.json")
            for name in ("anchor", "anchorend")
            if (work / f"{name}-{case}.json").exists()]
    good = [run for run in runs if not isinstance(run, str)]
    if not good:
        return runs[0] if runs else "no anchor run"
    return (sum(run[0] for run in good) / len(good), None, None)


def null_setup(vpn, suite):
    """Return the null VPN loop setup that anchors VPN, or None."""
    if vpn.startswith("l2tpsec."):
        return f"nullvpn.{vpn.split('.', 1)[1]}-{suite}"
    if vpn == "softether":
        return f"nullvpn.openssl-{suite}"
    return None


def add_null_ratio(record, work, setup, case, result):
    """Add the null loop's rate, the ratio to it and the CPU ratio."""
    path = work / f"{setup}-{case}.json"
    null = load(path) if path.exists() else "no null VPN loop run"
    if isinstance(null, str):
        record["null_error"] = null
        return
    record["null_Mbps"] = round(null[0], 1)
    record["null_ratio"] = round(result[0] / null[0], 4) if null[0] else None
    cpu = cpu_seconds(work / f"{setup}-{case}.cpu")
    if cpu and null[2] and "cpu_ms_per_MB" in record:
        null_cpu = cpu * 1000 / (null[2] / 1e6)
        record["null_cpu_ms_per_MB"] = round(null_cpu, 3)
        record["cpu_vs_null"] = round(record["cpu_ms_per_MB"] / null_cpu, 3)


def load_average(work, setup, case):
    """Return the 1, 5 and 15-minute load averages at the case's start."""
    try:
        return [float(x) for x in
                (work / f"{setup}-{case}.load").read_text().split()]
    except (OSError, ValueError):
        return None


def read_jsonl(path):
    """Return the JSON objects of a file, one per line; [] if missing."""
    try:
        return [json.loads(line) for line in path.read_text().splitlines()
                if line.strip()]
    except (OSError, ValueError):
        return []


def session_records(work):
    """Yield the setup and memory records with their bench_ike anchors."""
    ike = read_jsonl(work / "ike.jsonl")
    handshake = next((r for r in ike if r.get("group") == "modp2048"
                      and r.get("handshakes_per_s")), None)
    memory = next((r for r in ike if r.get("bench") == "ike_memory"), None)
    try:
        load = [float(x) for x in (work / "sessions.load").read_text().split()]
    except (OSError, ValueError):
        load = None
    softether = {r["mode"]: r for r in
                 read_jsonl(work / "softether-sessions.jsonl")
                 if r.get("bench") == "setup"}
    for record in read_jsonl(work / "sessions.jsonl"):
        record["load"] = load
        theirs = softether.get(record.get("mode"))
        if theirs and theirs["setups_per_s"]:
            record["softether_setups_per_s"] = theirs["setups_per_s"]
            record["softether_server_cpu_ms_per_setup"] = theirs[
                "server_cpu_ms_per_setup"]
            record["softether_ratio"] = round(
                record["setups_per_s"] / theirs["setups_per_s"], 3)
        if record.get("bench") == "setup" and handshake:
            handshake_ms = 1000 / handshake["handshakes_per_s"]
            record["anchor_handshake_cpu_ms"] = round(handshake_ms, 3)
            record["setup_cpu_in_handshakes"] = round(
                record["server_cpu_ms_per_setup"] / handshake_ms, 3)
        if record.get("bench") == "sessions_rss" and memory:
            record["anchor_bytes_per_ike_sa"] = memory["bytes_per_ike_sa"]
            record["session_in_ike_sas"] = round(
                record["bytes_per_session"] / memory["bytes_per_ike_sa"], 2)
        yield record


def main():
    work = pathlib.Path(sys.argv[1])
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    print(json.dumps({"bench": "path-host", "cpu": cpu, "cores": sys.argv[2]}))

    anchors = {case: anchor_mean(work, case) for case in CASES}
    setups = {p.name.rsplit("-", 1)[0] for p in work.glob("*-*.json")}
    setups -= {"anchor", "anchorend"}
    for setup in ["anchor", "anchorend"] + sorted(setups):
        vpn, _, suite = setup.partition("-")
        for case in CASES:
            path = work / f"{setup}-{case}.json"
            if not path.exists():
                continue
            result = load(path)
            record = {"bench": "path", "vpn": vpn, "suite": suite or "none",
                      "case": case}
            anchor = anchors[case]
            if isinstance(result, str):
                record["error"] = result
            elif isinstance(anchor, str):
                record["error"] = f"anchor failed: {anchor}"
            else:
                record["Mbps"] = round(result[0], 1)
                if result[1] is not None:
                    record["pps"] = round(result[1])
                record["anchor_Mbps"] = round(anchor[0], 1)
                record["ratio"] = round(result[0] / anchor[0], 4)
                cpu = cpu_seconds(work / f"{setup}-{case}.cpu")
                if cpu is not None and result[2]:
                    # Both VPN ends, per MB that reached the receiver.
                    record["cpu_ms_per_MB"] = round(
                        cpu * 1000 / (result[2] / 1e6), 3)
                null = null_setup(vpn, suite)
                if null is not None:
                    add_null_ratio(record, work, null, case, result)
            record["load"] = load_average(work, setup, case)
            print(json.dumps(record))
    for record in session_records(work):
        print(json.dumps(record))


main()
