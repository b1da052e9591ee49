//! HTTP/1.1 to the license server and the LAN daemon: one JSON POST on a connection of its own,
//! under one deadline.
//!
//! The library sends one kind of request (a signed JSON body of a few kilobytes) and reads one
//! kind of answer (a bounded JSON body), a few times a day. A general client (ureq, with the
//! `http` types under it) took 335 KB of the stripped library's 2.96 MB for it; this takes
//! a fraction, with `httparse` (the parser under hyper and ureq) reading the answer's head.
//!
//! What it does: `http` and `https` URLs; an HTTP proxy, always through a `CONNECT` tunnel, with
//! Basic credentials from the proxy URL; one deadline over the whole call (name lookup, connect,
//! tunnel, TLS handshake, sending, receiving); answers framed by `Content-Length`, chunked or
//! ended by closing. What it leaves out on purpose: redirects (a POST must not silently become
//! another request), connection reuse (a refresh an hour apart finds the connection closed),
//! compression and HTTP/2.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use rustls::pki_types::ServerName;

/// The longest head (status line and headers) read from a server or a proxy.
const MAX_HEAD: usize = 16 * 1024;
/// The most headers an answer's head may carry.
const MAX_HEADERS: usize = 64;
/// The longest chunk-size line of a chunked answer (the size and any extension).
const MAX_CHUNK_LINE: usize = 1024;

/// Where a request goes: the scheme, host and port of a URL, and its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub tls: bool,
    /// The host as the URL spells it, lower-cased; an IPv6 address without its brackets.
    pub host: String,
    pub port: u16,
    /// The path, without a trailing `/` (empty for none).
    pub path: String,
    /// `user:password` from the URL, percent-decoded (proxy URLs only).
    pub credentials: Option<String>,
}

impl Endpoint {
    /// Parses `http[s]://[user:password@]host[:port][/path]`; `default_scheme` is taken when
    /// the URL has none (`proxy.corp:3128`, as proxy settings are often written).
    pub fn parse(url: &str, default_scheme: Option<&str>) -> Result<Endpoint, String> {
        let (scheme, rest) = match url.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => (default_scheme.ok_or("no http:// or https:// scheme")?.to_owned(), url),
        };
        let tls = match scheme.as_str() {
            "http" => false,
            "https" => true,
            other => return Err(format!("the scheme {other}:// is not supported (http:// or https://)")),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(percent_decode(userinfo)?), host_port),
            None => (None, authority),
        };
        let (host, port) = match host_port.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or("an IPv6 address without its ']'")?;
                (host, after.strip_prefix(':'))
            }
            None => match host_port.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            },
        };
        if host.is_empty() {
            return Err("no host".into());
        }
        if host.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err("the host contains white space".into());
        }
        let port = match port {
            Some(p) => {
                p.parse::<u16>().ok().filter(|&p| p != 0).ok_or(format!("the port {p:?} is invalid"))?
            }
            None if tls => 443,
            None => 80,
        };
        let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
        Ok(Endpoint { tls, host: host.to_ascii_lowercase(), port, path: path.to_owned(), credentials })
    }

    /// `host:port` for the Host header, a CONNECT line and messages (IPv6 in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a bad %-escape in the credentials")?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the credentials are not UTF-8".into())
}

/// Why a call failed, for the transport to turn into a status and a message.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The deadline passed.
    Timeout,
    /// The name resolved to nothing.
    HostNotFound,
    /// Every address refused the connection.
    Refused,
    /// Connecting failed otherwise (unreachable network, reset).
    Connect(io::Error),
    /// The TLS handshake or record layer failed.
    Tls(rustls::Error),
    /// The proxy refused the tunnel or did not answer as a proxy.
    Proxy(String),
    /// The answer is larger than the caller's limit (as declared, or as read).
    TooLarge(u64),
    /// The connection closed before the answer's end: the answer was lost in transit (the
    /// request may have been carried out, so a retry must be recognisable as one).
    Closed(String),
    /// The answer is not HTTP/1.x as this client reads it.
    Malformed(String),
    /// Sending or receiving failed.
    Io(io::Error),
}

