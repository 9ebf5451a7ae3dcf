#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The dma_domain commands of the testpmd plugin, in the stock dpdk-testpmd.
One case per meson test:

  commands    help drivers, create/show domains, replace, errors, stats
  forwarding  periodic swaps while testpmd forwards (io, tx_first): quiesce
              on port 0 (its tx queue is parked and only called with what
              port 1 received: a parked burst must not drop, or the loop
              dies), hitless on port 1; one-shot replaces while it does not
              forward
  rxonly      swaps while testpmd polls only rx: the tx queues, armed at
              port start and never polled, must not stall a swap
  telemetry   /dma_domain/* endpoints through dpdk-telemetry.py
  harmless    the plugin loaded into another application: one log line,
              nothing else
"""
import json
import os
import subprocess
import time

import trlib
from trlib import fail, ok, skip

DEVS = ["-a", "iommufd:emu0,peer=emu1", "-a", "iommufd:emu1,peer=emu0"]


def testpmd_cmd(tag, telemetry=False):
    for f in (trlib.TESTPMD, trlib.BUS, trlib.PMD, trlib.PLUGIN):
        if not os.path.exists(f):
            skip("missing " + f)
    return ([trlib.TESTPMD] + trlib.eal(tag, telemetry) +
            ["-d", trlib.BUS, "-d", trlib.PMD, "-d", trlib.PLUGIN] + DEVS +
            ["--", "-i", "--total-num-mbufs=4096"])


class Testpmd:
    """testpmd in interactive mode, commands written to its stdin with pauses."""

    def __init__(self, tag, telemetry=False):
        self.p = subprocess.Popen(testpmd_cmd(tag, telemetry), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True,
                                  env=trlib.preload_env(trlib.PLUGIN))

    def send(self, *cmds, pause=0.0):
        for c in cmds:
            self.p.stdin.write(c + "\n")
        self.p.stdin.flush()
        if pause:
            time.sleep(pause)

    def finish(self, timeout=60):
        try:
            out, _ = self.p.communicate(input="quit\n", timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, _ = self.p.communicate()
            fail("testpmd did not quit", out)
        if trlib.NO_MODEL in out:
            skip("the emulated virtio-net model is not registered yet")
        return self.p.returncode, out


def case_commands():
    t = Testpmd("tpcmd")
    t.send("help drivers",
           "dma_domain create red mirror",
           "dma_domain create blue copy red",
           "dma_domain create red",
           "dma_domain show",
           "dma_domain show blue",
           "port 0 dma_domain replace blue quiesce",
           "port 0 dma_domain replace red hitless",
           "port 1 dma_domain replace blue remap",
           "port 0 dma_domain replace nosuch",
           "port 0 dma_domain replace red sideways",
           "port 7 dma_domain replace red",
           "port 0 dma_domain stats",
           "dma_domain destroy red",
           "dma_domain destroy blue")
    rc, out = t.finish()
    if rc != 0:
        fail("testpmd exited %d" % rc, out)
    if "error: cannot destroy domain 'blue'" in out:
        fail("blue is unused after the remap of port 1 and must go", out)
    for want in ("port <id> dma_domain replace <domain>",          # help drivers
                 "dma_domain: domain red created",
                 "dma_domain: error: bad domain name 'red': a domain with this name exists",
                 "port 0: default -> blue (quiesce)",
                 "port 0: blue -> red (hitless)",
                 "port 1: default -> blue (remap)",
                 "dma_domain: error: bad domain 'nosuch': no such domain",
                 "dma_domain: error: bad option 'sideways'",
                 "dma_domain: error: bad port '7'",
                 "swaps 2 failures 0",
                 # remap rewrites the domain port 1 is on: blue stays unused
                 "cannot destroy domain 'red': a port is attached to it"):
        if want not in out:
            fail("output lacks '%s'" % want, out)
    ok("commands")


def case_forwarding():
    t = Testpmd("tpfwd")
    t.send("dma_domain create red mirror", "dma_domain create blue copy red",
           # not forwarding: the plugin marks the queues offline for the swap
           "port 0 dma_domain replace blue", "port 1 dma_domain replace blue",
           "set fwd io", "start tx_first", pause=0.3)
    t.send("port 0 dma_domain swap red blue every 5 count 30 strategy quiesce timeout 2000000",
           "port 1 dma_domain swap red blue every 5 count 30 strategy hitless timeout 2000000",
           pause=1.2)
    t.send("port 0 dma_domain stats", "port 1 dma_domain stats",
           "port 0 dma_domain replace red restart", pause=0.2)
    t.send("show port stats all", "stop", pause=0.3)
    rc, out = t.finish()
    if rc != 0:
        fail("testpmd exited %d" % rc, out)
    if out.count("swaps 31 failures 0") != 2:
        fail("each port should show 31 swaps without failure", out)
    if "did not acknowledge" in out:
        fail("a queue stopped acknowledging pauses (its tx loop died?)", out)
    # a parked tx burst keeps its packets: testpmd sees nothing dropped
    dropped = [int(l.split("TX-dropped:")[1].split()[0]) for l in out.splitlines()
               if "TX-dropped:" in l]
    if not dropped or max(dropped) != 0:
        fail("testpmd dropped tx packets during the swaps: %s" % dropped, out)
    if "strategy restart stops port 0, and testpmd forwards on it" not in out:
        fail("restart while testpmd forwards must be refused", out)
    if "port 0: default -> blue" not in out or "port 1: default -> blue" not in out:
        fail("one-shot replaces while not forwarding failed", out)
    # packets kept flowing: testpmd's forward stats at stop
    rx = [int(l.split("RX-packets:")[1].split()[0]) for l in out.splitlines()
          if "RX-packets:" in l]
    if not rx or max(rx) == 0:
        fail("no packets forwarded", out)
    ok("forwarding: 2x30 periodic swaps under io forwarding, rx %d" % max(rx))


def case_rxonly():
    t = Testpmd("tprxo")
    # rxonly never calls tx_burst: with the tx queues online instead of
    # armed, every swap would time out waiting for them.
    t.send("dma_domain create red mirror", "dma_domain create blue copy red",
           "set fwd rxonly", "start", pause=0.3)
    t.send("port 0 dma_domain swap red blue every 5 count 20", pause=0.6)
    t.send("port 0 dma_domain stats", "stop", pause=0.2)
    rc, out = t.finish()
    if rc != 0:
        fail("testpmd exited %d" % rc, out)
    if "swaps 20 failures 0" not in out:
        fail("20 swaps with only rx polled should all succeed", out)
    ok("rxonly: 20 swaps, tx queues never polled")


def case_telemetry():
    tel = os.path.join(trlib.PREFIX, "bin/dpdk-telemetry.py")
    if not os.path.exists(tel):
        skip("no " + tel)
    t = Testpmd("tptel", telemetry=True)
    t.send("dma_domain create red mirror", "port 0 dma_domain replace red", pause=1.5)
    prefix = "tr_tptel_%d" % os.getpid()
    q = subprocess.run(["/usr/bin/python3", tel, "-f", prefix], universal_newlines=True,
                       input="/dma_domain/list\n/dma_domain/info,red\n/dma_domain/bindings\n"
                             "/dma_domain/binding,emu0\n",
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30, check=False)
    rc, out = t.finish()
    if rc != 0:
        fail("testpmd exited %d" % rc, out)
    replies = {}
    for line in q.stdout.splitlines():
        line = line.strip().lstrip("-->").strip()
        if line.startswith("{"):
            try:
                replies.update(json.loads(line))
            except ValueError:
                pass
    if "/dma_domain/list" not in replies:
        fail("no /dma_domain/list reply", q.stdout + "\n---- testpmd ----\n" + out)
    if "red" not in json.dumps(replies["/dma_domain/list"]):
        fail("domain red not listed", q.stdout)
    b = json.dumps(replies.get("/dma_domain/binding", {}))
    if "red" not in b or "emu0" not in json.dumps(replies.get("/dma_domain/bindings", {})):
        fail("binding of emu0 does not show its swap to red", q.stdout)
    ok("telemetry: %s" % ", ".join(sorted(replies)))


def case_harmless():
    for f in (trlib.APP, trlib.BUS, trlib.PMD, trlib.PLUGIN):
        if not os.path.exists(f):
            skip("missing " + f)
    d = trlib.tmpdir()
    script = os.path.join(d, "s")
    with open(script, "w", encoding="utf-8") as f:
        f.write("show ports\nexpect swaps.total == 0\n")
    cmd = ([trlib.APP] + trlib.eal("harmless") +
           ["-d", trlib.PLUGIN, "--vdev", "net_ring0", "--", "--script", script, "--no-progress"])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=60, check=False)
    out = p.stdout
    if p.returncode != 0:
        fail("application exited %d with the plugin loaded" % p.returncode, out)
    if out.count("not loaded by dpdk-testpmd") != 1:
        fail("expected exactly one info line from the plugin", out)
    if "net_ring0" not in out:
        fail("the application did not run normally", out)
    ok("harmless")


if __name__ == "__main__":
    trlib.main(globals(), "test_testpmd.py")
