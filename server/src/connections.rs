//! Hostile connections: timeouts while the server waits on a client, a cap on open
//! connections, and which connection gives way when the cap is reached.
//!
//! Every accepted socket is wrapped in a [`Connection`] that knows what the server is waiting
//! for on it ([`Phase`]):
//!
//! - `Idle`: nothing, between requests (or before the first one). Closed after the idle
//!   timeout.
//! - `Head`: the rest of a request head whose first byte arrived. Closed after the header
//!   timeout, however slowly the bytes trickle in (a total deadline, not one per read).
//! - `Body`: the request body a handler is reading. Bounded by the body timeout of
//!   [`crate::server::read_body`], which answers 408.
//! - `Busy`: nothing from the client: the handler is working or the response is being
//!   written. Never shed.
//!
//! The cap sits well below the descriptor limit, so accepting never fails for want of
//! descriptors and the kernel's queue never fills with real clients. When a connection
//! arrives at the cap, the oldest idle connection is closed to make room; failing that, the
//! connection that has kept the server waiting longest on its head or body; failing that
//! (every connection is being served), the new one gets a 503 and is closed. A slow or idle
//! client can therefore never keep a real request out.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// Descriptors kept free of connections: the SQLite files of every pooled connection (the
/// database, its WAL and shared memory, each), the listener, the runtime's own, stdio, and
/// [`SHED_IN_FLIGHT`].
pub const RESERVED_DESCRIPTORS: u64 = 64;

/// Shed connections whose sockets may still be open (their tasks close them as soon as they
/// run): accepting waits while there are more, so a flood of connections cannot run the
/// process out of descriptors faster than shed ones are closed.
const SHED_IN_FLIGHT: usize = 32;

/// How long a connection the server closes after answering keeps reading (and discarding)
/// what the client is still sending, so the answer (a 401 or 413 sent before the body was
/// read) reaches it instead of being destroyed by a TCP reset.
const LINGER: Duration = Duration::from_secs(1);
/// At most this much is discarded while lingering.
const LINGER_BYTES: usize = 1024 * 1024;

/// The timeouts and the connection cap a listener enforces.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// What the server waits for on a connection, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle(Instant),
    Head(Instant),
    Body(Instant),
    Busy,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// Closed to make room: the next poll of its socket fails.
    shed: bool,
    /// The connection task, woken when it is shed.
    waker: Option<Waker>,
    /// A request body was left unread (refused before reading it): the client may still be
    /// sending it when the server closes.
    body_unread: bool,
}

