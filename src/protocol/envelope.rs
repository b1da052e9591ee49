//! The signed envelope.
//!
//! Compact form, one line, used inside protocol messages and the store:
//!
//! ```text
//! lk1.<kind>.<key id: 16 lower-case hex>.<payload: base64url>.<signature: base64url>
//! ```
//!
//! The signature is Ed25519 over a domain-separated message,
//! `"licensekit-envelope\0" ‖ format tag ‖ "\0" ‖ kind ‖ "\0" ‖ payload bytes`, so the kind is
//! signed (a passive license can never pass as a lease) and a signature made for any other
//! purpose with the same key can never pass as an envelope. The payload bytes are verified
//! exactly as transmitted and only then parsed; nothing is re-serialised.
//!
//! Every field has exactly one accepted spelling (lower-case hex, canonical unpadded base64url),
//! so a single changed character always changes what is verified or fails to parse.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::armour;
use super::keys::{KeyId, PublicKey, SigningKey, TrustedKeys};
use crate::Status;

/// The format tag of this version of the envelope.
pub const FORMAT_TAG: &str = "lk1";
/// The largest payload that is signed or accepted.
pub const MAX_PAYLOAD: usize = 48 * 1024;
/// The largest envelope text (compact or armoured) that is parsed at all.
pub const MAX_ENVELOPE_TEXT: usize = 96 * 1024;

const DOMAIN: &[u8] = b"licensekit-envelope\0";

/// What an envelope is. Part of the signed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// An online activation's lease (server → client).
    Lease,
    /// A trial's lease (server → client).
    TrialLease,
    /// An offline activation certificate (vendor → air-gapped client).
    ActivationCertificate,
    /// A passive license bound to a client ID (vendor → client).
    PassiveLicense,
    /// A floating seat lease (server → client).
    FloatingSeat,
    /// A LAN master license (vendor → network daemon).
    NetworkMasterLicense,
    /// A network seat (LAN daemon → workstation), signed by the daemon key its master
    /// license names.
    NetworkSeat,
    /// An offline activation request (installation → vendor).
    ActivationRequest,
    /// An offline deactivation certificate (installation → vendor).
    DeactivationCertificate,
    /// A request signed by an activated installation (installation → server).
    ClientRequest,
    /// The previous installation key handing its seat over to a new installation key on the
    /// same computer (installation → server, inside an activation request).
    KeyHandover,
    /// One use recorded offline in the usage journal (installation → server, inside a
    /// refresh, deactivation or deactivation certificate).
    JournalEntry,
}

impl Kind {
    const ALL: [Kind; 12] = [
        Kind::Lease,
        Kind::TrialLease,
        Kind::ActivationCertificate,
        Kind::PassiveLicense,
        Kind::FloatingSeat,
        Kind::NetworkMasterLicense,
        Kind::NetworkSeat,
        Kind::ActivationRequest,
        Kind::DeactivationCertificate,
        Kind::ClientRequest,
        Kind::KeyHandover,
        Kind::JournalEntry,
    ];

    /// The wire name, e.g. `passive-license`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Lease => "lease",
            Kind::TrialLease => "trial-lease",
            Kind::ActivationCertificate => "activation-certificate",
            Kind::PassiveLicense => "passive-license",
            Kind::FloatingSeat => "floating-seat",
            Kind::NetworkMasterLicense => "network-master-license",
            Kind::NetworkSeat => "network-seat",
            Kind::ActivationRequest => "activation-request",
            Kind::DeactivationCertificate => "deactivation-certificate",
            Kind::ClientRequest => "client-request",
            Kind::KeyHandover => "key-handover",
            Kind::JournalEntry => "journal-entry",
        }
    }

    /// Parses a wire name; only the exact lower-case spelling is accepted.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The label of the armoured form, e.g. `PASSIVE LICENSE`.
    pub fn label(self) -> String {
        self.as_str().replace('-', " ").to_ascii_uppercase()
    }
}

