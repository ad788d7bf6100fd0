#!/usr/bin/env python3
"""Seeds the fuzz corpora from the test fixtures: every policy of the parser tables, and every
reference of the matching tables. Run from the repository root or fuzz/:
python3 fuzz/make-seeds.py"""
import hashlib
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "fixtures", "policy")


def seed(target, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


parse = json.load(open(os.path.join(fixtures, "parse-cases.json")))
for case in parse["accept"] + parse["reject"]:
    seed("policy_parse", case["policy"].encode())
match = json.load(open(os.path.join(fixtures, "reference-match.json")))
for section in match.values():
    if not isinstance(section, list):
        continue
    for case in section:
        for key in ("a", "b", "image", "signature", "prefix", "signedPrefix", "result"):
            if isinstance(case.get(key), str):
                seed("reference_parse", case[key].encode())
pgp_dir = os.path.join(here, "..", "fixtures", "pgp")
for name in sorted(os.listdir(pgp_dir)):
    if name.endswith((".sig", ".gpg", ".asc")):
        seed("pgp", open(os.path.join(pgp_dir, name), "rb").read())
manifest = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}'
seed("session", manifest + b"\xff" + b"\xa3\x01sig" + b"\xff" + b'{"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json"}]}')
seed("session", b'{"manifests":[]}')
