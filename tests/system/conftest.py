"""System tests run one file per worker (pytest-xdist --dist loadfile), each worker with an emulator of its own.

Workers take files in collection order; the longest files go first, so that none of them starts last and keeps
the run waiting on one busy worker (longest processing time first). Within a file, the order is the file's own.
"""

# The files that take longest, longest first (docs/BENCHMARKS.md, "Test suite"); the others follow in name order.
LONGEST_FIRST = [
    "test_examples.py",
    "test_site.py",
    "test_environments.py",
    "test_tracking_app.py",
    "test_production.py",
    "test_compute_tier.py",
]


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file keeps its own order
