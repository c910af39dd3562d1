//! The rules for a base URL of a Qualys API, checked once: by `terraform validate` (with the
//! attribute's path) and by the client that connects to it. And the one way a URL is shown in
//! a message: with any password hidden.

use std::net::IpAddr;

use url::Url;

/// Why a text is not a usable base URL. Every message shows the text redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("{shown:?} is not a URL: {why}.")]
    NotAUrl { shown: String, why: String },
    #[error(
        "{0:?} holds credentials, which would end up in logs and error messages. Put them in \
         username and password (or QUALYS_USERNAME and QUALYS_PASSWORD) and remove \
         `user:password@` from the URL."
    )]
    Credentials(String),
    #[error(
        "{0:?} uses plain http, which would send your Qualys credentials unencrypted; use \
         https:// (http:// is accepted only for loopback hosts such as a local qualys-sim)."
    )]
    PlainHttp(String),
    #[error("{shown:?} has scheme {scheme:?}; use https://.")]
    Scheme { shown: String, scheme: String },
    #[error("{0:?} has no host.")]
    NoHost(String),
    #[error(
        "{0:?} has a query or fragment (`?…`, `#…`); a base URL is scheme, host, port and path \
         only."
    )]
    QueryOrFragment(String),
}

/// Parses a base URL: `https://`, or `http://` for a loopback host; no credentials, query or
/// fragment.
pub fn parse_base_url(text: &str) -> Result<Url, UrlError> {
    let shown = redact(text.trim());
    let url = Url::parse(text.trim()).map_err(|e| UrlError::NotAUrl {
        shown: shown.clone(),
        why: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials(shown));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(UrlError::PlainHttp(shown)),
        scheme => {
            return Err(UrlError::Scheme {
                shown,
                scheme: scheme.to_string(),
            });
        }
    }
    if url.host().is_none() {
        return Err(UrlError::NoHost(shown));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(UrlError::QueryOrFragment(shown));
    }
    Ok(url)
}

/// `text` with the password of any `user:password@` in it replaced by `***`, for messages.
/// Works on text that is not a valid URL too, since those are the ones error messages show.
pub fn redact(text: &str) -> String {
    let Some(scheme_end) = text.find("://").map(|i| i + 3) else {
        return text.to_string();
    };
    let rest = &text[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return text.to_string();
    };
    let user = rest[..at].split(':').next().unwrap_or_default();
    let password = if rest[..at].contains(':') { ":***" } else { "" };
    format!("{}{user}{password}{}", &text[..scheme_end], &rest[at..])
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_https_or_loopback_http_only() {
        for good in [
            "https://qualysapi.qualys.com",
            "http://127.0.0.1:8080",
            "http://127.10.0.3:8080/base",
            "http://localhost:1",
            "http://[::1]:1",
            " https://qualysapi.qualys.com ",
        ] {
            assert!(parse_base_url(good).is_ok(), "{good}");
        }
        for (bad, expected) in [
            ("http://qualysapi.qualys.com", "plain http"),
            ("http://10.0.0.1", "plain http"),
            ("ftp://127.0.0.1", "scheme \"ftp\""),
            ("https://user:pw@qualysapi.qualys.com", "holds credentials"),
            ("https://qualysapi.qualys.com/?x=1", "query or fragment"),
            ("https://qualysapi.qualys.com/#top", "query or fragment"),
            ("not a url", "is not a URL"),
        ] {
            let err = parse_base_url(bad).unwrap_err().to_string();
            assert!(err.contains(expected), "{bad}: {err}");
        }
    }

    #[test]
    fn no_message_shows_a_password() {
        for raw in [
            "https://u:secret@h.example",
            "https://u:secret@h.example/path",
            "http://u:secret@10.0.0.1",
            "https://:secret@h.example",
            "https://u:secret@",
            "ht!tp://u:secret@h.example",
            "https://a:secret@:99999",
        ] {
            let err = parse_base_url(raw).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("secret"), "{raw}: {shown}");
        }
    }

    #[test]
    fn redaction_keeps_everything_but_the_password() {
        assert_eq!(
            redact("https://admin:pw@host:8443/x?y#z"),
            "https://admin:***@host:8443/x?y#z"
        );
        assert_eq!(redact("https://admin@host/"), "https://admin@host/");
        assert_eq!(redact("https://host/a@b"), "https://host/a@b");
        assert_eq!(
            redact("https://u:p@h.example:8/a@b"),
            "https://u:***@h.example:8/a@b"
        );
        assert_eq!(redact("not a url"), "not a url");
        assert_eq!(redact("https://a:b:c@@h"), "https://a:***@h");
    }
}
