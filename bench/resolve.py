#!/usr/bin/env python3
"""Entity resolution side by side: Mosaic's resolver and Splink (DuckDB backend) on the
same generated person mentions, in the same run, scored by the same pairwise code.

Usage: python3 bench/resolve.py [SCALE ...]     (default: 1.3M)

A SCALE is a `mosaic sim --scale` statement count; 1.3M statements hold about 100,000
person mentions and 13M about a million. For each scale the runner

1. generates the scenario with the generator library, as `mosaic sim --seed 42 --scale
   SCALE` does, default noise (`resolve_bench generate`: no need to build the whole CLI),
2. reads its files and writes the person mentions as a table plus their true entities
   (`resolve_bench prepare`), and resolves the same records with Mosaic's release build
   (timed: blocking, EM training, scoring, clustering; records already in memory),
3. runs Splink configured after its documentation's person-record example
   (`deduplicate_50k_synthetic`): blocking rules on name prefixes / names with birth
   date / identifiers, ForenameSurname (term frequencies on the full name) and
   DateOfBirth comparisons plus exact matches, prior from deterministic rules, u by
   random sampling, m by EM in two sessions (names; birth date), predict, connected
   components. Run twice: with the prior as the example estimates it (deterministic
   rules assumed to find 60% of matches; here, with transliterated names and few birth
   dates, they find far fewer, so that prior is about ten times too low), and with the
   prior set by the second EM session from its trained values
   (`populate_probability_two_random_records_match_from_trained_values`, in Splink's
   API). Each is cut at 0.95, as the example does, and at 0.5 (more likely than not);
   all four are scored. Timed from model set-up to clusters (table loaded),
4. scores every cluster file with `resolve_bench score` (mosaic_resolve::eval::pairwise)
   and prints a markdown table.

Splink is installed into its own virtualenv (`$MOSAIC_BENCH_DIR/venv`, default
/tmp/mosaic-bench-resolve/venv) with pip; nothing is installed system-wide. Set
SPLINK_THREADS to cap DuckDB's threads (default: all cores, as Mosaic uses) and
CARGO_BUILD_JOBS to cap the build.
"""
import json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.environ.get("MOSAIC_BENCH_DIR", "/tmp/mosaic-bench-resolve")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
SEED = 42
# Splink variants to run: SPLINK_PRIORS=rules skips the EM-prior one (at a million
# mentions it needed over 20 GB and did not finish).
PRIORS = [p for p in os.environ.get("SPLINK_PRIORS", "rules,em").split(",") if p]


def venv_python():
    venv = os.path.join(WORK, "venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    if subprocess.run([py, "-c", "import splink, duckdb"], capture_output=True).returncode != 0:
        subprocess.run([py, "-m", "pip", "install", "-q", "splink", "duckdb"], check=True)
    return py


def build():
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "mosaic-resolve", "--example", "resolve_bench"],
        cwd=ROOT, env=env, check=True,
    )
    return os.path.join(TARGET, "release", "examples", "resolve_bench")


# Splink's side runs in the venv's interpreter; it prints one JSON line.
SPLINK = r'''
import json, sys, time, os
import duckdb
import splink
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
import splink.comparison_library as cl

persons, out, prior = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect()
if os.environ.get("SPLINK_THREADS"):
    con.execute(f"SET threads = {int(os.environ['SPLINK_THREADS'])}").fetchall()
t_load = time.perf_counter()
con.execute(f"""
    CREATE TABLE persons AS
    SELECT * REPLACE (
        nullif(first_name, '') AS first_name, nullif(surname, '') AS surname,
        nullif(full_name, '') AS full_name, nullif(dob, '') AS dob,
        nullif(nationality, '') AS nationality, nullif(gender, '') AS gender,
        nullif(phone, '') AS phone, nullif(document, '') AS document,
        nullif(email, '') AS email),
        nullif(concat_ws(' ', nullif(first_name, ''), nullif(surname, '')), '')
            AS first_name_surname_concat
    FROM read_csv('{persons}', header = true, all_varchar = true)
""").fetchall()  # DuckDB 2 wants every result consumed before the next statement
load_s = time.perf_counter() - t_load
n = con.execute("SELECT count(*) FROM persons").fetchall()[0][0]

t0 = time.perf_counter()
db_api = DuckDBAPI(connection=con)
df = db_api.register("persons")
# As the documentation's person example: names (prefix pairs), birth date with a name,
# and here the identifiers a report ties to a person (its postcode's role there).
blocking_rules = [
    block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
    block_on("surname", "dob"),
    block_on("first_name", "dob"),
    block_on("phone"),
    block_on("document"),
    block_on("email"),
    block_on("substr(first_name,1,2)", "substr(surname,1,2)", "birth_year"),
]
settings = SettingsCreator(
    link_type="dedupe_only",
    blocking_rules_to_generate_predictions=blocking_rules,
    comparisons=[
        cl.ForenameSurnameComparison(
            "first_name", "surname",
            forename_surname_concat_col_name="first_name_surname_concat",
        ),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.ExactMatch("nationality").configure(term_frequency_adjustments=True),
        cl.ExactMatch("gender"),
        cl.ExactMatch("phone"),
        cl.ExactMatch("document"),
        cl.ExactMatch("email"),
    ],
    retain_intermediate_calculation_columns=False,
)
linker = Linker(df, settings)
linker.training.estimate_probability_two_random_records_match(
    [
        block_on("first_name", "surname", "dob"),
        block_on("document"),
    ],
    recall=0.6,
)
linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(
    block_on("first_name", "surname"), estimate_without_term_frequencies=True
)
# `em`: the prior from this session's trained values (see the module docstring).
linker.training.estimate_parameters_using_expectation_maximisation(
    block_on("dob"), estimate_without_term_frequencies=True,
    populate_probability_two_random_records_match_from_trained_values=(prior == "em"),
)
t_trained = time.perf_counter()
pred = linker.inference.predict(threshold_match_probability=0.2)
t_pred = time.perf_counter()
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
    pred, threshold_match_probability=0.5
)
clusters.as_duckdbpyrelation().select("unique_id, cluster_id").write_csv(out + ".0.5")
t1 = time.perf_counter()
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
    pred, threshold_match_probability=0.95
)
clusters.as_duckdbpyrelation().select("unique_id, cluster_id").write_csv(out + ".0.95")
t2 = time.perf_counter()
pairs = con.execute(f"SELECT count(*) FROM {pred.physical_name}").fetchall()[0][0]
print(json.dumps({
    "records": n, "load_seconds": load_s, "seconds": t1 - t0,
    "train_seconds": t_trained - t0, "predict_seconds": t_pred - t_trained,
    "cluster_seconds": t1 - t_pred, "cluster_0_95_seconds": t2 - t1,
    "predicted_pairs_over_0_2": pairs,
    "prior": linker._settings_obj._probability_two_random_records_match,
    "splink": splink.__version__, "duckdb": duckdb.__version__,
}))
'''


