//! HTTP Basic authentication against the configured users.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::config::User;

/// The authenticated user of a call, put into the request's extensions.
#[derive(Clone, Debug)]
pub struct Caller(pub User);

/// The user whose name and password the `Authorization: Basic` header carries.
pub fn authenticate<'a>(headers: &HeaderMap, users: &'a [User]) -> Option<&'a User> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (name, password) = decoded.split_once(':')?;
    users
        .iter()
        .find(|u| u.name == name && u.password == password)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(header::AUTHORIZATION, v);
        }
        h
    }

    #[test]
    fn basic_credentials() {
        let users = vec![User::new("demo", "demo"), User::new("a", "b:c")];
        let ok = format!("Basic {}", STANDARD.encode("demo:demo"));
        assert_eq!(
            authenticate(&headers(&ok), &users).map(|u| &u.name[..]),
            Some("demo")
        );
        let colon = format!("basic {}", STANDARD.encode("a:b:c"));
        assert!(authenticate(&headers(&colon), &users).is_some());
        let wrong = format!("Basic {}", STANDARD.encode("demo:nope"));
        assert!(authenticate(&headers(&wrong), &users).is_none());
        assert!(authenticate(&headers("Bearer x"), &users).is_none());
        assert!(authenticate(&headers("Basic !!!"), &users).is_none());
        assert!(authenticate(&HeaderMap::new(), &users).is_none());
    }
}
