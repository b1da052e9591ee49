//! The load client of the benchmarks: `connections` keep-alive HTTP/1.1 connections driven as
//! tasks of one thread, each sending its next request as soon as the answer to the last is
//! in. It shares the machine with the server it measures, so it must cost little per request:
//! a thread per connection (ureq, as before) spent more CPU on its own context switches than
//! the server spent answering, and capped every figure at what the client could send.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One request: its bytes on the wire are built by [`Request::bytes`].
#[derive(Debug)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    /// `Authorization` header value, if any.
    pub auth: Option<String>,
    pub body: String,
}

impl Request {
    fn bytes(&self, host: &str) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.method,
            self.path,
            self.body.len()
        );
        if let Some(auth) = &self.auth {
            head.push_str(&format!("Authorization: {auth}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

/// The latencies of every request answered (sorted), and the run's wall time.
#[derive(Debug)]
pub struct Run {
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// The `p` quantile (0..=1) in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies, p)
    }
}

/// The `p` quantile (0..=1) of `sorted` latencies, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

/// Runs `connections` connections, connection `c` to `addrs[c % addrs.len()]` (as a load
/// balancer spreads them), until `total` requests were sent or `limit` elapsed. Request `n`
/// is `request(n)`; every answer must be a 200 (anything else panics with its body).
pub fn run(
    addrs: &[String],
    connections: usize,
    total: usize,
    limit: Duration,
    request: impl Fn(usize) -> Request + Sync,
) -> Run {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let issued = std::sync::atomic::AtomicUsize::new(0);
    let start = Instant::now();
    let per_connection = runtime.block_on(async {
        let connections = (0..connections).map(|c| {
            let (addr, issued, request) = (&addrs[c % addrs.len()], &issued, &request);
            async move {
                let mut stream = TcpStream::connect(addr.as_str()).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let (mut buffer, mut latencies) = (Vec::with_capacity(16 * 1024), Vec::new());
                loop {
                    let n = issued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= total || start.elapsed() >= limit {
                        break latencies;
                    }
                    let bytes = request(n).bytes(addr);
                    let sent = Instant::now();
                    stream.write_all(&bytes).await.expect("send");
                    let (status, body) = answer(&mut stream, &mut buffer).await;
                    latencies.push(sent.elapsed());
                    assert_eq!(status, 200, "answer to request {n}: {body}");
                }
            }
        });
        futures_util::future::join_all(connections).await
    });
    let elapsed = start.elapsed();
    let mut latencies: Vec<Duration> = per_connection.into_iter().flatten().collect();
    latencies.sort();
    Run { latencies, elapsed }
}

/// Reads one response (`Content-Length` framed, as the server sends every answer) and returns
/// its status and body; bytes of a next response stay in `buffer`.
async fn answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> (u16, String) {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).expect("UTF-8 head");
            let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status line");
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.split_once(':').filter(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                })
                .and_then(|(_, value)| value.trim().parse().ok())
                .expect("a Content-Length");
            let whole = end + 4 + length;
            while buffer.len() < whole {
                read_more(stream, buffer).await;
            }
            let body = String::from_utf8_lossy(&buffer[end + 4..whole]).into_owned();
            buffer.drain(..whole);
            return (status, body);
        }
        read_more(stream, buffer).await;
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await.expect("read");
    assert!(n > 0, "the server closed the connection");
    buffer.extend_from_slice(&chunk[..n]);
}
