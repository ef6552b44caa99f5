#!/usr/bin/env python3
"""Runs the same GraphQL queries against Muster and PostGraphile on one
database, in turns, with wrk, and prints req/s, p50, p99, errors, the
ratios, each server's peak memory and the SQL statements per request;
and, for the export, the floor (bench/floor, when BENCH_FLOOR_BIN is set):
the same page answered with no GraphQL at all, checked to be the same
bytes as Muster's answer before it is measured.

Called by scripts/bench, which starts PostgreSQL, loads the data and
installs the tools; everything it needs comes in environment variables.
"""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ENV = os.environ
SECONDS = int(ENV.get("BENCH_SECONDS", "10"))
CLIENTS = [int(c) for c in ENV.get("BENCH_CLIENTS", "1,16,64").split(",")]
DB = ENV["BENCH_DATABASE_URL"]
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = ENV["BENCH_WORK"]


def say(*args):
    print("==>", *args, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def psql(sql):
    return subprocess.run(
        ["psql", "-XAtq", DB, "-c", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def post_raw(url, body):
    req = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


def post(url, body):
    return json.loads(post_raw(url, body))


def wait_up(url, proc, name):
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"{name} exited early (code {proc.returncode}); see {WORK}/{name}.log")
        try:
            post(url, json.dumps({"query": "{ __typename }"}))
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{name} did not start; see {WORK}/{name}.log")


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    queries = json.load(open(os.path.join(HERE, "queries.json")))
    meeting = psql("SELECT id FROM meetings ORDER BY id LIMIT 1 OFFSET 1234")
    global_id = base64.urlsafe_b64encode(f"Meeting:{meeting}".encode()).decode().rstrip("=")
    variables = {
        "muster": {"id": global_id},
        "postgraphile": {"rowId": meeting},
    }

    servers = {}
    mport, gport = free_port(), free_port()
    env = dict(ENV)
    env.update(
        MUSTER_DATABASE_URL=DB,
        MUSTER_DATABASE_MAX_CONNECTIONS=ENV.get("BENCH_MUSTER_CONNECTIONS", "16"),
        MUSTER_PROFILE="production",
        MUSTER_LOG="warn",
    )
    say(f"starting muster serve on 127.0.0.1:{mport}")
    servers["muster"] = (
        subprocess.Popen(
            [ENV["MUSTER_BIN"], "serve", "--no-bridge", "--listen", f"127.0.0.1:{mport}"],
            env=env,
            stdout=open(f"{WORK}/muster.log", "w"),
            stderr=subprocess.STDOUT,
        ),
        f"http://127.0.0.1:{mport}/graphql",
    )
    genv = dict(ENV, DATABASE_URL=DB, PORT=str(gport), GRAPHILE_ENV="production")
    say(f"starting PostGraphile {ENV.get('POSTGRAPHILE_VERSION', '')} on 127.0.0.1:{gport}")
    servers["postgraphile"] = (
        subprocess.Popen(
            [ENV["NODE"], ENV["POSTGRAPHILE"], "-C", os.path.join(ENV["BENCH_NODE_DIR"], "graphile.config.mjs")],
            env=genv,
            cwd=ENV["BENCH_NODE_DIR"],
            stdout=open(f"{WORK}/postgraphile.log", "w"),
            stderr=subprocess.STDOUT,
        ),
        f"http://127.0.0.1:{gport}/graphql",
    )
    # The floor (bench/floor): the export page with no GraphQL at all, the
    # ceiling any server of that page reaches on this machine.
    floor = None
    if ENV.get("BENCH_FLOOR_BIN"):
        fport = free_port()
        say(f"starting the floor (the export page without GraphQL) on 127.0.0.1:{fport}")
        floor = (
            subprocess.Popen(
                [ENV["BENCH_FLOOR_BIN"], "--listen", f"127.0.0.1:{fport}", "--connections",
                 env["MUSTER_DATABASE_MAX_CONNECTIONS"]],
                env=dict(ENV, DATABASE_URL=DB),
                stdout=open(f"{WORK}/floor.log", "w"),
                stderr=subprocess.STDOUT,
            ),
            f"http://127.0.0.1:{fport}/graphql",
        )
    try:
        for name, (proc, url) in servers.items():
            wait_up(url, proc, name)
        if floor:
            wait_up(floor[1], floor[0], "floor")
        bodies = {}
        for q, spec in queries.items():
            for name, (_, url) in servers.items():
                body = json.dumps({"query": spec[name], "variables": variables[name]})
                answer = post(url, body)
                if "errors" in answer or not answer.get("data"):
                    sys.exit(f"{name} answered {q} with errors: {json.dumps(answer)[:500]}")
                path = f"{WORK}/{q}-{name}.json"
                open(path, "w").write(body)
                bodies[(q, name)] = (path, len(json.dumps(answer)))
        # SQL statements per request, from pg_stat_statements, one server at
        # a time, 20 sequential requests each.
        statements = {}
        for q in queries:
            for name, (_, url) in servers.items():
                post(url, open(bodies[(q, name)][0]).read())  # warm (plans, caches)
                psql("SELECT pg_stat_statements_reset()")
                for _ in range(20):
                    post(url, open(bodies[(q, name)][0]).read())
                calls = psql(
                    "SELECT COALESCE(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                    "WHERE d.datname = current_database() AND query !~* 'pg_stat_statements'"
                )
                statements[(q, name)] = float(calls) / 20
        if floor:
            # The floor answers Muster's own export request.
            bodies[("export", "floor")] = bodies[("export", "muster")]
            body = open(bodies[("export", "muster")][0]).read()
            muster_bytes = post_raw(servers["muster"][1], body)
            floor_bytes = post_raw(floor[1], body)
            if muster_bytes != floor_bytes:
                sys.exit(f"the floor's export differs from Muster's:\n{floor_bytes[:300]!r}\n{muster_bytes[:300]!r}")
        results = {}
        for q in queries:
            for c in CLIENTS:
                runs = list(servers.items())
                if floor and q == "export":
                    runs.append(("floor", floor))
                for name, (_, url) in runs:
                    say(f"{q}: {name}, {c} client(s), {SECONDS} s")
                    out = subprocess.run(
                        [
                            "wrk",
                            f"-t{min(c, 2)}",
                            f"-c{c}",
                            f"-d{SECONDS}s",
                            "--timeout",
                            "30s",
                            "-s",
                            os.path.join(HERE, "post.lua"),
                            url,
                        ],
                        env=dict(ENV, BODY_FILE=bodies[(q, name)][0]),
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                    line = [l for l in out.splitlines() if l.startswith("{")][-1]
                    r = json.loads(line)
                    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
                    results[(q, c, name)] = r
        peaks = {name: peak_kib(proc.pid) for name, (proc, _) in servers.items()}
    finally:
        procs = list(servers.values()) + ([floor] if floor else [])
        for proc, _ in procs:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    print()
    print(f"Muster vs PostGraphile {ENV.get('POSTGRAPHILE_VERSION', '5')} — same PostgreSQL, same data, "
          f"{SECONDS} s per run, wrk, loopback, {os.cpu_count()} cores")
    print()
    header = f"{'query':8} {'clients':>7} | {'Muster req/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} | " \
             f"{'PGL req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} | {'req/s ×':>7} {'p99 ×':>6}"
    print(header)
    print("-" * len(header))
    for q in queries:
        for c in CLIENTS:
            m, g = results[(q, c, "muster")], results[(q, c, "postgraphile")]
            print(
                f"{q:8} {c:>7} | {m['rps']:>12.1f} {m['p50_us'] / 1000:>8.2f} {m['p99_us'] / 1000:>8.2f} {m['errors']:>4} | "
                f"{g['rps']:>10.1f} {g['p50_us'] / 1000:>8.2f} {g['p99_us'] / 1000:>8.2f} {g['errors']:>4} | "
                f"{m['rps'] / max(g['rps'], 1e-9):>7.2f} {m['p99_us'] / max(g['p99_us'], 1):>6.2f}"
            )
    print()
    for q, spec in queries.items():
        print(
            f"{q:8} {spec['what']}: SQL statements per request — Muster {statements[(q, 'muster')]:.1f}, "
            f"PostGraphile {statements[(q, 'postgraphile')]:.1f}; answer {bodies[(q, 'muster')][1]} / "
            f"{bodies[(q, 'postgraphile')][1]} bytes"
        )
    print()
    if floor:
        print(
            "export floor (bench/floor: the same two statements and the same answer's bytes, "
            "no GraphQL):"
        )
        for c in CLIENTS:
            f, m, g = results[("export", c, "floor")], results[("export", c, "muster")], results[("export", c, "postgraphile")]
            print(
                f"  {c:>3} clients: floor {f['rps']:.1f} req/s (p99 {f['p99_us'] / 1000:.2f} ms), "
                f"{f['rps'] / max(g['rps'], 1e-9):.2f}× PostGraphile's; Muster at "
                f"{m['rps'] / max(f['rps'], 1e-9):.2f} of the floor"
            )
        print()
    print(
        f"peak memory (VmHWM): Muster {peaks['muster'] / 1024:.0f} MiB, PostGraphile "
        f"{peaks['postgraphile'] / 1024:.0f} MiB (ratio {peaks['muster'] / max(peaks['postgraphile'], 1):.2f})"
    )


if __name__ == "__main__":
    main()
