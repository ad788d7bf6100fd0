//! What proves that a transparency log holds an entry: an RFC 6962 inclusion proof that reaches
//! a root hash, the checkpoint (a C2SP signed note) in which the log signed that root, and the
//! inclusion promise (SET) in which it promised to include the entry at a time.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use sha2::{Digest as _, Sha256};

use super::trusted_root::LogKey;
use crate::json;

/// The RFC 6962 hash of a leaf.
pub(super) fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update([0u8])
        .chain_update(entry)
        .finalize()
        .into()
}

fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The root hash that `proof` (leaf-to-root order) gives for the leaf at `index` of a tree of
/// `size` leaves (RFC 9162 §2.1.3.2), or `None` when the proof has not exactly the length
/// that such a tree needs.
pub(super) fn root_from_inclusion_proof(
    index: u64,
    size: u64,
    leaf: [u8; 32],
    proof: &[Vec<u8>],
) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = leaf;
    for p in proof {
        if p.len() != 32 || sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some(r)
}

/// A checkpoint whose signature verified: the tree it commits to.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Checkpoint {
    pub(super) origin: String,
    pub(super) size: u64,
    pub(super) root_hash: Vec<u8>,
}

/// Verifies a signed note (`text`, then a blank line, then `— NAME BASE64(hint ‖ signature)`
/// lines) with `log`: a signature line whose key hint is the first four bytes of the log's key
/// ID must verify over the text, which must be a checkpoint (origin, size, base64 root hash).
///
/// # Errors
///
/// A message saying what is wrong.
pub(super) fn verify_checkpoint(envelope: &str, log: &LogKey) -> Result<Checkpoint, String> {
    let (text, signatures) = envelope
        .split_once("\n\n")
        .ok_or("the checkpoint has no blank line before its signatures")?;
    if signatures.contains("\n\n") || !signatures.ends_with('\n') {
        return Err(String::from(
            "the checkpoint's signature lines are malformed",
        ));
    }
    // The text with its final newline (what the log signed).
    let signed = envelope.get(..=text.len()).unwrap_or_default();
    let hint = log.key_id.get(..4).ok_or("the log's key ID is too short")?;
    let mut verified = false;
    for line in signatures.lines() {
        let mut parts = line
            .strip_prefix("\u{2014} ")
            .ok_or("a checkpoint signature line does not start with an em dash")?
            .split(' ');
        let (Some(_name), Some(signature), None) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(String::from("a checkpoint signature line is malformed"));
        };
        let signature = super::proto::decode_base64(signature)
            .filter(|s| s.len() > 4)
            .ok_or("a checkpoint signature is not valid base64")?;
        let (key_hint, signature) = signature.split_at(4);
        if key_hint == hint
            && log
                .key
                .verify_with_hash(
                    crate::mechanism::cosign::MessageHash::Sha256,
                    signed.as_bytes(),
                    signature,
                )
                .is_ok()
        {
            verified = true;
        }
    }
    if !verified {
        return Err(String::from(
            "the checkpoint is not signed by the log's key",
        ));
    }
    let mut lines = text.split('\n');
    let origin = lines.next().filter(|o| !o.is_empty());
    let size = lines
        .next()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u64>().ok());
    let root_hash = lines.next().and_then(super::proto::decode_base64);
    match (origin, size, root_hash) {
        (Some(origin), Some(size), Some(root_hash)) => Ok(Checkpoint {
            origin: String::from(origin),
            size,
            root_hash,
        }),
        _ => Err(String::from("the checkpoint's text is malformed")),
    }
}

/// Verifies an inclusion promise: the log's signature over the RFC 8785 form of
/// `{body, integratedTime, logID, logIndex}`.
///
/// # Errors
///
/// When the signature does not verify with the log's key.
pub(super) fn verify_promise(
    log: &LogKey,
    body_base64: &str,
    integrated_time: i64,
    log_index: i64,
    signature: &[u8],
) -> Result<(), String> {
    let mut canonical = String::from("{\"body\":");
    json::write_string(&mut canonical, body_base64);
    canonical.push_str(&format!(
        ",\"integratedTime\":{integrated_time},\"logID\":\"{}\",\"logIndex\":{log_index}}}",
        base16ct::lower::encode_string(&log.key_id)
    ));
    log.key
        .verify_with_hash(
            crate::mechanism::cosign::MessageHash::Sha256,
            canonical.as_bytes(),
            signature,
        )
        .map_err(|_| String::from("the inclusion promise is not signed by the log's key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest power of two below `n` (RFC 6962 §2.1's split).
    fn split(n: usize) -> usize {
        let k = (n - 1).next_power_of_two();
        if k >= n {
            k / 2
        } else {
            k
        }
    }

    fn tree_root(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves {
            [one] => *one,
            _ => {
                let k = split(leaves.len());
                node_hash(&tree_root(&leaves[..k]), &tree_root(&leaves[k..]))
            }
        }
    }

    fn path(index: usize, leaves: &[[u8; 32]]) -> Vec<Vec<u8>> {
        if leaves.len() == 1 {
            return Vec::new();
        }
        let k = split(leaves.len());
        let mut out;
        if index < k {
            out = path(index, &leaves[..k]);
            out.push(tree_root(&leaves[k..]).to_vec());
        } else {
            out = path(index - k, &leaves[k..]);
            out.push(tree_root(&leaves[..k]).to_vec());
        }
        out
    }

    #[test]
    fn every_leaf_of_every_small_tree_reaches_the_root_and_nothing_else_does() {
        for size in 1..=33usize {
            let leaves: Vec<[u8; 32]> = (0..size).map(|i| leaf_hash(&[i as u8])).collect();
            let root = tree_root(&leaves);
            for index in 0..size {
                let proof = path(index, &leaves);
                let (i, n) = (index as u64, size as u64);
                assert_eq!(
                    root_from_inclusion_proof(i, n, leaves[index], &proof),
                    Some(root),
                    "{index}/{size}"
                );
                // Another leaf, another index, a longer or shorter proof, another size.
                let other = leaf_hash(b"x");
                assert_ne!(root_from_inclusion_proof(i, n, other, &proof), Some(root));
                if size > 1 {
                    let j = (i + 1) % n;
                    assert_ne!(
                        root_from_inclusion_proof(j, n, leaves[index], &proof),
                        Some(root)
                    );
                    let mut short = proof.clone();
                    short.pop();
                    assert_ne!(
                        root_from_inclusion_proof(i, n, leaves[index], &short),
                        Some(root)
                    );
                }
                let mut long = proof.clone();
                long.push([0; 32].to_vec());
                assert_eq!(root_from_inclusion_proof(i, n, leaves[index], &long), None);
                assert_eq!(root_from_inclusion_proof(n, n, leaves[index], &proof), None);
            }
        }
    }
}