impl Failure {
    fn from_io(e: io::Error) -> Failure {
        match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::Timeout,
            _ => match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
                Some(tls) => Failure::Tls(tls.clone()),
                None => Failure::Io(e),
            },
        }
    }
}

/// An answer: its status and its body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// What every call of one transport shares.
#[derive(Debug)]
pub(crate) struct Client {
    pub tls: Arc<rustls::ClientConfig>,
    pub proxy: Option<Endpoint>,
    pub timeout: Duration,
    pub user_agent: String,
}

impl Client {
    /// POSTs `body` (JSON) to `path` at `target` and reads the answer, at most `limit` bytes of
    /// body, all within the client's timeout.
    pub fn post_json(
        &self,
        target: &Endpoint,
        path: &str,
        body: &[u8],
        limit: u64,
    ) -> Result<Answer, Failure> {
        let deadline = Instant::now() + self.timeout;
        let hop = self.proxy.as_ref().unwrap_or(target);
        let mut tcp = Timed { tcp: connect(hop, deadline)?, deadline };
        if let Some(proxy) = &self.proxy {
            tunnel(&mut tcp, proxy, target)?;
        }
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nContent-Type: application/json\r\n\
             Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            host_header(target),
            self.user_agent,
            body.len()
        );
        if target.tls {
            let name = ServerName::try_from(target.host.clone())
                .map_err(|_| Failure::Malformed(format!("{:?} is not a host name for TLS", target.host)))?;
            let connection =
                rustls::ClientConnection::new(Arc::clone(&self.tls), name).map_err(Failure::Tls)?;
            exchange(rustls::StreamOwned::new(connection, tcp), &head, body, limit)
        } else {
            exchange(tcp, &head, body, limit)
        }
    }
}

/// The Host header: the port only when it is not the scheme's own.
fn host_header(target: &Endpoint) -> String {
    match (target.tls, target.port) {
        (true, 443) | (false, 80) if !target.host.contains(':') => target.host.clone(),
        _ => target.authority(),
    }
}

/// Resolves and connects to `to`, trying each address in turn until the deadline. The name is
/// looked up on a thread of its own: the system's resolver has no timeout, and a dead DNS
/// server must not hold the call past the deadline. Each address gets an equal share of the
/// time left, so one that drops packets (an IPv6 route that goes nowhere) leaves time for the
/// next.
fn connect(to: &Endpoint, deadline: Instant) -> Result<TcpStream, Failure> {
    let addresses = resolve(to, deadline)?;
    let (mut refused, mut timed_out, mut last) = (false, false, None);
    for (tried, address) in addresses.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Timeout);
        }
        let share = left / u32::try_from(addresses.len() - tried).unwrap_or(u32::MAX);
        match TcpStream::connect_timeout(address, share) {
            Ok(tcp) => {
                // Best effort: the request goes out in two writes at most.
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => refused = true,
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => timed_out = true,
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        _ if refused => Failure::Refused,
        _ if timed_out => Failure::Timeout,
        Some(e) => Failure::Connect(e),
        None => Failure::HostNotFound,
    })
}

fn resolve(to: &Endpoint, deadline: Instant) -> Result<Vec<SocketAddr>, Failure> {
    if let Ok(ip) = to.host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, to.port)]);
    }
    let (host, port) = (to.host.clone(), to.port);
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("licensekit-resolve".into())
        .spawn(move || {
            let _ = send.send((host.as_str(), port).to_socket_addrs().map(Vec::from_iter));
        })
        .map_err(Failure::Io)?;
    match receive.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(found)) if !found.is_empty() => Ok(found),
        Ok(_) => Err(Failure::HostNotFound),
        Err(_) => Err(Failure::Timeout),
    }
}

