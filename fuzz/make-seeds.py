#!/usr/bin/env python3
"""Seeds the fuzz corpora from the test fixtures, for every target: the policies of the parser
tables, the references of the matching tables, the OpenPGP keys and signatures, the cosign
signature manifests, payloads and Rekor bundle, registries.d files, and arithmetic inputs made
from fixed bytes. Deterministic: the same fixtures give the same files (named by their SHA-1).
Run from the repository root or fuzz/:  python3 fuzz/make-seeds.py [OUT]  (default fuzz/corpus)"""
import hashlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..")
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")


def read(*path):
    with open(os.path.join(root, *path), "rb") as f:
        return f.read()


def seed(target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


parse = json.loads(read("fixtures", "policy", "parse-cases.json"))
for case in parse["accept"] + parse["reject"]:
    seed("policy_parse", case["policy"].encode())

match = json.loads(read("fixtures", "policy", "reference-match.json"))
for section in match.values():
    if not isinstance(section, list):
        continue
    for case in section:
        for key in ("a", "b", "image", "signature", "prefix", "signedPrefix", "result"):
            if isinstance(case.get(key), str):
                seed("reference_parse", case[key].encode())

for folder in ("pgp", "pgp-gnupg", "pgp-weak", "pgp-v3"):
    for name in sorted(os.listdir(os.path.join(root, "fixtures", folder))):
        if name.endswith((".sig", ".gpg", ".asc")) or name.startswith("RPM-GPG-KEY"):
            seed("pgp", read("fixtures", folder, name))

manifest = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}'
seed("session", manifest + b"\xff" + b"\xa3\x01sig" + b"\xff" + b'{"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json"}]}')
seed("session", b'{"manifests":[]}')
seed("session", read("fixtures", "cosign-signed", "manifest.json") + b"\xff" + read("fixtures", "pgp", "rsa3072.sig"))

# Signature manifests, each followed (after 0xff) by the payload blob it references.
for sig, payload in (("sig-cosign.json", "payload-cosign.json"), ("sig-skopeo.json", "payload-skopeo.json"),
                     ("sig-rekor.json", "payload-cosign.json"), ("sig-rsa.json", "payload-rsa.json")):
    blob = read("fixtures", "cosign-signed", payload)
    seed("signature_manifest", read("fixtures", "cosign-signed", sig) + b"\xff" + blob)
    seed("payload", blob)

# The Rekor bundle annotation, as cosign writes it.
rekor = json.loads(read("fixtures", "cosign-signed", "sig-rekor.json"))
for layer in rekor["layers"]:
    bundle = layer.get("annotations", {}).get("dev.sigstore.cosign/bundle")
    if bundle:
        seed("rekor", bundle.encode())

seed("registries", b"default-docker:\n  lookaside: https://lookaside.example/sigs\n"
                   b"docker:\n  registry.example/team:\n    use-sigstore-attachments: true\n")
seed("registries", b"docker:\n  registry.example:\n    lookaside: file:///var/lib/sigs\n"
                   b"\x0cdocker:\n  registry.example:\n    lookaside: https://dup.example\n")
seed("registries", b"default-docker:\n  sigstore: https://old.example\n  sigstore-staging: file:///tmp/x\n")

# Arithmetic targets: a mode byte, a 32-byte digest, and a tail of fixed pseudo-random bytes.
stream = hashlib.shake_256(b"sigwall fuzz seeds").digest(4096)
for mode in range(6):
    for length in (33, 65, 97, 300):
        seed("p256_verify", bytes([mode]) + stream[mode * 100: mode * 100 + length - 1])
    for length in (33, 289, 545):
        seed("rsa_verify", bytes([mode]) + stream[mode * 300: mode * 300 + length - 1])

# Certificates (DER and PEM), bundles and trusted roots of the private Sigstore instance and the
# conformance suite; subjectRegExp patterns with SANs.
import base64
import glob
for path in sorted(glob.glob(os.path.join(root, "fixtures", "bundles", "*.bundle.json"))):
    data = read(path)
    seed("bundle", data)
    material = json.loads(data)["verificationMaterial"]
    for cert in [material.get("certificate")] + material.get("x509CertificateChain", {}).get("certificates", []):
        if cert:
            seed("x509", base64.b64decode(cert["rawBytes"]))
seed("bundle", read("fixtures", "bundles", "trusted_root.json"))
for name in ("ca/root.pem", "ca/intermediate.pem", "pki/root.pem"):
    seed("x509", read("fixtures", "keyless", name))
for pattern, text in ((r"https://github\.com/org/[^/]+/\.github/workflows/release\.yml@refs/tags/v[0-9]+", "https://github.com/org/app/.github/workflows/release.yml@refs/tags/v1"),
                      (r"(a|aa)*c", "a" * 64), (r"^x{2,5}$|[^\d\s]+", "xxx"), (r"[\w.-]+@example\.com", "a.b@example.com")):
    seed("pattern", pattern.encode() + b"\xff" + text.encode())
