//! The first line and a few headers of HTTP/1.x requests and responses, from the first bytes
//! of a stream direction. Bounded: at most 8 KiB of header is looked at.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpEvent {
    Request {
        method: String,
        uri: String,
        host: Option<String>,
        user_agent: Option<String>,
    },
    Response {
        status: u16,
        /// The `Server:` header: who wrote the response (a proxy's error page names the proxy).
        server: Option<String>,
        /// nginx's answer to plain HTTP on a TLS listener ("The plain HTTP request was sent
        /// to HTTPS port"), found in the first bytes of the body.
        plain_http_on_tls_port: bool,
    },
}

/// What nginx, Tengine and the SLBs built on them write in the 400 page they send back when
/// plain HTTP reaches a TLS listener.
const PLAIN_HTTP_ON_TLS: &str = "plain HTTP request was sent to HTTPS port";

pub const MAX_HEAD: usize = 8192;
/// Characters kept of a header value.
const MAX_VALUE: usize = 256;

const METHODS: [&str; 9] = ["GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "];

pub fn looks_like_request(b: &[u8]) -> bool {
    // Every method starts with one of these letters; most body segments stop here.
    if !matches!(b.first(), Some(b'G' | b'P' | b'H' | b'D' | b'O' | b'C' | b'T')) {
        return false;
    }
    METHODS.iter().any(|m| b.starts_with(m.as_bytes()) || m.as_bytes().starts_with(b) && !b.is_empty())
}

pub fn looks_like_response(b: &[u8]) -> bool {
    b.starts_with(b"HTTP/1.")
}

/// Parses a request or response head from `b` (which may be cut anywhere).
pub fn parse_head(b: &[u8]) -> Option<HttpEvent> {
    let b = b.get(..b.len().min(MAX_HEAD)).unwrap_or_default();
    let text = String::from_utf8_lossy(b);
    let mut lines = text.split("\r\n");
    let first = lines.next()?;
    let mut parts = first.split(' ');
    let a = parts.next()?;
    let second = parts.next()?;
    if a.starts_with("HTTP/1.") {
        let status = second.get(..3)?.parse().ok()?;
        let mut server = None;
        for line in lines.by_ref() {
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.trim().eq_ignore_ascii_case("server") {
                    server = Some(v.trim().chars().take(MAX_VALUE).collect());
                }
            }
        }
        let plain_http_on_tls_port = status == 400 && text.contains(PLAIN_HTTP_ON_TLS);
        return Some(HttpEvent::Response { status, server, plain_http_on_tls_port });
    }
    if !METHODS.iter().any(|m| m.trim_end() == a) {
        return None;
    }
    let mut host = None;
    let mut user_agent = None;
    for line in lines {
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim();
            if k.eq_ignore_ascii_case("host") {
                host = Some(v.trim().to_string());
            } else if k.eq_ignore_ascii_case("user-agent") {
                user_agent = Some(v.trim().to_string());
            }
        }
    }
    Some(HttpEvent::Request { method: a.to_string(), uri: second.to_string(), host, user_agent })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_line_and_headers() {
        let e = parse_head(b"POST /api/pay HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: curl/8\r\n\r\n{}").unwrap();
        assert_eq!(
            e,
            HttpEvent::Request {
                method: "POST".into(),
                uri: "/api/pay".into(),
                host: Some("shop.example".into()),
                user_agent: Some("curl/8".into())
            }
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 502 Bad Gateway\r\nServer: Tengine\r\n\r\n"),
            Some(HttpEvent::Response { status: 502, server: Some("Tengine".into()), plain_http_on_tls_port: false })
        );
        assert_eq!(parse_head(b"\x16\x03\x01"), None);
    }

    #[test]
    fn nginx_page_for_plain_http_on_a_tls_listener() {
        let head = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n\r\n<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>";
        let Some(HttpEvent::Response { plain_http_on_tls_port, .. }) = parse_head(head) else {
            panic!("not a response")
        };
        assert!(plain_http_on_tls_port);
        let other = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n<html>bad header</html>";
        let Some(HttpEvent::Response { plain_http_on_tls_port, .. }) = parse_head(other) else {
            panic!("not a response")
        };
        assert!(!plain_http_on_tls_port);
    }
}
