//! Anchored regular expressions for certificate identities (`subjectRegExp`, a sigwall
//! extension): the pattern must match the whole SAN, as if written `^(?:pattern)$`.
//!
//! The syntax is a subset of RE2's (what Go's `regexp`, and so cosign's
//! `--certificate-identity-regexp`, accepts), with the same meaning for every pattern accepted:
//! literals and escaped metacharacters, `.` (any character but a newline), classes `[a-z_]`,
//! `[^…]`, the ASCII classes `\d \w \s \D \W \S`, groups `(…)` and `(?:…)`, alternation `|`,
//! the quantifiers `* + ? {n} {n,} {n,m}` (and their lazy forms, which match the same strings),
//! and `^` / `$` at any position (start and end of the text). Anything else (flags, Unicode
//! classes, word boundaries, named groups, backreferences) is refused when the policy is
//! parsed, never guessed at.
//!
//! Matching is a Pike VM: linear in the text for a given pattern, so no pattern and no
//! certificate can make it run away. The crates that do this (`regex-lite`, `regex-automata`)
//! cost 25–70 KiB of brotli-compressed wasm and `regex-lite` needs `std`; this is a few KiB.
//!
//! Only builds with sigwall's policy extension (feature `extensions`: the keyless module and the
//! policy tooling) carry the engine; without it the parser refuses `subjectRegExp` as podman
//! does, as an unknown field.

#[cfg(not(feature = "extensions"))]
use alloc::format;
use alloc::string::String;

/// Patterns longer than this are refused.
pub const MAX_PATTERN_BYTES: usize = 4096;

/// A compiled, anchored pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    #[cfg(feature = "extensions")]
    program: alloc::vec::Vec<engine::Inst>,
}

