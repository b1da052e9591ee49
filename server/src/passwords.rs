//! Group users' passwords: Argon2id hashes in PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`),
//! verified in constant time by the `argon2` crate. A password is never stored, logged,
//! echoed, audited or put in an error message: only its hash leaves this module.
//!
//! Hashing takes tens of milliseconds of one core on purpose. Callers hash before opening a
//! transaction and verify after reading the hash, never while a transaction (or SQLite's
//! single write lock) is held.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Argon2id with m = 19456 KiB (19 MiB), t = 2 iterations, p = 1 lane: the first of the
/// equivalent settings the OWASP Password Storage Cheat Sheet recommends for Argon2id, as
/// strong as its more memory-hungry alternatives while keeping a login at about 19 MiB of
/// memory (64 concurrent logins fit in 1.2 GiB). Stored hashes carry their parameters, so
/// raising these later still verifies the old ones.
const ARGON2_PARAMS: (u32, u32, u32) = (19_456, 2, 1);

/// Shortest password accepted, in characters.
pub const MIN_LEN: usize = 8;
/// Longest password accepted, in characters (hashing cost does not depend on it much, but
/// the request should be bounded).
pub const MAX_LEN: usize = 256;

fn hasher() -> Argon2<'static> {
    let (m, t, p) = ARGON2_PARAMS;
    let params = Params::new(m, t, p, None).expect("the Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of `password` with a fresh 16-byte salt from the OS random source.
pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source failed");
    hash_with(password, &salt)
}

fn hash_with(password: &str, salt: &[u8]) -> String {
    let salt = SaltString::encode_b64(salt).expect("a 16-byte salt encodes");
    hasher().hash_password(password.as_bytes(), &salt).expect("Argon2 hashes any password").to_string()
}

/// True when `password` matches the PHC string `hash`. A hash that does not parse (it
/// never is: only [`hash`] writes them) matches nothing.
pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Verifies against a fixed hash that no password matches in practice, with the same
/// parameters: an unknown username costs what a wrong password costs, so usernames cannot be
/// told apart by the time an answer takes.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_with("no user has this password", b"licensekit-dummy"));
    // The outcome is of no use: the point is the work.
    std::hint::black_box(verify(password, dummy));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_carry_their_parameters() {
        let started = std::time::Instant::now();
        let hashed = hash("correct horse");
        let took = started.elapsed();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hashed}");
        assert!(!hashed.contains("correct horse"));
        assert_ne!(hash("correct horse"), hashed, "a fresh salt each time");
        assert!(verify("correct horse", &hashed));
        assert!(!verify("correct horsE", &hashed));
        assert!(!verify("correct horse", "not a PHC string"));
        verify_dummy("anything");
        eprintln!("one Argon2id hash took {took:?}");
    }
}