/// A signed artifact. Construct one by [`Envelope::sign`] or [`Envelope::parse`]; read its
/// payload only after [`Envelope::verify`] (or [`Envelope::verify_with`]) succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    kind: Kind,
    key_id: KeyId,
    payload: Vec<u8>,
    signature: [u8; 64],
}

impl Envelope {
    /// Signs `payload` as an envelope of `kind`.
    pub fn sign(key: &SigningKey, kind: Kind, payload: &[u8]) -> Result<Envelope, Status> {
        if payload.len() > MAX_PAYLOAD {
            return Err(Status::EnvelopeTooLarge);
        }
        let signature = key.sign_raw(&signed_message(kind, payload));
        Ok(Envelope { kind, key_id: key.public_key().id(), payload: payload.to_vec(), signature })
    }

    /// Parses the compact or the armoured form, strictly. Verifies nothing yet.
    pub fn parse(text: &str) -> Result<Envelope, Status> {
        if text.len() > MAX_ENVELOPE_TEXT {
            return Err(Status::EnvelopeTooLarge);
        }
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if text.starts_with(armour::BEGIN) {
            let (label, compact) = armour::unwrap(text)?;
            let envelope = Envelope::parse_compact(&compact)?;
            if label != envelope.kind.label() {
                return Err(Status::MalformedEnvelope);
            }
            Ok(envelope)
        } else {
            Envelope::parse_compact(text)
        }
    }

    fn parse_compact(text: &str) -> Result<Envelope, Status> {
        let mut parts = text.split('.');
        let tag = parts.next().unwrap_or_default();
        if tag != FORMAT_TAG {
            let is_other_version =
                tag.len() > 2 && tag.starts_with("lk") && tag[2..].bytes().all(|b| b.is_ascii_digit());
            return Err(if is_other_version {
                Status::UnsupportedVersion
            } else {
                Status::MalformedEnvelope
            });
        }
        let (Some(kind), Some(key_id), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Status::MalformedEnvelope);
        };
        let kind = Kind::parse(kind).ok_or(Status::MalformedEnvelope)?;
        let key_id = KeyId::from_hex(key_id).ok_or(Status::MalformedEnvelope)?;
        if payload.len() > MAX_PAYLOAD.div_ceil(3) * 4 {
            return Err(Status::EnvelopeTooLarge);
        }
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| Status::MalformedEnvelope)?;
        let signature: [u8; 64] = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(Status::MalformedEnvelope)?;
        Ok(Envelope { kind, key_id, payload, signature })
    }

    /// The compact, one-line form.
    pub fn to_compact(&self) -> String {
        format!(
            "{FORMAT_TAG}.{}.{}.{}.{}",
            self.kind.as_str(),
            self.key_id,
            URL_SAFE_NO_PAD.encode(&self.payload),
            URL_SAFE_NO_PAD.encode(self.signature)
        )
    }

    /// The armoured form for files people mail around: the kind readable in the first line,
    /// lines of 64 characters, nothing that e-mail or copy-paste mangles.
    pub fn to_armoured(&self) -> String {
        armour::wrap(&self.kind.label(), &self.to_compact())
    }

    /// The kind, as claimed by the (not yet verified) envelope.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The ID of the key that claims to have signed it.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The payload bytes WITHOUT any verification. Only for learning which key to verify
    /// with when the payload names it (a self-signed activation request); never act on them
    /// before [`Envelope::verify_with`] succeeded.
    pub fn unverified_payload(&self) -> &[u8] {
        &self.payload
    }

    /// Verifies against the trusted vendor keys and the kind the caller expects, then returns
    /// the payload bytes exactly as they were signed.
    pub fn verify(&self, trusted: &TrustedKeys, expected: Kind) -> Result<&[u8], Status> {
        if self.kind != expected {
            return Err(Status::WrongKind);
        }
        let key = trusted.get(self.key_id).ok_or(Status::UnknownKey)?;
        self.verify_with(key, expected)
    }

    /// Verifies against one known key (an installation key recorded at activation).
    pub fn verify_with(&self, key: &PublicKey, expected: Kind) -> Result<&[u8], Status> {
        if self.kind != expected {
            return Err(Status::WrongKind);
        }
        if self.key_id != key.id() {
            return Err(Status::UnknownKey);
        }
        if !key.verify(&signed_message(self.kind, &self.payload), &self.signature) {
            return Err(Status::BadSignature);
        }
        Ok(&self.payload)
    }
}

