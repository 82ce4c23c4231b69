"""The benchmark of the catalogue (bench/run): one module per part of the work.

- `cli`: the options, and the run from preparation to report (`main`).
- `profiles`: what differs between the PostgreSQL and the SQLite run (size, workers,
  connections, CPU pinning, file names).
- `database`: the benchmark database of each engine: create, ANALYZE, ask, write.
- `prepare`: the database made from scratch, and the parameters chosen from its data.
- `endpoints`: the rows measured (API, floors, pages) and their uncached variants.
- `serve`: gunicorn's environment and lifecycle, and one request to it.
- `cpu`: where the machine's CPU went during a run.
- `load`: wrk runs and their figures.
- `cold`: requests made right after a catalogue write.
- `queries`: queries per request, counted in a separate Django process.
- `export`: the full CSV download and the memory of the worker that served it.
- `resilience`: the soak, a worker killed and the database restarted under load.
- `machine`: the machine, the versions and the app's source digest.
- `targets`: the targets of each profile, and each met or missed.
- `report`: RESULTS.md and results.json.

Run it through bench/run, which installs wrk when it is missing; see bench/README.md.
"""
