//! STOMP 1.2 frames over any byte stream: what the STOMP deliverer speaks, public so
//! tests can play a subscriber. Only what a client needs: encoding with header escapes,
//! decoding with `content-length` or NUL-terminated bodies, heart-beat EOLs skipped,
//! and every read bounded in time and size.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The longest command or header line accepted.
const MAX_LINE: u64 = 64 * 1024;
/// The most headers one frame may carry.
const MAX_HEADERS: usize = 256;
/// The largest body accepted (a broker's ERROR or a test's MESSAGE is far smaller).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// One frame: a command, headers in order (repeats allowed; the first counts), a body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    pub command: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Frame {
    pub fn new(command: &str) -> Frame {
        Frame {
            command: command.to_owned(),
            ..Frame::default()
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Frame {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body; [`Frame::encode`] adds its `content-length`.
    pub fn body(mut self, body: Vec<u8>) -> Frame {
        self.body = body;
        self
    }

    /// The first value of header `name`, as STOMP 1.2 says repeated headers are read.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// An ERROR frame's text: its `message` header, then its body if any.
    pub fn error_text(&self) -> String {
        let message = self.get("message").unwrap_or("(no message)");
        let body = String::from_utf8_lossy(&self.body);
        let body = body.trim();
        if body.is_empty() || body == message {
            message.to_owned()
        } else {
            format!("{message}: {body}")
        }
    }

    /// The wire form: command, escaped headers, `content-length` when there is a body
    /// and none was given, blank line, body, NUL.
    pub fn encode(&self) -> Vec<u8> {
        // CONNECT and CONNECTED headers are not escaped (STOMP 1.2, "Value Encoding").
        let escaped = !matches!(self.command.as_str(), "CONNECT" | "CONNECTED");
        let mut out = Vec::with_capacity(64 + self.body.len());
        out.extend_from_slice(self.command.as_bytes());
        out.push(b'\n');
        let mut headers = self.headers.clone();
        if !self.body.is_empty() && self.get("content-length").is_none() {
            headers.push(("content-length".into(), self.body.len().to_string()));
        }
        for (name, value) in &headers {
            for (text, last) in [(name, b':'), (value, b'\n')] {
                if escaped {
                    escape_into(text, &mut out);
                } else {
                    out.extend_from_slice(text.as_bytes());
                }
                out.push(last);
            }
        }
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out.push(0);
        out
    }
}

fn escape_into(text: &str, out: &mut Vec<u8>) {
    for byte in text.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b':' => out.extend_from_slice(b"\\c"),
            other => out.push(other),
        }
    }
}

fn unescape(text: &str) -> io::Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('c') => out.push(':'),
            other => return Err(invalid(format!("undefined header escape \\{other:?}"))),
        }
    }
    Ok(out)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("bad STOMP frame: {message}"),
    )
}

/// A STOMP connection over `S` (a `TcpStream` in practice).
pub struct StompStream<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> StompStream<S> {
    pub fn new(io: S) -> StompStream<S> {
        StompStream {
            io: BufReader::new(io),
        }
    }

    /// Writes one frame, within `limit`.
    pub async fn send(&mut self, frame: &Frame, limit: Duration) -> io::Result<()> {
        let bytes = frame.encode();
        let write = async {
            self.io.get_mut().write_all(&bytes).await?;
            self.io.get_mut().flush().await
        };
        tokio::time::timeout(limit, write)
            .await
            .map_err(|_| timed_out("sending", &frame.command, limit))?
    }

    /// Reads the next frame, waiting at most `limit` for all of it. After a timeout in
    /// the middle of a frame the stream is out of step: drop it.
    pub async fn receive(&mut self, limit: Duration) -> io::Result<Frame> {
        tokio::time::timeout(limit, self.read_frame())
            .await
            .map_err(|_| timed_out("waiting for", "a frame", limit))?
    }

