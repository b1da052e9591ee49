//! Built-in TLS (`serve --tls-cert FILE --tls-key FILE`): rustls over the guarded connections
//! of [`crate::connections`], so the timeouts, the cap and shedding apply unchanged. The
//! handshake runs inside the connection's first reads, on the connection's own task (never
//! in the accept loop, where one slow client would hold up every other), and counts against
//! the idle and header timeouts like the request head it precedes.
//!
//! SIGHUP reloads both files: new connections get the new certificate, connections already
//! open keep the session they have. A file that does not load (unreadable, not PEM, a key
//! that is not the certificate's) leaves the old certificate in place and says why in the
//! log, so a botched renewal never takes the server down.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll, ready};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::server::TlsStream;
use tokio_rustls::{Accept, TlsAcceptor};

use crate::connections::{Connection, Guarded, Watched};

/// The PEM files a certificate is loaded from: the chain (leaf first) and its private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The certificate being served, and where it is reloaded from.
pub struct Certificates {
    files: TlsFiles,
    current: RwLock<TlsAcceptor>,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates").field("files", &self.files).finish_non_exhaustive()
    }
}

/// A server configuration from the files: TLS 1.2 and 1.3 with rustls's safe defaults, HTTP/1.1
/// by ALPN (the only protocol served).
fn load(files: &TlsFiles) -> Result<ServerConfig, String> {
    let cert = files.cert.display();
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{cert}: {e}"))?;
    if chain.is_empty() {
        return Err(format!("{cert}: no PEM certificate in it"));
    }
    let key =
        PrivateKeyDer::from_pem_file(&files.key).map_err(|e| format!("{}: {e}", files.key.display()))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("{cert} with {}: {e}", files.key.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

impl Certificates {
    /// Loads the files; an error names the file and what is wrong with it.
    pub fn load(files: TlsFiles) -> Result<Certificates, String> {
        let config = load(&files)?;
        Ok(Certificates { files, current: RwLock::new(TlsAcceptor::from(Arc::new(config))) })
    }

    /// Loads the files again and serves the result to new connections; on an error the
    /// current certificate stays.
    pub fn reload(&self) -> Result<(), String> {
        let config = load(&self.files)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = TlsAcceptor::from(Arc::new(config));
        Ok(())
    }

    fn acceptor(&self) -> TlsAcceptor {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Registers SIGHUP now (before the server says it listens, so a reload sent as soon as it
/// does is never the default action, which ends the process) and reloads on each one.
/// Without TLS there is nothing to reload, which the log says.
pub fn reload_on_hangup(
    certificates: Option<Arc<Certificates>>,
) -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let hangup = signal(SignalKind::hangup());
    async move {
        let mut hangup = match hangup {
            Ok(stream) => stream,
            Err(e) => return tracing::warn!("SIGHUP cannot be handled: {e}"),
        };
        while hangup.recv().await.is_some() {
            match certificates.as_deref() {
                None => tracing::info!("SIGHUP: no TLS certificate to reload"),
                Some(certificates) => match certificates.reload() {
                    Ok(()) => {
                        tracing::info!(cert = %certificates.files.cert.display(), "SIGHUP: TLS certificate reloaded")
                    }
                    Err(why) => {
                        tracing::error!(%why, "SIGHUP: the new TLS certificate did not load; the old one stays")
                    }
                },
            }
        }
    }
}

/// The guarded listener with TLS on every connection.
#[derive(Debug)]
pub struct TlsListener {
    inner: Guarded,
    certificates: Arc<Certificates>,
}

impl TlsListener {
    pub fn new(inner: Guarded, certificates: Arc<Certificates>) -> TlsListener {
        TlsListener { inner, certificates }
    }
}

impl Listener for TlsListener {
    type Io = TlsConnection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TlsConnection, SocketAddr) {
        let (connection, peer) = self.inner.accept().await;
        let watched = connection.watched(peer);
        let stage = Stage::Handshake(Box::new(self.certificates.acceptor().accept(connection)));
        (TlsConnection { watched, stage }, peer)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

impl Connected<IncomingStream<'_, TlsListener>> for Watched {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Watched {
        stream.io().watched.clone()
    }
}

enum Stage {
    Handshake(Box<Accept<Connection>>),
    Ready(Box<TlsStream<Connection>>),
    Failed,
}

/// A guarded connection speaking TLS once its handshake is done.
pub struct TlsConnection {
    watched: Watched,
    stage: Stage,
}

impl std::fmt::Debug for TlsConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stage = match self.stage {
            Stage::Handshake(_) => "handshake",
            Stage::Ready(_) => "ready",
            Stage::Failed => "failed",
        };
        f.debug_struct("TlsConnection").field("peer", &self.watched.peer()).field("stage", &stage).finish()
    }
}

impl TlsConnection {
    /// Drives the handshake to its end; then the TLS stream.
    fn stream(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&mut TlsStream<Connection>>> {
        if let Stage::Handshake(accept) = &mut self.stage {
            match ready!(Pin::new(accept.as_mut()).poll(cx)) {
                Ok(stream) => self.stage = Stage::Ready(Box::new(stream)),
                Err(e) => {
                    tracing::debug!(peer = %self.watched.peer(), "TLS handshake failed: {e}");
                    self.stage = Stage::Failed;
                    return Poll::Ready(Err(e));
                }
            }
        }
        match &mut self.stage {
            Stage::Ready(stream) => Poll::Ready(Ok(stream.as_mut())),
            _ => Poll::Ready(Err(io::Error::new(io::ErrorKind::NotConnected, "the TLS handshake failed"))),
        }
    }
}

impl AsyncRead for TlsConnection {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let stream = ready!(self.get_mut().stream(cx))?;
        Pin::new(stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConnection {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let stream = ready!(self.get_mut().stream(cx))?;
        Pin::new(stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let stream = ready!(self.get_mut().stream(cx))?;
        Pin::new(stream).poll_flush(cx)
    }

    /// Sends TLS's close_notify, then shuts the guarded connection (which lingers when a body
    /// was left unread); a connection whose handshake never finished is simply dropped.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().stage {
            Stage::Ready(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
            Stage::Handshake(_) | Stage::Failed => Poll::Ready(Ok(())),
        }
    }
}
