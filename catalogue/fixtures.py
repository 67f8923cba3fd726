#!/usr/bin/env python3
"""Fixtures for the catalogue's example calls (catalogue/calls.tsv), made fresh each run.

usage: fixtures.py DIR PORT
  DIR/www/    served on http://127.0.0.1:PORT by build.sh: index.html, data.json, openapi.json
  DIR/state/  copied into each plugin's state directory before its call: notes.md, hello.txt,
              data.csv, sample.db (SQLite), sample.js, sample.drawio, sample.pdf, repo/ (a git repository),
              project/ (a small TypeScript package)
Nothing here reaches beyond this machine."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

PAGE = """<!doctype html>
<html><head><title>nxp catalogue fixture</title></head>
<body><h1>nxp catalogue fixture</h1>
<p>This page is served on the loopback interface for the catalogue's example calls.</p>
<ul><li>alpha</li><li>beta</li><li>gamma</li></ul>
<a href="/data.json">data</a>
</body></html>
"""

NOTES = """# Notes

A markdown file for the catalogue's example calls.

## Section

- one
- two
"""

JS = """function add(a, b) {
  return a + b;
}
var unused = 1;
module.exports = { add };
"""


def pdf_bytes(text):
    """A one-page PDF showing TEXT in Helvetica, with a correct cross-reference table."""
    stream = ("BT /F1 18 Tf 72 720 Td (%s) Tj ET" % text).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def main():
    fix, port = sys.argv[1], int(sys.argv[2])
    shutil.rmtree(fix, ignore_errors=True)
    www, state = os.path.join(fix, "www"), os.path.join(fix, "state")
    os.makedirs(www)
    os.makedirs(state)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write(PAGE)
    with open(os.path.join(www, "data.json"), "w") as f:
        json.dump({"items": [{"id": 1, "name": "alpha"}, {"id": 2, "name": "beta"}]}, f)
    spec = {"openapi": "3.0.0", "info": {"title": "fixture", "version": "1.0.0"},
            "servers": [{"url": "http://127.0.0.1:%d" % port}],
            "paths": {"/data.json": {"get": {"operationId": "getData",
                                             "summary": "The fixture's data",
                                             "responses": {"200": {"description": "data"}}}}}}
    with open(os.path.join(www, "openapi.json"), "w") as f:
        json.dump(spec, f)

    with open(os.path.join(state, "notes.md"), "w") as f:
        f.write(NOTES)
    with open(os.path.join(state, "hello.txt"), "w") as f:
        f.write("hello from the nxp catalogue\n")
    with open(os.path.join(state, "data.csv"), "w") as f:
        f.write("id,name\n1,alpha\n2,beta\n")
    with open(os.path.join(state, "sample.js"), "w") as f:
        f.write(JS)
    with open(os.path.join(state, "eslint.config.js"), "w") as f:
        f.write('module.exports = [{ rules: { "no-unused-vars": "warn" } }];\n')
    with open(os.path.join(state, "sample.pdf"), "wb") as f:
        f.write(pdf_bytes("Hello from the nxp catalogue"))
    with open(os.path.join(state, "sample.drawio"), "w") as f:
        f.write('<mxfile><diagram id="p1" name="Page-1"><mxGraphModel><root>'
                '<mxCell id="0"/><mxCell id="1" parent="0"/>'
                '<mxCell id="2" value="hello" vertex="1" parent="1">'
                '<mxGeometry x="10" y="10" width="80" height="40" as="geometry"/></mxCell>'
                '</root></mxGraphModel></diagram></mxfile>\n')
    db = sqlite3.connect(os.path.join(state, "sample.db"))
    db.execute("create table items (id integer primary key, name text)")
    db.executemany("insert into items (name) values (?)", [("alpha",), ("beta",)])
    db.commit()
    db.close()
    repo = os.path.join(state, "repo")
    os.makedirs(repo)
    with open(os.path.join(repo, "README.md"), "w") as f:
        f.write("# fixture repository\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="nxp", GIT_AUTHOR_EMAIL="nxp@example.org",
               GIT_COMMITTER_NAME="nxp", GIT_COMMITTER_EMAIL="nxp@example.org",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "README.md"],
                 ["git", "commit", "-q", "-m", "fixture commit"]):
        subprocess.run(argv, cwd=repo, env=env, check=True)
    proj = os.path.join(state, "project")
    os.makedirs(os.path.join(proj, "src"))
    with open(os.path.join(proj, "package.json"), "w") as f:
        json.dump({"name": "fixture-project", "version": "1.0.0", "main": "src/index.ts"}, f)
    with open(os.path.join(proj, "tsconfig.json"), "w") as f:
        json.dump({"compilerOptions": {"strict": True, "target": "es2020"}}, f)
    with open(os.path.join(proj, "src", "index.ts"), "w") as f:
        f.write("export function greet(name: string): string {\n  return `hello ${name}`;\n}\n")
    print("fixtures in", fix)


if __name__ == "__main__":
    main()