    /// Closes the write side (best effort).
    pub async fn shutdown(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.io.get_mut().shutdown()).await;
    }

    async fn read_frame(&mut self) -> io::Result<Frame> {
        // Heart-beats (and the EOLs some brokers put after a NUL) are bare EOLs.
        let command = loop {
            let line = self.read_line().await?;
            if !line.is_empty() {
                break line;
            }
        };
        let escaped = command != "CONNECTED" && command != "CONNECT";
        let mut frame = Frame::new(&command);
        loop {
            let line = self.read_line().await?;
            if line.is_empty() {
                break;
            }
            if frame.headers.len() == MAX_HEADERS {
                return Err(invalid(format!("more than {MAX_HEADERS} headers")));
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| invalid(format!("header line without ':': {line:?}")))?;
            let (name, value) = if escaped {
                (unescape(name)?, unescape(value)?)
            } else {
                (name.to_owned(), value.to_owned())
            };
            frame.headers.push((name, value));
        }
        match frame.get("content-length") {
            Some(length) => {
                let length: usize = length
                    .trim()
                    .parse()
                    .map_err(|_| invalid(format!("content-length {length:?}")))?;
                if length > MAX_BODY {
                    return Err(invalid(format!("body of {length} bytes is too large")));
                }
                let mut body = vec![0; length];
                self.io.read_exact(&mut body).await.map_err(closed)?;
                if self.io.read_u8().await.map_err(closed)? != 0 {
                    return Err(invalid("body not followed by NUL".into()));
                }
                frame.body = body;
            }
            None => {
                let mut body = Vec::new();
                (&mut self.io)
                    .take(MAX_BODY as u64 + 1)
                    .read_until(0, &mut body)
                    .await?;
                if body.pop() != Some(0) {
                    return Err(closed_or_large(body.len()));
                }
                frame.body = body;
            }
        }
        Ok(frame)
    }

    /// One line without its EOL (`\n` or `\r\n`).
    async fn read_line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        (&mut self.io)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .await?;
        if line.pop() != Some(b'\n') {
            return Err(if line.len() as u64 >= MAX_LINE {
                invalid(format!("line longer than {MAX_LINE} bytes"))
            } else {
                closed_eof()
            });
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        String::from_utf8(line).map_err(|_| invalid("line is not UTF-8".into()))
    }
}

fn closed_eof() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the broker closed the connection",
    )
}

fn closed(err: io::Error) -> io::Error {
    if err.kind() == io::ErrorKind::UnexpectedEof {
        closed_eof()
    } else {
        err
    }
}

fn closed_or_large(read: usize) -> io::Error {
    if read > MAX_BODY {
        invalid(format!("body larger than {MAX_BODY} bytes"))
    } else {
        closed_eof()
    }
}

fn timed_out(what: &str, frame: &str, limit: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("timed out {what} {frame} after {limit:?}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_with_escapes_and_heartbeats() {
        let sent = Frame::new("SEND")
            .header("destination", "/queue/a:b")
            .header("x-note", "line\nbreak\\")
            .body(b"{\"a\":1}".to_vec());
        let wire = sent.encode();
        assert_eq!(
            wire,
            b"SEND\ndestination:/queue/a\\cb\nx-note:line\\nbreak\\\\\ncontent-length:7\n\n{\"a\":1}\0"
        );
        let mut input = b"\n\r\n".to_vec();
        input.extend_from_slice(&wire);
        input.extend_from_slice(b"\nERROR\nmessage:no\n\nwhy\0");
        let (mut client, server) = tokio::io::duplex(4096);
        client.write_all(&input).await.unwrap();
        let mut stream = StompStream::new(server);
        let got = stream.receive(Duration::from_secs(1)).await.unwrap();
        assert_eq!(got.get("destination"), Some("/queue/a:b"));
        assert_eq!(got.get("x-note"), Some("line\nbreak\\"));
        assert_eq!(got.body, b"{\"a\":1}");
        let error = stream.receive(Duration::from_secs(1)).await.unwrap();
        assert_eq!(error.command, "ERROR");
        assert_eq!(error.error_text(), "no: why");
        let err = stream.receive(Duration::from_millis(50)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(client);
        let err = stream.receive(Duration::from_secs(1)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn connect_headers_are_not_escaped() {
        let wire = Frame::new("CONNECT").header("host", "a:b").encode();
        assert_eq!(wire, b"CONNECT\nhost:a:b\n\n\0");
    }
}