/// Opens a CONNECT tunnel through `proxy` to `target` on `tcp`.
fn tunnel(tcp: &mut Timed, proxy: &Endpoint, target: &Endpoint) -> Result<(), Failure> {
    let authority = target.authority();
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(credentials) = &proxy.credentials {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        request.push_str(&format!("Proxy-Authorization: Basic {encoded}\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes()).map_err(Failure::from_io)?;
    // Read byte by byte up to the end of the head: what follows belongs to the tunnel.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD {
            return Err(Failure::Proxy(format!("its answer's head exceeds {MAX_HEAD} bytes")));
        }
        let mut byte = [0u8];
        match tcp.read(&mut byte).map_err(Failure::from_io)? {
            0 => return Err(Failure::Proxy("it closed the connection without answering".into())),
            _ => head.push(byte[0]),
        }
    }
    let (status, _) =
        parse_head(&head).map_err(|why| Failure::Proxy(format!("its answer is not HTTP: {why}")))?;
    match status {
        200..=299 => Ok(()),
        407 => Err(Failure::Proxy("it asks for credentials (HTTP 407)".into())),
        other => Err(Failure::Proxy(format!("it refused the tunnel to {authority} (HTTP {other})"))),
    }
}

/// Sends the request and reads the answer on an open stream (plain or TLS).
fn exchange<S: Read + Write>(mut stream: S, head: &str, body: &[u8], limit: u64) -> Result<Answer, Failure> {
    stream.write_all(head.as_bytes()).map_err(Failure::from_io)?;
    stream.write_all(body).map_err(Failure::from_io)?;
    stream.flush().map_err(Failure::from_io)?;
    read_answer(stream, limit)
}

/// Reads an answer, past any 1xx ones (100 Continue, 103 Early Hints), with at most `limit`
/// bytes of body.
fn read_answer<S: Read>(stream: S, limit: u64) -> Result<Answer, Failure> {
    let mut reader = Buffered { inner: stream, buf: Vec::new(), start: 0 };
    loop {
        let head = reader.read_head()?;
        let (status, framing) = parse_head(&head).map_err(Failure::Malformed)?;
        if (100..200).contains(&status) {
            continue;
        }
        let body = match framing {
            Framing::Length(n) if n > limit => return Err(Failure::TooLarge(n)),
            Framing::Length(n) => reader.read_exact_vec(n)?,
            Framing::Chunked => reader.read_chunked(limit)?,
            Framing::UntilClose => reader.read_to_close(limit)?,
        };
        return Ok(Answer { status, body });
    }
}

/// An answer read from `bytes` as though they came from the network, `chunk` bytes per read
/// (at least 1), with at most `limit` bytes of body: the framing alone, for the fuzz target
/// `http_answers` (what it reads must not depend on how the network cut the bytes).
#[doc(hidden)]
pub fn read_answer_from(bytes: &[u8], chunk: usize, limit: u64) -> Result<(u16, Vec<u8>), String> {
    /// Hands out at most `chunk` bytes per read.
    struct Cut<'a>(&'a [u8], usize);
    impl Read for Cut<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    read_answer(Cut(bytes, chunk.max(1)), limit).map(|a| (a.status, a.body)).map_err(|e| format!("{e:?}"))
}

/// How an answer's body ends.
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

/// The status and framing of an answer's head (which ends with its blank line).
fn parse_head(head: &[u8]) -> Result<(u16, Framing), String> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err("the head is incomplete".into()),
        Err(e) => return Err(format!("the head is malformed ({e})")),
    }
    let status = response.code.filter(|&c| c >= 100).ok_or("no status")?;
    let mut framing = Framing::UntilClose;
    for header in response.headers.iter() {
        let value = std::str::from_utf8(header.value).map_err(|_| "a header is not UTF-8")?.trim();
        if header.name.eq_ignore_ascii_case("transfer-encoding") {
            if !value.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked")) {
                return Err(format!("Transfer-Encoding {value:?} is not supported"));
            }
            framing = Framing::Chunked;
        } else if header.name.eq_ignore_ascii_case("content-length") && framing != Framing::Chunked {
            let n = value.parse::<u64>().map_err(|_| format!("Content-Length {value:?} is not a number"))?;
            if matches!(framing, Framing::Length(m) if m != n) {
                return Err("two different Content-Length headers".into());
            }
            framing = Framing::Length(n);
        }
    }
    // No body, whatever the headers say.
    if status == 204 || status == 304 {
        framing = Framing::Length(0);
    }
    Ok((status, framing))
}

