#!/usr/bin/env python3
"""Import benchmark: `mosaic import` of JSON Lines into the embedded store, side by side
with the practical ceiling — the sqlite3 shell bulk-inserting the very same rows into
tables with the same indexes, in one transaction.

Usage: python3 bench/import.py [STATEMENTS ...]   (default: 250000 1000000)

Prints a table: throughput (statements/s), the ratio to the ceiling, and peak memory
(max RSS of the mosaic process) per file size — memory should not grow with file size.
"""
import json, os, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATEMENTS_PER_REPORT = 10


def build():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "mosaic-cli"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "mosaic")


def write_reports(path, n_reports):
    with open(path, "w") as f:
        for i in range(n_reports):
            r = {
                "agency": ["fr-paf", "be-fedpol", "fr-gcm", "nl-kmar"][i % 4],
                "report_type": "interception",
                "source_ref": f"B-{i}",
                "reported_at": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                "grading": "B2", "handling": "H1", "tlp": "AMBER", "classification": "restricted",
                "narrative": f"Truck intercepted at parking area {i % 97}, {i % 30} people inside.",
                "place": {"geometry": {"type": "Point", "coordinates": [1.8 + (i % 100) / 100, 50.9]}},
                "entities": [
                    {"key": "d", "schema": "Person", "properties": {
                        "name": [f"Driver {i % 50000}"], "birthDate": [str(1960 + i % 40)],
                        "nationality": ["af"], "phone": [f"+336{i % 100000000:08d}"]}},
                    {"key": "t", "schema": "Vehicle", "properties": {
                        "registrationNumber": [f"AA-{i % 900000:06d}"], "country": ["fr"], "operator": ["d"]}},
                    {"key": "p", "schema": "Phone", "properties": {"number": [f"+336{i % 100000000:08d}"], "owner": ["d"]}},
                ],
                "roles": [{"entity": "d", "role": "driver"}],
            }
            f.write(json.dumps(r) + "\n")


def run_measured(cmd, **kw):
    """Runs a command; returns (seconds, max RSS in MiB) of that child alone."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t
    if status != 0:
        sys.exit(f"{cmd[0]} failed: {p.stderr.read().decode()}")
    return secs, ru.ru_maxrss / 1024


def ceiling(db, work):
    """Dumps the rows mosaic stored, then times sqlite3 bulk-inserting them into a fresh
    database with the same schema and indexes, in one transaction."""
    schema = subprocess.run(["sqlite3", db, ".schema reports"], capture_output=True, text=True, check=True).stdout
    schema += subprocess.run(["sqlite3", db, ".schema statements"], capture_output=True, text=True, check=True).stdout
    for t in ("reports", "statements"):
        subprocess.run(["sqlite3", "-csv", db, f"SELECT * FROM {t}", ".exit"], check=True,
                       stdout=open(os.path.join(work, f"{t}.csv"), "w"))
    fresh = os.path.join(work, "ceiling.db")
    script = os.path.join(work, "ceiling.sql")
    with open(script, "w") as f:
        f.write("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n" + schema)
        f.write(".mode csv\nBEGIN;\n")
        f.write(f".import {work}/reports.csv reports\n.import {work}/statements.csv statements\nCOMMIT;\n")
    # schema creation is not timed: run it, then time the import alone
    with open(script) as f:
        lines = f.read()
    setup, body = lines.split(".mode csv\n")
    subprocess.run(["sqlite3", fresh], input=setup, text=True, check=True, capture_output=True)
    body_file = os.path.join(work, "body.sql")
    open(body_file, "w").write(".mode csv\n" + body)
    return run_measured(["sqlite3", fresh, f".read {body_file}"])


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [250_000, 1_000_000]
    exe = build()
    sqlite_version = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
    rows = []
    for statements in sizes:
        work = tempfile.mkdtemp(prefix="mosaic-bench-")
        try:
            n = statements // STATEMENTS_PER_REPORT
            src = os.path.join(work, "reports.jsonl")
            write_reports(src, n)
            data = os.path.join(work, "data")
            subprocess.run([exe, "--data-dir", data, "init", "--centre", "fr-ncc"], check=True, stdout=subprocess.DEVNULL)
            secs, rss = run_measured([exe, "--data-dir", data, "import", src])
            stored = json.loads(subprocess.run([exe, "--data-dir", data, "stats", "--json"], capture_output=True, text=True, check=True).stdout)["stats"]
            assert stored["statements"] == statements, stored
            csecs, crss = ceiling(os.path.join(data, "mosaic.db"), work)
            rows.append((statements, os.path.getsize(src) / 2**20, statements / secs, statements / csecs, rss, crss))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nImport into the embedded store vs the sqlite3 shell ({sqlite_version}) bulk-inserting the same rows")
    print("| statements | file MiB | mosaic import st/s | sqlite3 .import st/s (ceiling) | ratio | mosaic peak RSS MiB | sqlite3 peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for s, mib, m, c, rss, crss in rows:
        print(f"| {s:,} | {mib:.0f} | {m:,.0f} | {c:,.0f} | {m / c:.2f} | {rss:.0f} | {crss:.0f} |")


if __name__ == "__main__":
    main()
