#!/usr/bin/env python3
"""Fails when a module imports across the layers that docs/architecture.md names.

The document holds one fenced block marked `layers`; each line is

    <layer name>: <Module> <Module> ...        (layers from the bottom up)
    outside <Module>: <import> <import> ...    (what a module may import from outside the package)

A module may import, and depend on in Package.swift, only modules of layers below its own (or of its own layer
when the line says so with `=`: `cores=: A B` lets A and B import each other), plus the outside imports named for
it; the standard library and the C modules declared as `outside` entries are the only other things allowed.
Every Swift target of Package.swift must be in exactly one layer. Run from the repository root:
    python3 scripts/check-layers.py
"""
import json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|internal|package|private|fileprivate)\s+)?import\s+(?:(?:struct|class|enum|func|var|let|protocol|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)

def fail(msg):
    print(f"check-layers: {msg}", file=sys.stderr)
    return 1

def read_layers():
    text = DOC.read_text()
    m = re.search(r"```layers\n(.*?)```", text, re.S)
    if not m:
        sys.exit(fail(f"{DOC}: no ```layers block"))
    layers, outside = [], {}
    for n, line in enumerate(m.group(1).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        head, _, rest = line.partition(":")
        names = rest.split()
        if head.startswith("outside "):
            outside[head.split()[1]] = set(names)
        else:
            mutual = head.endswith("=")
            layers.append((head.rstrip("="), mutual, names))
    return layers, outside

def main():
    layers, outside = read_layers()
    level, mutual = {}, {}
    for i, (name, mut, mods) in enumerate(layers):
        for mod in mods:
            if mod in level:
                return fail(f"{mod} is named in two layers")
            level[mod], mutual[mod] = i, mut
    dump = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout)
    errors = []
    targets = {t["name"]: t for t in dump["targets"]}
    for name, t in targets.items():
        if t["type"] in ("system", "binary") or name not in level and t["type"] == "test":
            continue
        if name not in level:
            errors.append(f"target {name} is in no layer of {DOC.relative_to(ROOT)}")
            continue
        path = ROOT / (t.get("path") or (("Tests/" if t["type"] == "test" else "Sources/") + name))
        deps = set()
        for d in t.get("dependencies", []):
            for kind in ("byName", "target", "product"):
                if kind in d:
                    deps.add(d[kind][0])
        imports = set()
        for f in path.rglob("*.swift"):
            for imp in IMPORT.findall(f.read_text(errors="replace")):
                imports.add((imp, f.relative_to(ROOT)))
        for imp, where in sorted(imports):
            ok_inside = imp in level and (level[imp] < level[name] or (level[imp] == level[name] and mutual[name]))
            if imp in level and not ok_inside:
                errors.append(f"{where}: {name} ({layers[level[name]][0]}) imports {imp} ({layers[level[imp]][0]}), "
                              "which is not below it")
            elif imp not in level and imp not in outside.get(name, set()) and imp != name:
                errors.append(f"{where}: {name} imports {imp}, which {DOC.relative_to(ROOT)} does not allow")
        for d in sorted(deps):
            if d in level and not (level[d] < level[name] or (level[d] == level[name] and mutual[name])):
                errors.append(f"Package.swift: {name} depends on {d}, which is not below it")
            elif d not in level and d not in outside.get(name, set()):
                errors.append(f"Package.swift: {name} depends on {d}, which {DOC.relative_to(ROOT)} does not allow")
    for e in errors:
        print(f"check-layers: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"check-layers: {len(level)} modules in {len(layers)} layers, every import and dependency points down")
    return 0

sys.exit(main())
