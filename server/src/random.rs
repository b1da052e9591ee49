//! Identifiers, codes and keys from the operating system's random source (`getrandom`),
//! so none can be guessed from another.

/// A uniformly random u64. The OS random source failing is unrecoverable for a licensing
/// server (it could only issue guessable codes), so it aborts the request with a panic that
/// the server turns into a 500 — it does not happen on a working Linux system.
fn u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    u64::from_le_bytes(bytes)
}

/// A uniform integer in `0..bound` (rejection sampling: no modulo bias).
fn below(bound: u64) -> u64 {
    let zone = u64::MAX - u64::MAX % bound;
    loop {
        let x = u64();
        if x < zone {
            return x % bound;
        }
    }
}

/// `len` decimal digits, the first non-zero (product IDs, customer IDs).
pub fn digits(len: usize) -> String {
    let mut text = String::with_capacity(len);
    text.push(char::from(b'1' + below(9) as u8));
    for _ in 1..len {
        text.push(char::from(b'0' + below(10) as u8));
    }
    text
}

/// A license code like the seed's: a uniform number of 18 or 19 digits (10^17 ..= 10^19 - 1),
/// about 63 bits of entropy.
pub fn license_code() -> String {
    const LOW: u64 = 100_000_000_000_000_000;
    const HIGH: u64 = 10_000_000_000_000_000_000;
    (LOW + below(HIGH - LOW)).to_string()
}

/// An API key: 32 characters of [A-Za-z0-9] (about 190 bits), like the seed's
/// `abcd12wV4D1Hxjf` but longer.
pub fn api_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..32).map(|_| char::from(ALPHABET[below(ALPHABET.len() as u64) as usize])).collect()
}

/// 32 lower-case hex characters (128 bits): seat and session IDs.
pub fn hex_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    format!("{:032x}", u128::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        for _ in 0..1000 {
            let code = license_code();
            assert!(code.len() == 18 || code.len() == 19, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
            let id = digits(10);
            assert_eq!(id.len(), 10);
            assert_ne!(id.as_bytes()[0], b'0');
            assert!(api_key().bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        assert_ne!(license_code(), license_code());
    }
}
