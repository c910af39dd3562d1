//! Lenient serde helpers shared by the QPS (JSON and XML) and CloudView decoders; those only
//! QPS needs (region and other QLists, XML nesting) are in `qps/lenient.rs`.
//!
//! Qualys is inconsistent about scalar types: v3 JSON sends booleans and numbers as strings
//! (`"false"`, `"240"`), XML sends every scalar as text, and an empty XML element (`<x/>`)
//! reaches serde as an empty map. Every helper here goes through `deserialize_any`, so the
//! same struct decodes JSON and XML. A value of a shape that cannot mean the field (an
//! object where a number belongs, `"maybe"` for a boolean) is an error, never a silent
//! default: the caller turns it into [`Error::Decode`](super::Error::Decode) with an excerpt.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

/// Text a server sent, made inert for a terminal: control characters (escape sequences that
/// clear the screen, set the window title, move the cursor; line breaks that would start a
/// forged line of Terraform's output), and Unicode's invisible direction and zero-width
/// marks are shown as `\u{..}` escapes; line breaks and tabs become spaces.
pub(crate) fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_invisible_format(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// Bidirectional overrides and isolates, zero-width and other invisible format characters:
/// they reorder or hide what a terminal shows.
fn is_invisible_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFEFF | 0x061C
    )
}

/// Longest excerpt of a body or server message carried by an error.
const EXCERPT_CHARS: usize = 300;

/// The first few hundred characters of a response body, on one line, for error messages;
/// a longer body says how long it was.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| {
            if c.is_control() || is_invisible_format(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    out.push_str(&cut_note(&text));
    if out.trim().is_empty() {
        "(empty body)".to_owned()
    } else {
        out
    }
}

/// A message a server sent (Qualys's error text, its resolution), [`inert`] and cut to a few
/// hundred characters with its length stated: a whole page of text on one line helps no one.
pub(crate) fn inert_excerpt(text: &str) -> String {
    let head: String = text.chars().take(EXCERPT_CHARS).collect();
    inert(&head) + &cut_note(text)
}

/// `… (N characters)` when `text` is longer than an excerpt, else nothing.
fn cut_note(text: &str) -> String {
    match text.chars().count() {
        total if total > EXCERPT_CHARS => format!("… ({total} characters)"),
        _ => String::new(),
    }
}

/// Deepest nesting of JSON arrays/objects or XML elements a response body may have. A real
/// answer nests about ten levels (envelope, data, wrapper, connector, collection, item,
/// field); serde's decoders recurse once per level, so a hostile or broken body thousands of
/// levels deep would overflow the stack and abort the whole provider. Bodies are checked
/// before they are decoded, and a deeper one is an error.
pub(crate) const MAX_NESTING: usize = 32;

/// Checks that a JSON document nests at most [`MAX_NESTING`] levels. Only brackets outside
/// strings count; anything else about the document is left to the decoder.
pub(crate) fn check_json_nesting(body: &[u8]) -> Result<(), String> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep());
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

pub(crate) fn too_deep() -> String {
    format!("the body nests deeper than {MAX_NESTING} levels")
}

/// A scalar as Qualys may send it: native JSON value, string, or XML text.
enum Scalar {
    Missing,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean, number or string")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Unsigned(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Signed(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Missing)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Missing)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
            // quick-xml presents an element as a map: its text under `$text` (or `$value`),
            // its attributes under `@name`. An empty element (`<description/>`) is an
            // empty map. Any child element means this is not a scalar.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                let mut value = Scalar::Text(String::new());
                while let Some(key) = map.next_key::<String>()? {
                    if key == "$text" || key == "$value" {
                        value = map.next_value::<Scalar>()?;
                    } else if key.starts_with('@') {
                        map.next_value::<IgnoredAny>()?;
                    } else {
                        return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
                    }
                }
                Ok(value)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// An optional boolean: `true`, `"true"`, `"TRUE"`, `1`, `"1"`; absent, null or `""` is `None`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Missing => Ok(None),
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::Unsigned(0) | Scalar::Signed(0) => Ok(Some(false)),
        Scalar::Unsigned(1) | Scalar::Signed(1) => Ok(Some(true)),
        Scalar::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            other => Err(de::Error::invalid_value(
                de::Unexpected::Str(other),
                &"a boolean",
            )),
        },
        _ => Err(de::Error::custom("expected a boolean, found a number")),
    }
}

/// An optional non-negative integer, as a number or a string; absent, null or `""` is `None`.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Missing => Ok(None),
        Scalar::Unsigned(n) => Ok(Some(n)),
        Scalar::Signed(n) => u64::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected a non-negative integer, found {n}"))),
        Scalar::Float(f) if f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 => {
            Ok(Some(f as u64))
        }
        Scalar::Text(t) if t.trim().is_empty() => Ok(None),
        Scalar::Text(t) => t.trim().parse().map(Some).map_err(|_| {
            de::Error::invalid_value(de::Unexpected::Str(&t), &"a non-negative integer")
        }),
        Scalar::Float(_) | Scalar::Bool(_) => {
            Err(de::Error::custom("expected a non-negative integer"))
        }
    }
}

