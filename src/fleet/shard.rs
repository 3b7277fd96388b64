//! `--shard I/N`: which slice of a fleet one worker scans, decided by each
//! image alone so that N workers given the same list split it with no
//! coordination, every image in exactly one slice.
//!
//! The key is the manifest digest when the reference pins one (`fleet list
//! --digests` writes them), else the reference as listed. A digest is only
//! known before fetching when the list carries it: resolving it in every
//! worker would cost each of N workers one manifest request per image of the
//! whole fleet before its first analysis. Keyed by digest, the same image
//! under several tags lands on one worker, whose layer cache then serves it.
//! The slice is the first 8 bytes of the key's SHA-256, modulo N.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The variable a Kubernetes Indexed Job sets to the pod's index.
pub const JOB_INDEX_VARIABLE: &str = "JOB_COMPLETION_INDEX";

/// Slice `index` (from 0) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Every image.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// `I/N` with `0 <= I < N`; `I` may be `auto`, the value of
    /// `JOB_COMPLETION_INDEX` (`job_index`, read by the caller).
    pub fn parse(text: &str, job_index: Option<&str>) -> Result<Shard> {
        let usage = |why: &str| {
            Error::Usage(format!(
                "--shard '{text}': {why}; expected I/N with 0 <= I < N (e.g. 0/4), or \
                 auto/N in a Kubernetes Indexed Job ({JOB_INDEX_VARIABLE})"
            ))
        };
        let (i, n) = text.split_once('/').ok_or_else(|| usage("no '/'"))?;
        let count: u64 = n.trim().parse().map_err(|_| usage("N is not a number"))?;
        let i = if i.trim() == "auto" {
            job_index.ok_or_else(|| usage(&format!("{JOB_INDEX_VARIABLE} is not set")))?
        } else {
            i
        };
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| usage(&format!("the index '{i}' is not a number")))?;
        if count == 0 || index >= count {
            return Err(usage("the index is not below the count"));
        }
        Ok(Shard { index, count })
    }

    /// Whether `reference` is in this slice.
    pub fn holds(&self, reference: &str) -> bool {
        self.count <= 1 || slice_of(reference, self.count) == self.index
    }
}

/// The slice of `reference` among `count`.
pub fn slice_of(reference: &str, count: u64) -> u64 {
    let key = match reference.split_once('@') {
        Some((_, digest)) => digest,
        None => reference,
    };
    let hash = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first) % count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_what_is_not_a_slice() {
        assert_eq!(
            Shard::parse("2/4", None).unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert_eq!(
            Shard::parse("auto/8", Some("7")).unwrap(),
            Shard { index: 7, count: 8 }
        );
        for bad in ["4/4", "1/0", "x/2", "2", "auto/3"] {
            assert!(Shard::parse(bad, None).is_err(), "{bad}");
        }
        assert!(Shard::parse("auto/3", Some("3")).is_err());
    }

    #[test]
    fn every_reference_is_in_exactly_one_slice() {
        let refs: Vec<String> = (0..200).map(|i| format!("r.example/app{i}:1")).collect();
        let mut sizes = [0; 4];
        for r in &refs {
            let holders: Vec<u64> = (0..4)
                .filter(|&i| Shard { index: i, count: 4 }.holds(r))
                .collect();
            assert_eq!(holders.len(), 1, "{r}");
            sizes[holders[0] as usize] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 25), "a fair split: {sizes:?}");
    }

    #[test]
    fn a_pinned_image_goes_where_its_digest_goes_whatever_its_tag() {
        let d = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        let a = slice_of(&format!("r/a:1@{d}"), 7);
        assert_eq!(a, slice_of(&format!("r/b:latest@{d}"), 7));
    }
}