#[derive(Debug)]
struct Tracker {
    id: u64,
    state: Mutex<State>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Tracker {
    fn set(&self, change: impl FnOnce(Phase) -> Phase) {
        let mut state = lock(&self.state);
        state.phase = change(state.phase);
    }
}

/// The open connections.
#[derive(Debug)]
struct Registry {
    limits: ConnectionLimits,
    next_id: AtomicU64,
    open: Mutex<Open>,
    /// Signalled when a socket is closed (the accept loop is the only one waiting).
    closed: Notify,
}

#[derive(Debug, Default)]
struct Open {
    connections: HashMap<u64, Arc<Tracker>>,
    /// Connections not shed (shed ones stay listed until their task lets go of the socket).
    live: usize,
}

impl Registry {
    /// Registers a new connection, making room first when the cap is reached; `None` when
    /// every connection is being served.
    fn admit(&self) -> Option<Arc<Tracker>> {
        let mut open = lock(&self.open);
        if open.live >= self.limits.max_connections {
            let victim = open
                .connections
                .values()
                .filter_map(|tracker| {
                    let state = lock(&tracker.state);
                    let rank = match state.phase {
                        _ if state.shed => return None,
                        Phase::Idle(since) => (0, since),
                        Phase::Head(since) | Phase::Body(since) => (1, since),
                        Phase::Busy => return None,
                    };
                    Some((rank, tracker.clone()))
                })
                .min_by_key(|(rank, _)| *rank)
                .map(|(_, tracker)| tracker)?;
            let mut state = lock(&victim.state);
            state.shed = true;
            if let Some(waker) = state.waker.take() {
                waker.wake();
            }
            open.live -= 1;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tracker = Arc::new(Tracker {
            id,
            state: Mutex::new(State {
                phase: Phase::Idle(Instant::now()),
                shed: false,
                waker: None,
                body_unread: false,
            }),
        });
        open.connections.insert(id, tracker.clone());
        open.live += 1;
        Some(tracker)
    }

    fn remove(&self, tracker: &Tracker) {
        let mut open = lock(&self.open);
        if open.connections.remove(&tracker.id).is_some() && !lock(&tracker.state).shed {
            open.live -= 1;
        }
        self.closed.notify_one();
    }

    /// Waits until the sockets still open, shed ones included, leave room for one more.
    async fn room(&self) {
        while lock(&self.open).connections.len() >= self.limits.max_connections + SHED_IN_FLIGHT {
            self.closed.notified().await;
        }
    }
}

/// The listening socket, handing out [`Connection`]s within the cap.
#[derive(Debug)]
pub struct Guarded {
    listener: TcpListener,
    registry: Arc<Registry>,
}

/// Answered, without reading anything, to a connection that finds every slot serving.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\
content-type: application/json; charset=utf-8\r\ncontent-length: 51\r\n\r\n\
{\"error\":\"too many connections: try again shortly\"}";

impl Guarded {
    pub fn new(listener: TcpListener, limits: ConnectionLimits) -> Guarded {
        let registry = Arc::new(Registry {
            limits,
            next_id: AtomicU64::new(0),
            open: Mutex::default(),
            closed: Notify::new(),
        });
        Guarded { listener, registry }
    }
}

impl Listener for Guarded {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Connection, SocketAddr) {
        loop {
            self.registry.room().await;
            match self.listener.accept().await {
                Ok((stream, addr)) => match self.registry.admit() {
                    Some(tracker) => {
                        let connection = Connection {
                            stream,
                            tracker,
                            registry: self.registry.clone(),
                            limits: self.registry.limits,
                            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
                            armed: None,
                            linger: None,
                        };
                        return (connection, addr);
                    }
                    // Best effort: the socket is fresh, its send buffer empty.
                    None => {
                        let _ = stream.try_write(BUSY);
                    }
                },
                // A connection that failed between the client's connect and our accept.
                Err(e) if is_connection_error(&e) => {}
                // Out of descriptors or memory (the cap should prevent it): let the
                // connections in flight finish before trying again.
                Err(e) => {
                    tracing::error!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// An accepted socket under watch. See the module documentation.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    tracker: Arc<Tracker>,
    registry: Arc<Registry>,
    limits: ConnectionLimits,
    /// Fires at the deadline of the current phase.
    timer: Pin<Box<Sleep>>,
    /// The deadline `timer` is set to.
    armed: Option<Instant>,
    /// Set once the write side is shut.
    linger: Option<Linger>,
}

/// A closing connection discarding input: until its own deadline, and how much so far.
#[derive(Debug)]
struct Linger {
    until: Pin<Box<Sleep>>,
    discarded: usize,
}

fn closed(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, why)
}

impl Connection {
    /// Fails the socket when the connection was shed or its phase's deadline passed; arms
    /// the timer (and records the task's waker) so the task wakes for either.
    fn watch(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let deadline = {
            let mut state = lock(&self.tracker.state);
            if state.shed {
                return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "shed to make room"));
            }
            if !state.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                state.waker = Some(cx.waker().clone());
            }
            match state.phase {
                Phase::Idle(since) => Some(since + self.limits.idle_timeout),
                Phase::Head(since) => Some(since + self.limits.header_timeout),
                Phase::Body(_) | Phase::Busy => None,
            }
        };
        let Some(deadline) = deadline else { return Ok(()) };
        self.arm(deadline);
        if self.timer.as_mut().poll(cx).is_ready() {
            return Err(closed("the client kept the connection waiting too long"));
        }
        Ok(())
    }

    fn arm(&mut self, deadline: Instant) {
        if self.armed != Some(deadline) {
            self.timer.as_mut().reset(deadline);
            self.armed = Some(deadline);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.registry.remove(&self.tracker);
    }
}

impl AsyncRead for Connection {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.watch(cx)?;
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            // The first byte of a request starts its header deadline.
            this.tracker.set(|phase| match phase {
                Phase::Idle(_) => Phase::Head(Instant::now()),
                other => other,
            });
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Connection {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.watch(cx)?;
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.watch(cx)?;
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.watch(cx)?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    /// Shuts the write side; then, when a request body was left unread, lingers: reads and
    /// discards what the client still sends until it closes, for at most [`LINGER`] and
    /// [`LINGER_BYTES`] (or until shed).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.linger.is_none() {
            ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
            if !lock(&this.tracker.state).body_unread {
                return Poll::Ready(Ok(()));
            }
            this.linger = Some(Linger { until: Box::pin(tokio::time::sleep(LINGER)), discarded: 0 });
        }
        let mut scratch = [0u8; 8192];
        loop {
            let shed = {
                let mut state = lock(&this.tracker.state);
                state.waker = Some(cx.waker().clone());
                state.shed
            };
            let Some(linger) = this.linger.as_mut() else { return Poll::Ready(Ok(())) };
            if shed || linger.discarded > LINGER_BYTES {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => linger.discarded += buf.filled().len(),
                // The client's end of stream, or its reset: nothing more can be lost.
                Poll::Ready(_) => return Poll::Ready(Ok(())),
                Poll::Pending => return linger.until.as_mut().poll(cx).map(Ok),
            }
        }
    }
}

/// A connection as the request handlers see it (through `ConnectInfo`): they tell it when
/// the server starts and stops waiting on the client; the audit trail reads its peer.
#[derive(Debug, Clone)]
pub struct Watched(Arc<Tracker>, SocketAddr);

impl Connected<IncomingStream<'_, Guarded>> for Watched {
    fn connect_info(stream: IncomingStream<'_, Guarded>) -> Watched {
        stream.io().watched(*stream.remote_addr())
    }
}

impl Connection {
    /// The handlers' view of this connection from `peer` (also under TLS, see `crate::tls`).
    pub fn watched(&self, peer: SocketAddr) -> Watched {
        Watched(self.tracker.clone(), peer)
    }
}

impl Watched {
    /// The client's address (the TCP peer).
    pub fn peer(&self) -> SocketAddr {
        self.1
    }

