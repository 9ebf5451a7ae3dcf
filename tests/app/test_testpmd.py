#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""The dma_domain commands of the testpmd plugin, in the stock dpdk-testpmd.
One case per meson test:

  commands    help drivers, create/show domains, replace, errors, stats
              (each command waits for its reply: the next prompt; swap
              counts are polled from the stats, no pause is timed)
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
import re
import subprocess
import time

import trlib
from trlib import fail, ok

DEVS = ["-a", "iommufd:emu0,peer=emu1", "-a", "iommufd:emu1,peer=emu0"]
PROMPT = "testpmd> "
POLL_S = 0.05
STATS = re.compile(r"^port (\d+) \(\S+\) on domain \S+\n  swaps (\d+) failures (\d+)", re.M)


def testpmd_cmd(tag, telemetry=False):
    trlib.need_artifacts(trlib.TESTPMD, trlib.BUS, trlib.PMD, trlib.PLUGIN)
    return ([trlib.TESTPMD] + trlib.eal(tag, telemetry) +
            ["-d", trlib.BUS, "-d", trlib.PMD, "-d", trlib.PLUGIN] + DEVS +
            ["--", "-i", "--total-num-mbufs=4096"])


class Testpmd:
    """testpmd in interactive mode: one command at a time, each waited for
    until its reply ends (the next prompt: testpmd writes it unbuffered after
    the reply, which trlib.Live line-buffers)."""

    def __init__(self, tag, telemetry=False):
        self.live = trlib.Live(testpmd_cmd(tag, telemetry), env=trlib.preload_env(trlib.PLUGIN))
        self.live.wait_for(re.escape(PROMPT), "testpmd's first prompt")

    @property
    def text(self):
        return self.live.text

    def command(self, cmd):
        """Sends cmd, waits until it is done; returns its reply."""
        start = self.live.mark()
        self.live.p.stdin.write(cmd + "\n")
        self.live.p.stdin.flush()
        m = self.live.wait_for(re.escape(PROMPT), "reply to '%s'" % cmd, start)
        return self.live.text[start:m.start()]

    def send(self, *cmds):
        for c in cmds:
            self.command(c)

    def swaps_done(self, port, total):
        """Polls 'port P dma_domain stats' until the port counts total swap
        attempts (swaps + failures); returns (swaps, failures)."""
        end = time.monotonic() + trlib.DEADLINE
        while True:
            m = STATS.search(self.command("port %d dma_domain stats" % port))
            if m is None:
                fail("no stats line for port %d" % port, self.text)
            got = (int(m.group(2)), int(m.group(3)))
            if sum(got) >= total:
                return got
            if time.monotonic() > end:
                fail("port %d: %d swap attempts after %ds, expected %d"
                     % (port, sum(got), trlib.DEADLINE, total), self.text)
            time.sleep(POLL_S)  # poll interval, not a synchronisation

    def finish(self):
        rc, out = self.live.finish("quit\n")
        trlib.need_default_devices(out)
        return rc, out


@trlib.case()
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


@trlib.case()
def case_forwarding():
    t = Testpmd("tpfwd")
    t.send("dma_domain create red mirror", "dma_domain create blue copy red",
           # not forwarding: the plugin marks the queues offline for the swap
           "port 0 dma_domain replace blue", "port 1 dma_domain replace blue",
           "set fwd io", "start tx_first")
    t.send("port 0 dma_domain swap red blue every 5 count 30 strategy quiesce timeout 2000000",
           "port 1 dma_domain swap red blue every 5 count 30 strategy hitless timeout 2000000")
    # one one-shot replace and 30 periodic swaps per port
    done = [t.swaps_done(p, 31) for p in (0, 1)]
    refused = t.command("port 0 dma_domain replace red restart")
    t.send("show port stats all")
    stopped = t.command("stop")
    rc, out = t.finish()
    if rc != 0:
        fail("testpmd exited %d" % rc, out)
    if done != [(31, 0), (31, 0)]:
        fail("each port should show 31 swaps without failure: (swaps, failures) %s" % done, out)
    if "did not acknowledge" in out:
        fail("a queue stopped acknowledging pauses (its tx loop died?)", out)
    # a parked tx burst keeps its packets: testpmd sees nothing dropped
    dropped = [int(l.split("TX-dropped:")[1].split()[0]) for l in stopped.splitlines()
               if "TX-dropped:" in l]
    if not dropped or max(dropped) != 0:
        fail("testpmd dropped tx packets during the swaps: %s" % dropped, out)
    if "strategy restart stops port 0, and testpmd forwards on it" not in refused:
        fail("restart while testpmd forwards must be refused", out)
    if "port 0: default -> blue" not in out or "port 1: default -> blue" not in out:
        fail("one-shot replaces while not forwarding failed", out)
    # packets kept flowing: testpmd's forward stats at stop
    rx = [int(l.split("RX-packets:")[1].split()[0]) for l in stopped.splitlines()
          if "RX-packets:" in l]
    if not rx or max(rx) == 0:
        fail("no packets forwarded", out)
    ok("forwarding: 2x30 periodic swaps under io forwarding, rx %d" % max(rx))