#[cfg(not(feature = "extensions"))]
impl Pattern {
    /// Keeps `source` (this build cannot match it; see the module documentation).
    ///
    /// # Errors
    ///
    /// A pattern that is too long.
    pub fn new(source: &str) -> Result<Pattern, String> {
        if source.len() > MAX_PATTERN_BYTES {
            return Err(format!(
                "the pattern is longer than {MAX_PATTERN_BYTES} bytes"
            ));
        }
        Ok(Pattern {
            source: String::from(source),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

#[cfg(feature = "extensions")]
mod engine {
    use super::{Pattern, MAX_PATTERN_BYTES};
    use alloc::boxed::Box;
    use alloc::format;
    use alloc::string::String;
    use alloc::vec::Vec;

    /// A counted repetition may not exceed this (RE2 allows 1000; SAN patterns need far less).
    const MAX_REPEAT: u32 = 1000;
    /// Compiled programs larger than this are refused (nested counted repetitions grow fast).
    const MAX_PROGRAM: usize = 20_000;

    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(super) enum Inst {
        /// One character in one of these ranges (negated: in none of them).
        Class {
            ranges: Vec<(char, char)>,
            negated: bool,
        },
        /// Continue at both (the first preferred; preference does not matter for a yes/no match).
        Split(usize, usize),
        Jump(usize),
        /// Start of the text.
        Start,
        /// End of the text.
        End,
        Match,
    }

    #[derive(Clone, Debug)]
    enum Node {
        Empty,
        Class {
            ranges: Vec<(char, char)>,
            negated: bool,
        },
        Start,
        End,
        Concat(Vec<Node>),
        Alternate(Vec<Node>),
        Repeat {
            node: Box<Node>,
            min: u32,
            max: Option<u32>,
        },
    }

    impl Pattern {
        /// Compiles `source`.
        ///
        /// # Errors
        ///
        /// What is wrong with it, in words, for a policy error.
        pub fn new(source: &str) -> Result<Pattern, String> {
            if source.len() > MAX_PATTERN_BYTES {
                return Err(format!(
                    "the pattern is longer than {MAX_PATTERN_BYTES} bytes"
                ));
            }
            let mut parser = Parser {
                chars: source.chars().collect(),
                at: 0,
                depth: 0,
                after_counted: false,
            };
            let node = parser.alternation()?;
            if parser.at != parser.chars.len() {
                return Err(String::from("unmatched )"));
            }
            let mut program = Vec::new();
            compile(&node, &mut program)?;
            program.push(Inst::Match);
            Ok(Pattern {
                source: String::from(source),
                program,
            })
        }

        /// The pattern as written.
        pub fn as_str(&self) -> &str {
            &self.source
        }

        /// Whether the pattern matches all of `text`.
        pub fn matches(&self, text: &str) -> bool {
            let n = self.program.len();
            let mut current = Threads::new(n);
            let mut next = Threads::new(n);
            let chars: Vec<char> = text.chars().collect();
            self.add(&mut current, 0, 0, chars.len());
            for (i, c) in chars.iter().enumerate() {
                if current.list.is_empty() {
                    return false;
                }
                next.clear();
                for &pc in &current.list {
                    if let Some(Inst::Class { ranges, negated }) = self.program.get(pc) {
                        let inside = ranges.iter().any(|(lo, hi)| lo <= c && c <= hi);
                        if inside != *negated {
                            self.add(&mut next, pc + 1, i + 1, chars.len());
                        }
                    }
                }
                core::mem::swap(&mut current, &mut next);
            }
            current
                .list
                .iter()
                .any(|pc| matches!(self.program.get(*pc), Some(Inst::Match)))
        }

        /// Adds the thread at `pc` and every thread its empty transitions reach at position `at`.
        fn add(&self, threads: &mut Threads, pc: usize, at: usize, len: usize) {
            let mut stack = alloc::vec![pc];
            while let Some(pc) = stack.pop() {
                match threads.seen.get_mut(pc) {
                    Some(seen) if !*seen => *seen = true,
                    _ => continue,
                }
                let Some(inst) = self.program.get(pc) else {
                    continue;
                };
                match inst {
                    Inst::Split(a, b) => {
                        stack.push(*b);
                        stack.push(*a);
                    }
                    Inst::Jump(a) => stack.push(*a),
                    Inst::Start => {
                        if at == 0 {
                            stack.push(pc + 1);
                        }
                    }
                    Inst::End => {
                        if at == len {
                            stack.push(pc + 1);
                        }
                    }
                    Inst::Class { .. } | Inst::Match => threads.list.push(pc),
                }
            }
        }
    }

    struct Threads {
        list: Vec<usize>,
        seen: Vec<bool>,
    }

    impl Threads {
        fn new(n: usize) -> Self {
            Threads {
                list: Vec::new(),
                seen: alloc::vec![false; n],
            }
        }

        fn clear(&mut self) {
            self.list.clear();
            self.seen.iter_mut().for_each(|s| *s = false);
        }
    }

    fn compile(node: &Node, out: &mut Vec<Inst>) -> Result<(), String> {
        if out.len() > MAX_PROGRAM {
            return Err(String::from("the pattern is too large once compiled"));
        }
        match node {
            Node::Empty => {}
            Node::Class { ranges, negated } => out.push(Inst::Class {
                ranges: ranges.clone(),
                negated: *negated,
            }),
            Node::Start => out.push(Inst::Start),
            Node::End => out.push(Inst::End),
            Node::Concat(nodes) => {
                for n in nodes {
                    compile(n, out)?;
                }
            }
            Node::Alternate(nodes) => {
                // split L1, next; L1: first; jump end; next: split L2, … ; last
                let mut jumps = Vec::new();
                for (i, n) in nodes.iter().enumerate() {
                    if i + 1 < nodes.len() {
                        let split = out.len();
                        out.push(Inst::Split(split + 1, 0));
                        compile(n, out)?;
                        jumps.push(out.len());
                        out.push(Inst::Jump(0));
                        let here = out.len();
                        patch(out, split, Inst::Split(split + 1, here));
                    } else {
                        compile(n, out)?;
                    }
                }
                let end = out.len();
                for j in jumps {
                    patch(out, j, Inst::Jump(end));
                }
            }
            Node::Repeat { node, min, max } => {
                for _ in 0..*min {
                    compile(node, out)?;
                }
                match max {
                    None => {
                        // L: split body, end; body; jump L
                        let split = out.len();
                        out.push(Inst::Split(split + 1, 0));
                        compile(node, out)?;
                        out.push(Inst::Jump(split));
                        let end = out.len();
                        patch(out, split, Inst::Split(split + 1, end));
                    }
                    Some(max) => {
                        // Each optional copy: split body, end.
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(out.len());
                            out.push(Inst::Split(0, 0));
                            compile(node, out)?;
                        }
                        let end = out.len();
                        for s in splits {
                            patch(out, s, Inst::Split(s + 1, end));
                        }
                    }
                }
            }
        }
        if out.len() > MAX_PROGRAM {
            return Err(String::from("the pattern is too large once compiled"));
        }
        Ok(())
    }

    struct Parser {
        chars: Vec<char>,
        at: usize,
        depth: u32,
        /// The repetition just read was counted (`{…}`), already consumed.
        after_counted: bool,
    }

    const DIGIT: &[(char, char)] = &[('0', '9')];
    const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
    const SPACE: &[(char, char)] = &[('\t', '\n'), ('\x0c', '\r'), (' ', ' ')];

    impl Parser {
        fn peek(&self) -> Option<char> {
            self.chars.get(self.at).copied()
        }

        fn eat(&mut self, c: char) -> bool {
            if self.peek() == Some(c) {
                self.at += 1;
                true
            } else {
                false
            }
        }

        fn alternation(&mut self) -> Result<Node, String> {
            let mut branches = alloc::vec![self.concatenation()?];
            while self.eat('|') {
                branches.push(self.concatenation()?);
            }
            Ok(if branches.len() == 1 {
                branches.pop().unwrap_or(Node::Empty)
            } else {
                Node::Alternate(branches)
            })
        }

        fn concatenation(&mut self) -> Result<Node, String> {
            let mut items = Vec::new();
            while let Some(c) = self.peek() {
                if c == '|' || c == ')' {
                    break;
                }
                let atom = self.atom()?;
                items.push(self.quantified(atom)?);
            }
            Ok(Node::Concat(items))
        }

        fn quantified(&mut self, atom: Node) -> Result<Node, String> {
            let mut node = atom;
            let mut quantified = false;
            loop {
                let (min, max) = match self.peek() {
                    Some('*') => (0, None),
                    Some('+') => (1, None),
                    Some('?') => (0, Some(1)),
                    Some('{') => match self.counted()? {
                        Some(bounds) => bounds,
                        None => break,
                    },
                    _ => break,
                };
                if matches!(self.peek(), Some('*' | '+' | '?')) && !self.after_counted {
                    self.at += 1;
                }
                self.after_counted = false;
                if quantified {
                    // RE2 refuses `a**` and `a{2}{3}`.
                    return Err(String::from("invalid nested repetition operator"));
                }
                // A lazy quantifier matches the same strings.
                self.eat('?');
                node = Node::Repeat {
                    node: Box::new(node),
                    min,
                    max,
                };
                quantified = true;
            }
            Ok(node)
        }

        /// `{n}`, `{n,}` or `{n,m}` at the cursor; `None` (cursor unmoved) when the brace is not a
        /// repetition, which RE2 then reads as a literal `{`.
        fn counted(&mut self) -> Result<Option<(u32, Option<u32>)>, String> {
            let start = self.at;
            self.at += 1;
            let number = |p: &mut Parser| -> Option<u32> {
                let from = p.at;
                let mut value: u32 = 0;
                while let Some(d) = p.peek().and_then(|c| c.to_digit(10)) {
                    value = value.saturating_mul(10).saturating_add(d);
                    p.at += 1;
                }
                (p.at > from).then_some(value)
            };
            let Some(min) = number(self) else {
                self.at = start;
                return Ok(None);
            };
            let max = if self.eat(',') {
                if self.peek() == Some('}') {
                    None
                } else if let Some(m) = number(self) {
                    Some(m)
                } else {
                    self.at = start;
                    return Ok(None);
                }
            } else {
                Some(min)
            };
            if !self.eat('}') {
                self.at = start;
                return Ok(None);
            }
            self.after_counted = true;
            if max.is_some_and(|m| m < min)
                || min > MAX_REPEAT
                || max.is_some_and(|m| m > MAX_REPEAT)
            {
                return Err(String::from("invalid repeat count"));
            }
            Ok(Some((min, max)))
        }

        fn atom(&mut self) -> Result<Node, String> {
            let Some(c) = self.peek() else {
                return Err(String::from("unexpected end of pattern"));
            };
            self.at += 1;
            match c {
                '(' => {
                    if self.eat('?') && !self.eat(':') {
                        return Err(String::from("flags and named groups are not supported"));
                    }
                    self.depth += 1;
                    if self.depth > 100 {
                        return Err(String::from("groups are nested too deeply"));
                    }
                    let inner = self.alternation()?;
                    self.depth -= 1;
                    if !self.eat(')') {
                        return Err(String::from("missing closing )"));
                    }
                    Ok(inner)
                }
                '[' => self.class(),
                '.' => Ok(Node::Class {
                    ranges: alloc::vec![('\n', '\n')],
                    negated: true,
                }),
                '^' => Ok(Node::Start),
                '$' => Ok(Node::End),
                '*' | '+' | '?' => Err(String::from("missing argument to repetition operator")),
                '{' => {
                    self.at -= 1;
                    if self.counted()?.is_some() {
                        return Err(String::from("missing argument to repetition operator"));
                    }
                    self.at += 1;
                    Ok(literal('{'))
                }
                '\\' => {
                    let (ranges, negated) = self.escape(false)?;
                    Ok(Node::Class { ranges, negated })
                }
                c => Ok(literal(c)),
            }
        }

        /// After a backslash: a class (`\d`…) or an escaped punctuation character.
        fn escape(&mut self, in_class: bool) -> Result<(Vec<(char, char)>, bool), String> {
            let Some(c) = self.peek() else {
                return Err(String::from("trailing backslash at end of pattern"));
            };
            self.at += 1;
            let class = |ranges: &[(char, char)], negated| Ok((ranges.to_vec(), negated));
            match c {
                'd' => class(DIGIT, false),
                'D' => class(DIGIT, true),
                'w' => class(WORD, false),
                'W' => class(WORD, true),
                's' => class(SPACE, false),
                'S' => class(SPACE, true),
                't' => class(&[('\t', '\t')], false),
                'n' => class(&[('\n', '\n')], false),
                'r' => class(&[('\r', '\r')], false),
                'f' => class(&[('\x0c', '\x0c')], false),
                'v' => class(&[('\x0b', '\x0b')], false),
                // RE2 lets any ASCII punctuation be escaped to itself.
                c if c.is_ascii_punctuation() => class(&[(c, c)], false),
                _ => Err(format!(
                    "the escape \\{c} is not supported{}",
                    if in_class { " in a class" } else { "" }
                )),
            }
        }

        /// After `[`: a class up to its `]`.
        fn class(&mut self) -> Result<Node, String> {
            let negated = self.eat('^');
            let mut ranges: Vec<(char, char)> = Vec::new();
            let mut negated_parts: Vec<Vec<(char, char)>> = Vec::new();
            let mut first = true;
            loop {
                let Some(c) = self.peek() else {
                    return Err(String::from("missing closing ]"));
                };
                if c == ']' && !first {
                    self.at += 1;
                    break;
                }
                first = false;
                if c == '[' && self.chars.get(self.at + 1) == Some(&':') {
                    return Err(String::from("POSIX classes ([:alpha:]) are not supported"));
                }
                self.at += 1;
                let lo = if c == '\\' {
                    let (set, neg) = self.escape(true)?;
                    match (set.as_slice(), neg) {
                        ([(a, b)], false) if a == b => *a,
                        (_, false) => {
                            ranges.extend(set);
                            continue;
                        }
                        (_, true) => {
                            negated_parts.push(set);
                            continue;
                        }
                    }
                } else {
                    c
                };
                // A range `a-z`, unless the `-` is last.
                if self.peek() == Some('-')
                    && self.chars.get(self.at + 1).is_some_and(|n| *n != ']')
                {
                    self.at += 1;
                    let Some(h) = self.peek() else {
                        return Err(String::from("missing closing ]"));
                    };
                    self.at += 1;
                    let hi = if h == '\\' {
                        match self.escape(true)? {
                            (set, false) => match set.as_slice() {
                                [(a, b)] if a == b => *a,
                                _ => return Err(String::from("invalid character class range")),
                            },
                            _ => return Err(String::from("invalid character class range")),
                        }
                    } else {
                        h
                    };
                    if hi < lo {
                        return Err(String::from("invalid character class range"));
                    }
                    ranges.push((lo, hi));
                } else {
                    ranges.push((lo, lo));
                }
            }
            // `\D`, `\W` and `\S` inside a class: add their complements.
            for part in negated_parts {
                ranges.extend(complement(&part));
            }
            Ok(Node::Class { ranges, negated })
        }
    }

    /// Sets an instruction written earlier as a placeholder.
    fn patch(out: &mut [Inst], at: usize, inst: Inst) {
        if let Some(slot) = out.get_mut(at) {
            *slot = inst;
        }
    }

    fn literal(c: char) -> Node {
        Node::Class {
            ranges: alloc::vec![(c, c)],
            negated: false,
        }
    }

    /// The characters not in `ranges` (sorted, disjoint), as ranges.
    fn complement(ranges: &[(char, char)]) -> Vec<(char, char)> {
        let mut out = Vec::new();
        let mut next: u32 = 0;
        for (lo, hi) in ranges {
            if (*lo as u32) > next {
                if let (Some(a), Some(b)) = (char::from_u32(next), prev_char(*lo)) {
                    out.push((a, b));
                }
            }
            next = *hi as u32 + 1;
        }
        if let Some(a) = char::from_u32(next) {
            out.push((a, char::MAX));
        }
        out
    }

    fn prev_char(c: char) -> Option<char> {
        char::from_u32((c as u32).checked_sub(1)?)
    }
}

#[cfg(test)]
mod tests;