    /// A request head was read: the server has the next move.
    pub fn request_started(&self) {
        self.0.set(|_| Phase::Busy);
    }

    /// Wraps the request body so that the time a handler waits on it is known.
    pub fn request_body(&self, body: Body) -> Body {
        Body::new(RequestBody { body, tracker: self.0.clone(), ended: false })
    }

    /// Whether the request's body was left unread (the server answered before it, e.g. a 401
    /// or a 413): such a connection cannot carry another request.
    pub fn body_left_unread(&self) -> bool {
        lock(&self.0.state).body_unread
    }

    /// Wraps the response body: once it is written, the connection is idle.
    pub fn response_body(&self, body: Body) -> Body {
        Body::new(ResponseBody { body, tracker: self.0.clone() })
    }
}

/// A request body that marks its connection `Body` while a read of it waits on the client,
/// and `Busy` again once it has ended (or is dropped unread).
struct RequestBody {
    body: Body,
    tracker: Arc<Tracker>,
    /// Read to its end.
    ended: bool,
}

impl HttpBody for RequestBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        match &polled {
            Poll::Pending => this.tracker.set(|phase| match phase {
                Phase::Busy => Phase::Body(Instant::now()),
                other => other,
            }),
            Poll::Ready(None) => {
                this.ended = true;
                this.tracker.set(|_| Phase::Busy);
            }
            Poll::Ready(Some(Err(_))) => this.tracker.set(|_| Phase::Busy),
            Poll::Ready(Some(Ok(_))) => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        let mut state = lock(&self.tracker.state);
        if let Phase::Body(_) = state.phase {
            state.phase = Phase::Busy;
        }
        if !self.ended && !self.body.is_end_stream() {
            state.body_unread = true;
        }
    }
}

/// A response body whose end makes its connection idle.
struct ResponseBody {
    body: Body,
    tracker: Arc<Tracker>,
}

impl HttpBody for ResponseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        self.tracker.set(|_| Phase::Idle(Instant::now()));
    }
}

/// The descriptor limit connections must fit under: the soft RLIMIT_NOFILE, first raised to
/// the hard limit when `raise` (the `serve` command owns its process; an embedded server
/// leaves its host's limits alone).
pub fn descriptor_limit(raise: bool) -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if raise && limit.maximum != limit.current {
        let raised = Rlimit { current: limit.maximum, maximum: limit.maximum };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return raised.current.unwrap_or(u64::MAX);
        }
    }
    limit.current.unwrap_or(u64::MAX)
}