/// A stream with a read buffer, for reading heads and chunk lines without over-reading.
struct Buffered<S> {
    inner: S,
    buf: Vec<u8>,
    start: usize,
}

impl<S: Read> Buffered<S> {
    /// Reads more into the buffer; `false` at the end of the stream.
    fn fill(&mut self) -> Result<bool, Failure> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let mut chunk = [0u8; 8192];
        match self.inner.read(&mut chunk) {
            Ok(0) => Ok(false),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(true)
            }
            // A TLS peer that closes without close_notify: the end, as browsers and curl take it.
            // A body cut short is still caught by its framing.
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(Failure::from_io(e)),
        }
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// The bytes up to and including the first `end` in the stream, at most `max` of them.
    fn read_until(&mut self, end: &[u8], max: usize, what: &str) -> Result<Vec<u8>, Failure> {
        let mut searched = 0;
        loop {
            if let Some(at) = self.pending()[searched..].windows(end.len()).position(|w| w == end) {
                let stop = searched + at + end.len();
                if stop > max {
                    return Err(Failure::Malformed(format!("{what} exceeds {max} bytes")));
                }
                let out = self.pending()[..stop].to_vec();
                self.start += stop;
                return Ok(out);
            }
            searched = self.pending().len().saturating_sub(end.len() - 1);
            if self.pending().len() > max {
                return Err(Failure::Malformed(format!("{what} exceeds {max} bytes")));
            }
            if !self.fill()? {
                let when = if self.pending().is_empty() {
                    "before answering".into()
                } else {
                    format!("in the middle of {what}")
                };
                return Err(Failure::Closed(when));
            }
        }
    }

    fn read_head(&mut self) -> Result<Vec<u8>, Failure> {
        self.read_until(b"\r\n\r\n", MAX_HEAD, "the answer's head")
    }

    fn read_exact_vec(&mut self, n: u64) -> Result<Vec<u8>, Failure> {
        let n = usize::try_from(n).map_err(|_| Failure::TooLarge(n))?;
        while self.pending().len() < n {
            if !self.fill()? {
                return Err(Failure::Closed(format!(
                    "after {} of the answer's {n} bytes",
                    self.pending().len()
                )));
            }
        }
        let out = self.pending()[..n].to_vec();
        self.start += n;
        Ok(out)
    }

    fn read_chunked(&mut self, limit: u64) -> Result<Vec<u8>, Failure> {
        let mut body = Vec::new();
        loop {
            let line = self.read_until(b"\r\n", MAX_CHUNK_LINE, "a chunk's size line")?;
            let text = std::str::from_utf8(&line).unwrap_or_default();
            let digits = text.trim_end().split(';').next().unwrap_or_default().trim();
            let size = u64::from_str_radix(digits, 16)
                .map_err(|_| Failure::Malformed(format!("the chunk size {digits:?} is not hexadecimal")))?;
            if size == 0 {
                // Trailers, if any, up to the blank line that ends the body.
                while self.read_until(b"\r\n", MAX_HEAD, "the trailers")? != b"\r\n" {}
                return Ok(body);
            }
            let total = body.len() as u64 + size;
            if total > limit {
                return Err(Failure::TooLarge(total));
            }
            body.extend(self.read_exact_vec(size)?);
            if self.read_exact_vec(2)? != b"\r\n" {
                return Err(Failure::Malformed("a chunk does not end with CRLF".into()));
            }
        }
    }

    fn read_to_close(&mut self, limit: u64) -> Result<Vec<u8>, Failure> {
        loop {
            let read = self.pending().len() as u64;
            if read > limit {
                return Err(Failure::TooLarge(read));
            }
            if !self.fill()? {
                return Ok(self.pending().to_vec());
            }
        }
    }
}

