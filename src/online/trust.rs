//! The roots TLS trusts: the operating system's trust store, plus the CA file a vendor
//! configures (`lk_config_set_ca_file`), never instead of it.
//!
//! The system store is what an IT department manages: a corporate TLS-inspection CA deployed
//! by group policy (Windows' certificate store), a configuration profile (the macOS keychain)
//! or the distribution's bundle (`/etc/ssl/certs` and the like on Linux) is trusted with no
//! configuration in the application. `rustls-native-certs` reads it; like OpenSSL, it takes
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` instead where they are set. No bundled copy of the web's
//! roots ships in the library: it would go stale inside applications that are never updated,
//! and would trust what the customer's administrator removed.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::crypto::{CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::SigningKey;
use rustls::{ClientConfig, RootCertStore, SignatureScheme};

use crate::Status;
use crate::log::Level;

/// The TLS settings of one client: rustls's defaults (TLS 1.3 and 1.2) on the roots below.
/// Without a CA file every client shares one, made with the first: a client's start copies
/// no roots.
pub(crate) fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, Status> {
    static SYSTEM_ONLY: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if ca_file.is_none()
        && let Some(config) = SYSTEM_ONLY.get()
    {
        return Ok(Arc::clone(config));
    }
    let config = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| crate::detail::note(Status::Internal, format!("TLS settings: {e}")))?
        .with_root_certificates(roots(ca_file)?)
        .with_no_client_auth();
    let config = Arc::new(config);
    Ok(match ca_file {
        None => Arc::clone(SYSTEM_ONLY.get_or_init(|| config)),
        Some(_) => config,
    })
}

/// The roots for one client: the system's, with the certificates of `ca_file` added.
fn roots(ca_file: Option<&Path>) -> Result<RootCertStore, Status> {
    let mut roots = system().clone();
    let Some(path) = ca_file else { return Ok(roots) };
    let pem = std::fs::read(path)
        .map_err(|e| crate::detail::io(Status::InvalidArgument, "cannot read the CA file", path, &e))?;
    let added: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok).collect();
    let (valid, invalid) = roots.add_parsable_certificates(added);
    if valid == 0 {
        let why = if invalid == 0 { "holds no PEM certificate" } else { "holds no usable CA certificate" };
        return Err(crate::detail::note(Status::InvalidArgument, format!("{} {why}", path.display())));
    }
    Ok(roots)
}

/// rustls's cryptography: ring's, as the server's, less the key provider. One per process.
///
/// The key provider parses and signs with private keys, for client certificates, which the
/// library never presents. It is left out so that the linker drops ring's RSA, ECDSA and
/// Ed25519 signing from the shipped library. That takes building the provider from its
/// parts: `rustls::crypto::ring::default_provider()` names ring's key provider in its own
/// body, so calling it at all keeps the signing code (about 55 KB of the stripped
/// library). Every cipher suite, key exchange and signature verification stays; a test
/// checks that they are exactly the default provider's.
pub(crate) fn crypto_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    Arc::clone(PROVIDER.get_or_init(|| {
        Arc::new(CryptoProvider {
            cipher_suites: rustls::crypto::ring::DEFAULT_CIPHER_SUITES.to_vec(),
            kx_groups: rustls::crypto::ring::DEFAULT_KX_GROUPS.to_vec(),
            signature_verification_algorithms: VERIFICATION,
            secure_random: &SystemRandom,
            key_provider: &NoClientKeys,
        })
    }))
}

/// The server-certificate signatures webpki checks with ring: rustls's list for its ring
/// provider, which rustls keeps private (for TLS 1.2 the curve is not fixed by the scheme).
static VERIFICATION: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        webpki::ring::ECDSA_P256_SHA256,
        webpki::ring::ECDSA_P256_SHA384,
        webpki::ring::ECDSA_P384_SHA256,
        webpki::ring::ECDSA_P384_SHA384,
        webpki::ring::ED25519,
        webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        webpki::ring::RSA_PKCS1_2048_8192_SHA256,
        webpki::ring::RSA_PKCS1_2048_8192_SHA384,
        webpki::ring::RSA_PKCS1_2048_8192_SHA512,
        webpki::ring::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        webpki::ring::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        webpki::ring::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[webpki::ring::ECDSA_P384_SHA384, webpki::ring::ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[webpki::ring::ECDSA_P256_SHA256, webpki::ring::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[webpki::ring::ED25519]),
        (SignatureScheme::RSA_PSS_SHA512, &[webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA384, &[webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA256, &[webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY]),
        (SignatureScheme::RSA_PKCS1_SHA512, &[webpki::ring::RSA_PKCS1_2048_8192_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[webpki::ring::RSA_PKCS1_2048_8192_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[webpki::ring::RSA_PKCS1_2048_8192_SHA256]),
    ],
};

/// The operating system's random numbers (through getrandom, as ring's own source): TLS
/// randoms and key shares.
#[derive(Debug)]
struct SystemRandom;

impl SecureRandom for SystemRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        getrandom::fill(buf).map_err(|_| GetRandomFailed)
    }
}

/// Refuses every private key: the library authenticates with signed requests, not with a
/// client certificate.
#[derive(Debug)]
struct NoClientKeys;

impl KeyProvider for NoClientKeys {
    fn load_private_key(&self, _key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General("licensekit presents no client certificate".into()))
    }
}

/// The system's roots, read once per process (a few milliseconds: the Linux bundle is about
/// 150 certificates) when the first client that talks to a server is made. Certificates the
/// store holds but that cannot be parsed are left out and logged; an empty or unreadable
/// store is logged too, and connections then fail with a TLS error naming an unknown issuer.
fn system() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            crate::log::emit(Level::Warn, &format!("the system trust store: {error}"));
        }
        let mut roots = RootCertStore::empty();
        let (_, unusable) = roots.add_parsable_certificates(found.certs);
        if unusable > 0 {
            crate::log::emit(
                Level::Warn,
                &format!("the system trust store: {unusable} certificates left out"),
            );
        }
        if roots.is_empty() {
            crate::log::emit(
                Level::Warn,
                "the system trust store holds no certificate: TLS works only with a CA file \
                 (lk_config_set_ca_file)",
            );
        }
        roots
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This machine's bundle (Debian's ca-certificates, which every Debian image has, found
    /// by openssl-probe or named by `SSL_CERT_FILE`): the store is read, not empty.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_linux_bundle_is_read() {
        assert!(system().len() > 50, "{} roots", system().len());
    }

    /// The provider is ring's default one but for its key provider: the same suites, key
    /// exchanges and verification algorithms, so a rustls upgrade that changes them fails here.
    #[test]
    fn the_provider_is_rings_default_without_keys() {
        let ours = crypto_provider();
        let default = rustls::crypto::ring::default_provider();
        assert_eq!(format!("{:?}", ours.cipher_suites), format!("{:?}", default.cipher_suites));
        assert_eq!(format!("{:?}", ours.kx_groups), format!("{:?}", default.kx_groups));
        assert_eq!(
            format!("{:?}", ours.signature_verification_algorithms),
            format!("{:?}", default.signature_verification_algorithms)
        );
        let mut random = [0u8; 32];
        ours.secure_random.fill(&mut random).unwrap();
        assert_ne!(random, [0u8; 32]);
        let key = rcgen::KeyPair::generate().unwrap();
        let der = PrivateKeyDer::try_from(key.serialize_der()).unwrap();
        assert!(ours.key_provider.load_private_key(der.clone_key()).is_err());
        assert!(default.key_provider.load_private_key(der).is_ok());
    }

    #[test]
    fn a_ca_file_adds_to_the_system_roots() {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap().self_signed(&key).unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, ca.pem()).unwrap();
        let with_file = roots(Some(&file)).unwrap();
        assert_eq!(with_file.len(), system().len() + 1);
        assert!(with_file.roots.iter().any(|r| !system().roots.contains(r)));
        std::fs::write(&file, "no certificate\n").unwrap();
        assert_eq!(roots(Some(&file)).unwrap_err(), Status::InvalidArgument);
        assert_eq!(roots(Some(&dir.path().join("missing.pem"))).unwrap_err(), Status::InvalidArgument);
    }
}
