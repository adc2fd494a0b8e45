//! A tiny deterministic PRNG and the Kubernetes-looking strings made from it.
//!
//! Every random-looking value is drawn from a generator seeded by a stable key (such as
//! `"pods/payments/payments-api"`), so editing one table row does not reshuffle the rest.

/// SplitMix64, seeded with the FNV-1a hash of a key.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

/// Kubernetes' `SafeEncodeString` alphabet (pod-template hashes, generated name suffixes).
const K8S_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
const HEX_LOWER: &[u8] = b"0123456789abcdef";
const DIGITS: &[u8] = b"0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Rng {
    pub(crate) fn new(key: &str) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in key.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Rng(hash)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `lo..=hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                let i = (self.next_u64() % alphabet.len() as u64) as usize;
                char::from(alphabet[i])
            })
            .collect()
    }

    /// A ReplicaSet pod-template hash (`7c9f8d6b5`).
    pub(crate) fn template_hash(&mut self) -> String {
        let len = if self.next_u64().is_multiple_of(3) {
            9
        } else {
            10
        };
        self.chars(K8S_ALPHABET, len)
    }

    /// The five-character suffix of a generated name (`x7k2p`).
    pub(crate) fn name_suffix(&mut self) -> String {
        self.chars(K8S_ALPHABET, 5)
    }

    /// A Kubernetes object uid (`0b7e3c1e-5d1a-4f7e-9a63-2f4c8e2d9a10`).
    pub(crate) fn uid(&mut self) -> String {
        format!(
            "{}-{}-4{}-{}{}-{}",
            self.chars(HEX_LOWER, 8),
            self.chars(HEX_LOWER, 4),
            self.chars(HEX_LOWER, 3),
            self.chars(b"89ab", 1),
            self.chars(HEX_LOWER, 3),
            self.chars(HEX_LOWER, 12)
        )
    }

    /// Digits, as in an Argo Workflows pod name suffix.
    pub(crate) fn digits(&mut self, len: usize) -> String {
        self.chars(DIGITS, len)
    }

    /// An EKS Pod Identity association id (`a-abcdefgh123456789`).
    pub(crate) fn association_id(&mut self) -> String {
        format!("a-{}", self.chars(LOWER_ALNUM, 17))
    }

    /// An IAM role's unique id (`AROA` and 17 upper-case letters and digits).
    pub(crate) fn role_id(&mut self) -> String {
        format!("AROA{}", self.chars(UPPER_ALNUM, 17))
    }

    /// An RFC 3339 UTC time between the first day of `first` and the capture day
    /// (`2026-11-20`) at the latest, as `(year, month)` pairs.
    pub(crate) fn timestamp(&mut self, first: (u64, u64), last: (u64, u64)) -> String {
        let month_index = |(y, m): (u64, u64)| y * 12 + (m - 1);
        let capture = (2026, 11);
        let last = if month_index(last) > month_index(capture) {
            capture
        } else {
            last
        };
        let index = self.range(month_index(first), month_index(last));
        let (year, month) = (index / 12, index % 12 + 1);
        let last_day = if (year, month) == capture { 19 } else { 28 };
        let day = self.range(1, last_day);
        let (h, m, s) = (self.range(0, 23), self.range(0, 59), self.range(0, 59));
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_values() {
        let draw = |key: &str| {
            let mut rng = Rng::new(key);
            (
                rng.template_hash(),
                rng.name_suffix(),
                rng.uid(),
                rng.timestamp((2026, 1), (2026, 12)),
            )
        };
        assert_eq!(draw("pods/a/b"), draw("pods/a/b"));
        assert_ne!(draw("pods/a/b"), draw("pods/a/c"));
        let (hash, suffix, uid, stamp) = draw("x");
        assert!((9..=10).contains(&hash.len()));
        assert_eq!(suffix.len(), 5);
        assert_eq!(uid.len(), 36);
        assert!(stamp.as_str() <= "2026-11-20T00:00:00Z", "{stamp}");
        let id = Rng::new("roles/x").role_id();
        assert_eq!(id.len(), 21, "{id}");
        assert!(id.starts_with("AROA"), "{id}");
        assert!(id[4..].bytes().all(|b| UPPER_ALNUM.contains(&b)), "{id}");
    }
}