@trlib.case()
def case_rxonly():
    t = Testpmd("tprxo")
    # rxonly never calls tx_burst: with the tx queues online instead of
    # armed, every swap would time out waiting for them.
    t.send("dma_domain create red mirror", "dma_domain create blue copy red",
           "set fwd rxonly", "start")
    t.send("port 0 dma_domain swap red blue every 5 count 20")
    done = t.swaps_done(0, 20)
    t.send("stop")
    rc, out = t.finish()
    if rc != 0:
        fail("testpmd exited %d" % rc, out)
    if done != (20, 0):
        fail("20 swaps with only rx polled should all succeed: (swaps, failures) %s"
             % (done,), out)
    ok("rxonly: 20 swaps, tx queues never polled")


@trlib.case()
def case_telemetry():
    tel = os.path.join(trlib.PREFIX, "bin/dpdk-telemetry.py")
    trlib.need_artifacts(tel)
    t = Testpmd("tptel", telemetry=True)
    # each command is done when its reply is: the swap is recorded
    t.send("dma_domain create red mirror")
    if "port 0: default -> red" not in t.command("port 0 dma_domain replace red"):
        fail("replace of port 0 to red failed", t.text)
    prefix = "tr_tptel_%d" % os.getpid()
    q = subprocess.run(["/usr/bin/python3", tel, "-f", prefix], universal_newlines=True,
                       input="/dma_domain/list\n/dma_domain/info,red\n/dma_domain/bindings\n"
                             "/dma_domain/binding,emu0\n/dma_domain/binding,0\n",
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30, check=False)
    rc, out = t.finish()
    if rc != 0:
        fail("testpmd exited %d" % rc, out)
    replies = {}
    by_port = None  # the second /dma_domain/binding reply: by port id
    for line in q.stdout.splitlines():
        line = line.strip().lstrip("-->").strip()
        if line.startswith("{"):
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if "/dma_domain/binding" in r and "/dma_domain/binding" in replies:
                by_port = r["/dma_domain/binding"]
                continue
            replies.update(r)
    by_name = replies.get("/dma_domain/binding")
    # answered like /ethdev/info,0: the port's binding, same as by its name
    if not isinstance(by_port, dict) or by_port.get("name") != "emu0" or \
            by_port.get("domain") != "red":
        fail("/dma_domain/binding,0 (port id) does not answer port 0's binding: %r"
             % (by_port,), q.stdout)
    if isinstance(by_name, dict) and by_name.get("swaps") != by_port.get("swaps"):
        fail("/dma_domain/binding by port and by name differ", q.stdout)
    if "/dma_domain/list" not in replies:
        fail("no /dma_domain/list reply", q.stdout + "\n---- testpmd ----\n" + out)
    if "red" not in json.dumps(replies["/dma_domain/list"]):
        fail("domain red not listed", q.stdout)
    b = json.dumps(replies.get("/dma_domain/binding", {}))
    if "red" not in b or "emu0" not in json.dumps(replies.get("/dma_domain/bindings", {})):
        fail("binding of emu0 does not show its swap to red", q.stdout)
    ok("telemetry: %s" % ", ".join(sorted(replies)))


@trlib.case()
def case_harmless():
    trlib.need_artifacts(trlib.APP, trlib.BUS, trlib.PMD, trlib.PLUGIN)
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
