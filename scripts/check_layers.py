#!/usr/bin/env python3
"""Fails when a folder includes a header the design forbids it (docs/architecture.md, "Arrows").

Every library includes from the repository root ("auth/sigv4.h"), so the compiler accepts any
include; this check is what keeps the arrows. It reads each C++ file's `#include "X/..."`
lines, takes X as the folder included from, and compares it with ALLOWED below.

  scripts/check_layers.py              check the tree; prints each forbidden include, exit 1
  scripts/check_layers.py --self-test  check that the check fails on a forbidden include
  scripts/check_layers.py --root DIR   check another tree (the self-test uses it)

scripts/test.sh runs both.
"""
import argparse
import os
import re
import sys
import tempfile

# Which folders each folder may include from (besides itself). A folder that is not a key
# here and holds C++ files fails the check: a new folder decides its arrows here first.
ANYTHING = None
ALLOWED = {
    "common": set(),  # the vocabulary: object model, errors; nothing below it
    "util": {"common"},
    "auth": {"common", "util"},  # decides, never stores: no storage, no server
    "index": {"common", "util"},  # never erasure/: the index is backend-neutral
    "object": {"common", "util"},  # the storage interface
    "erasure": {"object", "index", "common", "util"},
    "rados": {"object", "index", "common", "util"},  # the RADOS backend, when it lands
    "lifecycle": {"object", "common", "util"},  # never server/
    "crypto": {"object", "common", "util"},  # encryption at rest, wrapping any backend's streams
    "server": {"auth", "object", "lifecycle", "crypto", "common", "util"},  # never erasure/ or index/
    "client": {"auth", "common", "util"},  # silt's own HTTP+SigV4 client; the server never dials out
    "cmd": ANYTHING,  # the executables put the layers together
    "bench": ANYTHING,
    "test": ANYTHING,
}

# Includes that break an arrow while being removed: (including file, included header).
# Keep it empty; a new entry needs a reason and an issue that removes it.
KNOWN_EXCEPTIONS: set = set()

SOURCE_SUFFIXES = (".h", ".hpp", ".ipp", ".cpp", ".cc")
SKIP_DIRS = {".git", "docs", "scripts", "docker", "subprojects"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"/]+)/[^"]*"')


def source_files(root):
    for top in sorted(os.listdir(root)):
        path = os.path.join(root, top)
        if not os.path.isdir(path) or top in SKIP_DIRS or top.startswith("build") or top.startswith("."):
            continue
        for folder, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    yield top, os.path.relpath(os.path.join(folder, name), root)


def violations(root, exceptions):
    """Yields one line per forbidden include: 'file:line: folder -> included (header)'."""
    for top, rel in source_files(root):
        allowed = ALLOWED.get(top, set())
        if top not in ALLOWED:
            yield f"{rel}: folder {top}/ has no arrows in scripts/check_layers.py (add it to ALLOWED)"
            continue
        if allowed is ANYTHING:
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                header = line.split('"')[1]
                if target == top or target in allowed or (rel, header) in exceptions:
                    continue
                yield f"{rel}:{number}: {top}/ -> {target}/ ({header}) is not an allowed arrow"


def check(root, exceptions):
    bad = list(violations(root, exceptions))
    for v in bad:
        print(v)
    return not bad


def self_test():
    """The check passes a tree of allowed arrows and fails each kind of breach."""
    cases = [
        ("index/keys.cpp", '#include "util/strings.h"\n', True),
        ("server/s3/x.cpp", '#include "auth/sigv4.h"\n#include "object/object_layer.h"\n', True),
        ("cmd/main.cpp", '#include "erasure/erasure_config.h"\n', True),
        ("index/keys.cpp", '#include "erasure/random_id.h"\n', False),  # index -> erasure
        ("server/s3/x.cpp", '  #  include "index/keys.h"\n', False),  # server -> index
        ("auth/sigv4.cpp", '#include "object/object_layer.h"\n', False),  # auth -> storage
        ("lifecycle/w.cpp", '#include "server/http/session.h"\n', False),  # lifecycle -> server
        ("erasure/w.cpp", '#include "server/s3/xml_writer.h"\n', False),  # storage -> server
        ("common/e.h", '#include "util/strings.h"\n', False),  # common -> anything
        ("newdir/a.cpp", '#include "common/error.h"\n', False),  # a folder without arrows
        ("server/ops/health.cpp", '#include "erasure/quorum.h"\n', True),  # an exception (below)
        ("server/ops/other.cpp", '#include "erasure/quorum.h"\n', False),  # ...only for its file
    ]
    exceptions = {("server/ops/health.cpp", "erasure/quorum.h")}  # the list's mechanism, not its content
    ok = True
    for rel, text, want_pass in cases:
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
            got = not list(violations(root, exceptions))
        if got != want_pass:
            print(f"self-test: {rel} with {text.strip()!r}: expected {'pass' if want_pass else 'fail'}")
            ok = False
    print("check_layers self-test: " + ("ok" if ok else "FAILED"))
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return 0 if self_test() else 1
    if check(args.root, KNOWN_EXCEPTIONS):
        print("check_layers: every include follows an allowed arrow"
              + (f" ({len(KNOWN_EXCEPTIONS)} known exceptions)" if KNOWN_EXCEPTIONS else ""))
        return 0
    print("check_layers: forbidden includes above (docs/architecture.md, Arrows)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