/// The exact bytes that are signed. Public so benchmarks and other implementations can check
/// themselves against it.
pub fn signed_message(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let kind = kind.as_str().as_bytes();
    let mut message = Vec::with_capacity(DOMAIN.len() + FORMAT_TAG.len() + kind.len() + payload.len() + 2);
    message.extend_from_slice(DOMAIN);
    message.extend_from_slice(FORMAT_TAG.as_bytes());
    message.push(0);
    message.extend_from_slice(kind);
    message.push(0);
    message.extend_from_slice(payload);
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_seed(&[seed; 32])
    }

    fn trusted(keys: &[&SigningKey]) -> TrustedKeys {
        let mut t = TrustedKeys::new();
        for k in keys {
            t.add(k.public_key()).unwrap();
        }
        t
    }

    const PAYLOAD: &[u8] = br#"{"product":"6872450105","serial":7}"#;

    #[test]
    fn round_trip_compact_and_armoured() {
        let k = key(1);
        let env = Envelope::sign(&k, Kind::Lease, PAYLOAD).unwrap();
        for text in [env.to_compact(), env.to_armoured()] {
            let parsed = Envelope::parse(&text).unwrap();
            assert_eq!(parsed, env);
            assert_eq!(parsed.verify(&trusted(&[&k]), Kind::Lease).unwrap(), PAYLOAD);
        }
    }

    #[test]
    fn armoured_survives_mail_clients() {
        let k = key(1);
        let env = Envelope::sign(&k, Kind::PassiveLicense, PAYLOAD).unwrap();
        let mailed = format!("\r\n  {}  \r\n", env.to_armoured().replace('\n', "\r\n  "));
        assert_eq!(Envelope::parse(&mailed).unwrap(), env);
        assert!(env.to_armoured().starts_with("-----BEGIN LICENSEKIT PASSIVE LICENSE-----\n"));
    }

    #[test]
    fn every_single_bit_flip_of_the_text_is_rejected() {
        let k = key(2);
        let t = trusted(&[&k]);
        let env = Envelope::sign(&k, Kind::ActivationCertificate, PAYLOAD).unwrap();
        for text in [env.to_compact(), env.to_armoured()] {
            let bytes = text.as_bytes();
            for i in 0..bytes.len() {
                for bit in 0..8 {
                    let mut flipped = bytes.to_vec();
                    flipped[i] ^= 1 << bit;
                    let Ok(flipped) = String::from_utf8(flipped) else { continue };
                    let result = Envelope::parse(&flipped)
                        .and_then(|e| e.verify(&t, Kind::ActivationCertificate).map(|p| p.to_vec()));
                    assert!(result.is_err(), "flip of bit {bit} at {i} accepted: {flipped}");
                }
            }
        }
    }

    #[test]
    fn every_single_bit_flip_of_the_parts_is_rejected() {
        let k = key(3);
        let t = trusted(&[&k]);
        let env = Envelope::sign(&k, Kind::Lease, PAYLOAD).unwrap();
        for i in 0..env.payload.len() * 8 {
            let mut e = env.clone();
            e.payload[i / 8] ^= 1 << (i % 8);
            assert_eq!(e.verify(&t, Kind::Lease), Err(Status::BadSignature));
        }
        for i in 0..512 {
            let mut e = env.clone();
            e.signature[i / 8] ^= 1 << (i % 8);
            assert_eq!(e.verify(&t, Kind::Lease), Err(Status::BadSignature));
        }
        for i in 0..64 {
            let mut e = env.clone();
            e.key_id.0[i / 8] ^= 1 << (i % 8);
            assert_eq!(e.verify(&t, Kind::Lease), Err(Status::UnknownKey));
        }
        for other in Kind::ALL.into_iter().filter(|k| *k != Kind::Lease) {
            // A kind swapped after signing is both the wrong kind and a broken signature.
            let mut e = env.clone();
            e.kind = other;
            assert_eq!(e.verify(&t, Kind::Lease), Err(Status::WrongKind));
            assert_eq!(e.verify(&t, other), Err(Status::BadSignature));
        }
    }

    #[test]
    fn one_kind_is_never_accepted_as_another() {
        let k = key(4);
        let t = trusted(&[&k]);
        for kind in Kind::ALL {
            let env = Envelope::sign(&k, kind, PAYLOAD).unwrap();
            for expected in Kind::ALL {
                let r = env.verify(&t, expected);
                if kind == expected {
                    assert!(r.is_ok());
                } else {
                    assert_eq!(r, Err(Status::WrongKind));
                }
            }
        }
    }

    #[test]
    fn unknown_key_and_rotation() {
        let (old, new, stranger) = (key(5), key(6), key(7));
        let t = trusted(&[&old, &new]);
        for k in [&old, &new] {
            let env = Envelope::sign(k, Kind::Lease, PAYLOAD).unwrap();
            assert!(env.verify(&t, Kind::Lease).is_ok());
        }
        let env = Envelope::sign(&stranger, Kind::Lease, PAYLOAD).unwrap();
        assert_eq!(env.verify(&t, Kind::Lease), Err(Status::UnknownKey));
        assert_eq!(env.verify(&TrustedKeys::new(), Kind::Lease), Err(Status::UnknownKey));
    }

    #[test]
    fn oversized_and_malformed_inputs() {
        let k = key(8);
        assert_eq!(
            Envelope::sign(&k, Kind::Lease, &vec![b'x'; MAX_PAYLOAD + 1]),
            Err(Status::EnvelopeTooLarge)
        );
        assert_eq!(Envelope::parse(&"a".repeat(MAX_ENVELOPE_TEXT + 1)), Err(Status::EnvelopeTooLarge));
        let good = Envelope::sign(&k, Kind::Lease, PAYLOAD).unwrap().to_compact();
        let parts: Vec<&str> = good.split('.').collect();
        let cases = [
            String::new(),
            "lk1".into(),
            "lk1....".into(),
            format!("{good}."),
            format!(".{good}"),
            good.replacen("lease", "LEASE", 1),
            good.replacen("lease", "lease2", 1),
            format!("lk1.lease.{}.{}.{}", parts[2].to_uppercase(), parts[3], parts[4]),
            format!("lk1.lease.{}.{}=.{}", parts[2], parts[3], parts[4]),
            format!("lk1.lease.{}.{}.{}", parts[2], parts[3], &parts[4][1..]),
            format!("lk1.lease.{}.{}.{}A", parts[2], parts[3], parts[4]),
            format!("lk1.lease.{}.{}+.{}", parts[2], parts[3], parts[4]),
            "-----BEGIN LICENSEKIT LEASE-----".into(),
            "-----BEGIN LICENSEKIT LEASE-----\n-----END LICENSEKIT LEASE-----".into(),
            format!("-----BEGIN LICENSEKIT TRIAL LEASE-----\n{good}\n-----END LICENSEKIT TRIAL LEASE-----"),
            format!("-----BEGIN LICENSEKIT LEASE-----\n{good}\n-----END LICENSEKIT LEASE-----\ntrailer"),
            "\u{0}\u{ffff}🦀".into(),
        ];
        for case in cases {
            assert!(Envelope::parse(&case).is_err(), "accepted: {case:?}");
        }
        assert_eq!(Envelope::parse(&good.replacen("lk1", "lk2", 1)), Err(Status::UnsupportedVersion));
    }
}