def score(bench, truth, clusters):
    out = subprocess.run([bench, "score", truth, clusters], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def run_scale(scale, bench, py):
    d = os.path.join(WORK, f"s{scale}")
    scen = os.path.join(d, "scenario")
    os.makedirs(d, exist_ok=True)
    t = time.perf_counter()
    subprocess.run([bench, "generate", scale, str(SEED), scen], check=True, stdout=subprocess.DEVNULL)
    gen_s = time.perf_counter() - t
    m = json.loads(subprocess.run([bench, "prepare", scen, d], check=True, capture_output=True, text=True).stdout)
    sp_out = os.path.join(d, "splink_clusters.csv")
    script = os.path.join(WORK, "splink_run.py")
    with open(script, "w") as f:
        f.write(SPLINK)
    truth = os.path.join(d, "truth.csv")
    splink = {}
    for prior in PRIORS:
        out = f"{sp_out}.{prior}"
        t = time.perf_counter()
        r = subprocess.run([py, script, os.path.join(d, "persons.csv"), out, prior],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"splink failed:\n{r.stderr[-4000:]}")
        s = json.loads(r.stdout.strip().splitlines()[-1])
        s["process_seconds"] = time.perf_counter() - t
        s["metrics"] = {th: score(bench, truth, f"{out}.{th}") for th in ("0.5", "0.95")}
        splink[prior] = s
    return {"scale": scale, "generate_seconds": gen_s, "mosaic": m, "splink": splink}


def main():
    scales = sys.argv[1:] or ["1.3M"]
    os.makedirs(WORK, exist_ok=True)
    py = venv_python()
    bench = build()
    rows = []
    for sc in scales:
        res = run_scale(sc, bench, py)
        print(json.dumps(res), file=sys.stderr)
        rows.append(res)
    first = rows[0]["splink"]["rules"]
    print(f"Splink {first['splink']} (DuckDB {first['duckdb']}), seed {SEED}, {os.cpu_count()} cores\n")
    print("| statements | person mentions | tool | precision | recall | F1 | wall time s | time / Splink's |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        m, sp = r["mosaic"], r["splink"]
        # Splink's time to its 0.95 clusters: the 0.5 clustering left out, the 0.95 one in.
        t95 = {p: s["seconds"] - s["cluster_seconds"] + s["cluster_0_95_seconds"] for p, s in sp.items()}
        base = t95["rules"]
        get = lambda p, th: sp[p]["metrics"][th] if p in sp else None
        secs = lambda p, key: (t95[p] if key == "t95" else sp[p]["seconds"]) if p in sp else None
        lines = [
            ("Mosaic (threshold 0.3)", m["metrics"], m["resolve_seconds"]),
            ("Splink, prior from rules (as documented), clusters at 0.95", get("rules", "0.95"), secs("rules", "t95")),
            ("Splink, prior from rules, clusters at 0.5", get("rules", "0.5"), secs("rules", "all")),
            ("Splink, prior from EM, clusters at 0.95", get("em", "0.95"), secs("em", "t95")),
            ("Splink, prior from EM, clusters at 0.5", get("em", "0.5"), secs("em", "all")),
        ]
        lines = [l for l in lines if l[1] is not None]
        for name, k, secs in lines:
            print(f"| {r['scale']} | {m['person_records']:,} | {name} | {k['precision']:.4f} | "
                  f"{k['recall']:.4f} | {k['f1']:.4f} | {secs:.1f} | {secs / base:.2f} |")


if __name__ == "__main__":
    main()