/// An optional `u32` (minutes, hours), as a number or a string.
pub(crate) fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    opt_u64(d)?
        .map(|n| u32::try_from(n).map_err(|_| de::Error::custom(format!("{n} is too large"))))
        .transpose()
}

/// An optional string; numbers and booleans are taken as their text (`awsAccountId` may come
/// as a number). Absent or null is `None`; an empty XML element is `Some("")`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Scalar::deserialize(d)? {
        Scalar::Missing => None,
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::Unsigned(n) => Some(n.to_string()),
        Scalar::Signed(n) => Some(n.to_string()),
        Scalar::Float(f) => Some(f.to_string()),
        Scalar::Text(t) => Some(t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_made_inert() {
        assert_eq!(inert("plain, text: ok"), "plain, text: ok");
        assert_eq!(
            inert("bad\u{1b}[2J\u{1b}]0;title\u{7}x"),
            "bad\\u{1b}[2J\\u{1b}]0;title\\u{7}x"
        );
        assert_eq!(inert("one\nApply complete!\r\t"), "one Apply complete!  ");
        assert_eq!(inert("a\u{202e}b\u{9b}c"), "a\\u{202e}b\\u{9b}c");
        assert!(!excerpt("x\u{1b}[31m\u{202e}".as_bytes()).contains(['\u{1b}', '\u{202e}']));
    }

    #[test]
    fn a_long_server_message_is_excerpted_with_its_length() {
        let long = "x".repeat(10_000);
        let short = inert_excerpt(&long);
        assert!(short.len() < 400, "{short}");
        assert!(short.ends_with("x… (10000 characters)"), "{short}");
        assert_eq!(inert_excerpt("fine\u{1b}[2J"), "fine\\u{1b}[2J");
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "opt_u64")]
        number: Option<u64>,
        #[serde(default, deserialize_with = "opt_string")]
        text: Option<String>,
    }

    fn json(s: &str) -> Result<Probe, serde_json::Error> {
        serde_json::from_str(s)
    }

    #[test]
    fn booleans_and_numbers_as_strings() {
        for (input, flag) in [
            (r#"{"flag":true}"#, Some(true)),
            (r#"{"flag":"false"}"#, Some(false)),
            (r#"{"flag":"TRUE"}"#, Some(true)),
            (r#"{"flag":1}"#, Some(true)),
            (r#"{"flag":"0"}"#, Some(false)),
            (r#"{"flag":""}"#, None),
            (r#"{"flag":null}"#, None),
            ("{}", None),
        ] {
            assert_eq!(json(input).unwrap().flag, flag, "{input}");
        }
        assert!(json(r#"{"flag":"maybe"}"#).is_err());
        assert!(json(r#"{"flag":2}"#).is_err());
        assert_eq!(json(r#"{"number":"240"}"#).unwrap().number, Some(240));
        assert_eq!(json(r#"{"number":" 7 "}"#).unwrap().number, Some(7));
        assert_eq!(json(r#"{"number":3.0}"#).unwrap().number, Some(3));
        assert!(json(r#"{"number":-1}"#).is_err());
        assert!(json(r#"{"number":"ten"}"#).is_err());
        assert!(json(r#"{"number":{"a":1}}"#).is_err());
        assert_eq!(
            json(r#"{"text":123456789012}"#).unwrap().text.as_deref(),
            Some("123456789012")
        );
    }

    #[test]
    fn nesting_is_bounded_in_json() {
        let json = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(check_json_nesting(json(MAX_NESTING).as_bytes()).is_ok());
        assert!(check_json_nesting(json(MAX_NESTING + 1).as_bytes()).is_err());
        assert!(check_json_nesting(json(100_000).as_bytes()).is_err());
        // Brackets inside strings, escaped quotes included, are text.
        let quoted = format!(r#"{{"a":"\"{}"}}"#, "[".repeat(1000));
        assert!(check_json_nesting(quoted.as_bytes()).is_ok());
    }

    #[test]
    fn excerpt_is_short_single_line_and_safe_on_multibyte() {
        assert_eq!(excerpt(b""), "(empty body)");
        assert_eq!(excerpt(b"a\nb"), "a b");
        let long = "é".repeat(1000);
        let e = excerpt(long.as_bytes());
        assert_eq!(
            e.chars().count(),
            EXCERPT_CHARS + "… (1000 characters)".chars().count()
        );
        assert!(e.ends_with("é… (1000 characters)"), "{e}");
        assert_eq!(excerpt(&[0xff, b'x']), "\u{fffd}x");
    }
}