/// A TCP stream whose every read and write is bounded by what is left of one deadline.
#[derive(Debug)]
struct Timed {
    tcp: TcpStream,
    deadline: Instant,
}

impl Timed {
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() { Err(ErrorKind::TimedOut.into()) } else { Ok(left) }
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tcp.set_read_timeout(Some(self.left()?))?;
        self.tcp.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.set_write_timeout(Some(self.left()?))?;
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_into_scheme_host_port_and_path() {
        let e = Endpoint::parse("https://Licenses.Example.com/v1/", None).unwrap();
        assert_eq!(
            (e.tls, e.host.as_str(), e.port, e.path.as_str()),
            (true, "licenses.example.com", 443, "/v1")
        );
        let e = Endpoint::parse("http://127.0.0.1:8700", None).unwrap();
        assert_eq!(
            (e.tls, e.port, e.path.as_str(), e.authority()),
            (false, 8700, "", "127.0.0.1:8700".into())
        );
        let e = Endpoint::parse("http://[::1]:9/x?q#f", None).unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str(), e.authority()),
            ("::1", 9, "/x", "[::1]:9".into())
        );
        let e = Endpoint::parse("proxy.corp:3128", Some("http")).unwrap();
        assert_eq!((e.tls, e.host.as_str(), e.port, e.credentials), (false, "proxy.corp", 3128, None));
        let e = Endpoint::parse("http://us%40er:p%3Ass@proxy:1", None).unwrap();
        assert_eq!(e.credentials.as_deref(), Some("us@er:p:ss"));
        for bad in [
            "ftp://h",
            "http://",
            "http://h:0",
            "http://h:99999",
            "http://h:x",
            "http://[::1",
            "h:1",
            "http://a b",
        ] {
            assert!(Endpoint::parse(bad, None).is_err(), "{bad}");
        }
        assert!(Endpoint::parse("socks5://h:1", Some("http")).unwrap_err().contains("socks5"));
    }

    #[test]
    fn the_host_header_names_the_port_only_when_it_is_not_the_schemes() {
        let host = |url| host_header(&Endpoint::parse(url, None).unwrap());
        assert_eq!(host("https://a.example"), "a.example");
        assert_eq!(host("http://a.example:80"), "a.example");
        assert_eq!(host("https://a.example:8443"), "a.example:8443");
        assert_eq!(host("https://[::1]"), "[::1]:443");
    }

    #[test]
    fn heads_give_the_status_and_the_framing() {
        let head = |text: &str| parse_head(text.as_bytes());
        assert_eq!(head("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"), Ok((200, Framing::Length(12))));
        assert_eq!(
            head("HTTP/1.1 200 OK\r\ncontent-length: 3\r\nContent-Length: 3\r\n\r\n"),
            Ok((200, Framing::Length(3)))
        );
        assert_eq!(head("HTTP/1.1 404 X\r\nTransfer-Encoding: chunked\r\n\r\n"), Ok((404, Framing::Chunked)));
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n"),
            Ok((200, Framing::Chunked)),
            "chunked wins over a length"
        );
        assert_eq!(head("HTTP/1.0 200 OK\r\n\r\n"), Ok((200, Framing::UntilClose)));
        assert_eq!(
            head("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
            Ok((204, Framing::Length(0)))
        );
        for bad in [
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
            "HTTP/1.1 099 X\r\n\r\n",
            "HTTP/1.1 200 OK\r\n",
        ] {
            assert!(head(bad).is_err(), "{bad:?}");
        }
    }

    fn read(answer: &[u8], limit: u64) -> Result<Answer, Failure> {
        let whole = read_answer(io::Cursor::new(answer.to_vec()), limit);
        // The same, a byte per read: the network may cut an answer anywhere.
        let bytewise = read_answer_from(answer, 1, limit);
        match &whole {
            Ok(a) => assert_eq!(bytewise, Ok((a.status, a.body.clone()))),
            Err(_) => assert!(bytewise.is_err(), "{bytewise:?}"),
        }
        whole
    }

    #[test]
    fn bodies_are_read_by_length_by_chunks_or_to_the_close() {
        let a = read(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more", 100).unwrap();
        assert_eq!((a.status, a.body.as_slice()), (200, &b"hello"[..]));
        let a = read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n", 100)
            .unwrap();
        assert_eq!(a.body, b"hello!");
        let a = read(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 500 X\r\n\r\nall of it", 100).unwrap();
        assert_eq!((a.status, a.body.as_slice()), (500, &b"all of it"[..]));
    }

    #[test]
    fn short_long_and_broken_bodies_are_refused() {
        let cases: [(&[u8], &str); 7] = [
            (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello", "Closed"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", "TooLarge"),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n", "TooLarge"),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "Malformed"),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiXX0\r\n\r\n", "Malformed"),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n", "Closed"),
            (b"HTTP/1.1 200 OK\r\nX: y", "Closed"),
        ];
        for (answer, expected) in cases {
            let got = format!("{:?}", read(answer, 100).unwrap_err());
            assert!(got.starts_with(expected), "{:?}: {got}", String::from_utf8_lossy(answer));
        }
        let endless = [&b"HTTP/1.1 200 OK\r\n\r\n"[..], &[b'x'; 200]].concat();
        assert!(matches!(read(&endless, 100), Err(Failure::TooLarge(_))));
        let huge_head = [&b"HTTP/1.1 200 OK\r\nX: "[..], &vec![b'a'; MAX_HEAD + 10], b"\r\n\r\n"].concat();
        assert!(matches!(read(&huge_head, 100), Err(Failure::Malformed(_))));
        assert!(matches!(read(b"", 100), Err(Failure::Closed(when)) if when == "before answering"));
    }

    /// A proxy on loopback that reads one CONNECT head, answers `answer` and hangs up; the
    /// head it read comes back from the thread.
    fn proxy_answering(answer: &'static str) -> (Endpoint, std::thread::JoinHandle<String>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let thread = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8];
            while !head.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            stream.write_all(answer.as_bytes()).unwrap();
            String::from_utf8(head).unwrap()
        });
        (Endpoint::parse(&format!("http://us%3Aer:pw@127.0.0.1:{port}"), None).unwrap(), thread)
    }

    #[test]
    fn a_proxy_gets_the_credentials_and_its_refusal_is_named() {
        let target = Endpoint::parse("http://licensing.invalid:8700", None).unwrap();
        let cases = [
            ("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", "HTTP 407"),
            ("HTTP/1.1 403 Forbidden\r\n\r\n", "refused the tunnel to licensing.invalid:8700 (HTTP 403)"),
            ("", "closed the connection without answering"),
            ("SSH-2.0-OpenSSH\r\n\r\n", "not HTTP"),
        ];
        for (answer, expected) in cases {
            let (proxy, seen) = proxy_answering(answer);
            let client = Client {
                tls: super::super::trust::client_config(None).unwrap(),
                proxy: Some(proxy),
                timeout: Duration::from_secs(5),
                user_agent: "licensekit-test".into(),
            };
            let failure = client.post_json(&target, "/client/v1/activate", b"{}", 100).unwrap_err();
            assert!(
                matches!(&failure, Failure::Proxy(why) if why.contains(expected)),
                "{answer:?}: {failure:?}"
            );
            let head = seen.join().unwrap();
            assert!(
                head.starts_with(
                    "CONNECT licensing.invalid:8700 HTTP/1.1\r\nHost: licensing.invalid:8700\r\n"
                )
            );
            let credentials = base64::engine::general_purpose::STANDARD.encode("us:er:pw");
            assert!(head.contains(&format!("\r\nProxy-Authorization: Basic {credentials}\r\n")), "{head}");
        }
    }
}
