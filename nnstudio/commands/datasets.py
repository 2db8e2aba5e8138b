"""``nnstudio datasets``: list the built-in data sets and their settings."""
from __future__ import annotations

import argparse
import json
import textwrap


def builtin_table() -> list[dict]:
    """Every built-in data set as a JSON-able dict (name, display name, kind, description, params)."""
    from nnstudio.data import list_builtins

    return [
        {"name": info.name, "display_name": info.display_name, "kind": info.kind,
         "description": info.description, "params": dict(info.params)}
        for info in list_builtins()
    ]


def run_datasets(args: argparse.Namespace) -> int:
    """Run ``nnstudio datasets`` with parsed ``args``; return the exit code."""
    table = builtin_table()
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    width = max(len(row["name"]) for row in table) + 2
    indent = " " * width
    for row in table:
        print(f"{row['name']:<{width}}{row['display_name']} ({row['kind']})")
        for line in textwrap.wrap(row["description"], 88 - width):
            print(indent + line)
        if row["params"]:
            params = ", ".join(f"{k}={v}" for k, v in row["params"].items())
            print(indent + "settings: " + params)
    print()
    print("Train one with e.g.: nnstudio train --dataset spiral --epochs 100 --save spiral.nnproj")
    return 0
