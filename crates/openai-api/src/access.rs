//! Who may call the API. Bound to loopback, only this machine's own programs: a request whose
//! `Host` or `Origin` names another host is refused, so a web page that rebinds its DNS name to
//! 127.0.0.1 (DNS rebinding) or posts to it from another site cannot use the model. Open to other
//! machines, a key is required (checked where the server is started) and any `Host` is taken.
//! Keys are compared in constant time.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

use crate::{error, Api};

/// The host part of a `Host` header or an origin's authority (`[::1]:8080` → `::1`).
fn host_part(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { authority })
}

/// A name that can only mean this machine.
pub fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why a loopback-only server refuses these headers, if it does.
pub fn foreign_host(headers: &HeaderMap) -> Option<String> {
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !is_loopback_name(host_part(host)) {
        return Some(format!("this server answers only this machine's programs, not requests for host {host:?}"));
    }
    if let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) {
        // A browser sends the page's origin (`null` for files and sandboxes).
        let authority = origin.split_once("://").map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
        if !is_loopback_name(host_part(authority)) {
            return Some(format!("this server answers only this machine's programs, not pages from {origin}"));
        }
    }
    None
}

/// The middleware: refuses foreign hosts unless the server is open to other machines.
pub async fn guard(State(api): State<Arc<Api>>, request: Request, next: Next) -> Response {
    if !api.allow_remote {
        if let Some(why) = foreign_host(request.headers()) {
            return error(StatusCode::FORBIDDEN, "invalid_request_error", "forbidden_host", &why);
        }
    }
    next.run(request).await
}

/// The key a request gives matches the server's (constant time: no timing tells how much of it).
pub fn key_matches(expected: &str, headers: &HeaderMap) -> bool {
    let given = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn this_machines_names_pass_and_others_are_refused() {
        for ok in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "127.0.0.1"] {
            assert_eq!(foreign_host(&headers(&[("host", ok)])), None, "{ok}");
        }
        for bad in ["evil.example", "evil.example:8080", "192.168.1.20:8080", "localhost.evil.example", ""] {
            assert!(foreign_host(&headers(&[("host", bad)])).is_some(), "{bad}");
        }
        assert!(foreign_host(&headers(&[("host", "127.0.0.1:8080"), ("origin", "https://evil.example")])).is_some());
        assert!(foreign_host(&headers(&[("host", "127.0.0.1:8080"), ("origin", "null")])).is_some());
        assert_eq!(foreign_host(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://localhost:5173")])), None);
    }

    #[test]
    fn keys_match_only_whole() {
        assert!(key_matches("k1", &headers(&[("authorization", "Bearer k1")])));
        assert!(!key_matches("k1", &headers(&[("authorization", "Bearer k")])));
        assert!(!key_matches("k1", &headers(&[("authorization", "Bearer k12")])));
        assert!(!key_matches("k1", &headers(&[])));
    }
}
