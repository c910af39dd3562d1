//! Lenient serde helpers shared by the QPS (JSON and XML) and CloudView decoders.
//!
//! Qualys is inconsistent about scalar types: v3 JSON sends booleans and numbers as strings
//! (`"false"`, `"240"`), XML sends every scalar as text, and an empty XML element (`<x/>`)
//! reaches serde as an empty map. Every helper here goes through `deserialize_any`, so the
//! same struct decodes JSON and XML. A value of a shape that cannot mean the field (an
//! object where a number belongs, `"maybe"` for a boolean) is an error, never a silent
//! default: the caller turns it into [`Error::Decode`](super::Error::Decode) with an excerpt.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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

/// Longest body excerpt carried by a decode or API error.
const EXCERPT_CHARS: usize = 300;

/// The first few hundred characters of a response body, on one line, for error messages.
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
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    if out.trim().is_empty() {
        "(empty body)".to_owned()
    } else {
        out
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

/// Checks that an XML document nests at most [`MAX_NESTING`] elements, reading it as a flat
/// stream of events (no recursion). A document the reader rejects is reported as malformed.
pub(crate) fn check_xml_nesting(xml: &str) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep());
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("malformed XML: {e}")),
        }
    }
}

fn too_deep() -> String {
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

/// A required non-negative integer (ids), as a number or a string.
pub(crate) fn req_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    opt_u64(d)?.ok_or_else(|| de::Error::custom("expected an integer, found nothing"))
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

/// One value or a list of them: JSON arrays, single JSON objects, and (in XML) one element
/// where a list was expected all decode to a `Vec`.
pub(crate) struct OneOrMany<T>(pub(crate) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object or a list of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| OneOrMany(vec![t]))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor(PhantomData))
    }
}

/// A QList of AWS region codes, as Qualys answers `cspmRegions` and `endpoints`.
///
/// Accepted shapes: `{"list":[{"CspmRegionSimple":{"regionCode":"x"}}]}`,
/// `{"list":{"CspmRegionSimple":[{"regionCode":"x"}]}}`, `set` in place of `list` (the v2
/// seed answers with `set`), a bare array of `{regionCode}` objects, wrappers or plain
/// strings, an optional `count`, and the XML forms of all of these. An empty or absent
/// collection is an empty list. Order is kept as received.
pub(crate) fn region_codes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    RegionCollection::deserialize(d).map(|c| c.0)
}

struct RegionCollection(Vec<String>);

impl<'de> Deserialize<'de> for RegionCollection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CollectionVisitor;
        impl<'de> Visitor<'de> for CollectionVisitor {
            type Value = RegionCollection;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a region collection (`list`, `set` or an array of regions)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                RegionItems::visit_items(seq).map(RegionCollection)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut codes = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "list" | "set" => codes.extend(map.next_value::<RegionItems>()?.0),
                        "count" => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        // XML's bare form: wrapper elements right under the collection.
                        other => {
                            let nested = map.next_value::<NestedRegions>()?.0;
                            if nested.is_empty() {
                                return Err(de::Error::unknown_field(
                                    other,
                                    &["list", "set", "count"],
                                ));
                            }
                            codes.extend(nested);
                        }
                    }
                }
                Ok(RegionCollection(codes))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(RegionCollection(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(RegionCollection(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().is_empty() {
                    Ok(RegionCollection(Vec::new()))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_any(CollectionVisitor)
    }
}

/// The inside of `list`/`set`: an array of items, or a map of wrapper names to one item or
/// an array of items (XML repeats the wrapper element, which arrives as a repeated key).
struct RegionItems(Vec<String>);

impl RegionItems {
    fn visit_items<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut codes = Vec::new();
        while let Some(item) = seq.next_element::<RegionItem>()? {
            codes.extend(item.0);
        }
        Ok(codes)
    }
}

impl<'de> Deserialize<'de> for RegionItems {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemsVisitor;
        impl<'de> Visitor<'de> for ItemsVisitor {
            type Value = RegionItems;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("region entries")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                RegionItems::visit_items(seq).map(RegionItems)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RegionItem::visit_entries(map).map(|item| RegionItems(item.0))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(RegionItems(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(RegionItems(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().is_empty() {
                    Ok(RegionItems(Vec::new()))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_any(ItemsVisitor)
    }
}

/// One region entry: `"us-east-1"`, `{"regionCode":"us-east-1"}`, or a wrapper
/// `{"CspmRegionSimple": <entry or array of entries>}`. It may hold several codes when a
/// wrapper holds an array.
struct RegionItem(Vec<String>);

impl RegionItem {
    fn visit_entries<'de, A: MapAccess<'de>>(mut map: A) -> Result<RegionItem, A::Error> {
        let mut codes = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "regionCode" {
                codes.push(map.next_value::<RegionCode>()?.0);
            } else {
                // A wrapper (`CspmRegionSimple`, `AwsEndpointSimple`, or a name Qualys may
                // introduce) holds entries; scalar attributes (a region's name) are skipped.
                codes.extend(map.next_value::<NestedRegions>()?.0);
            }
        }
        Ok(RegionItem(codes))
    }
}

/// The value under a key of a region entry other than `regionCode`: a wrapper's entry or
/// entries, or a scalar attribute, which holds no code.
struct NestedRegions(Vec<String>);

impl<'de> Deserialize<'de> for NestedRegions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NestedVisitor;
        impl<'de> Visitor<'de> for NestedVisitor {
            type Value = NestedRegions;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("region entries or a scalar")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                RegionItems::visit_items(seq).map(NestedRegions)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RegionItem::visit_entries(map).map(|item| NestedRegions(item.0))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(NestedRegions(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(NestedRegions(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(NestedRegions(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(NestedRegions(Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(NestedRegions(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(NestedRegions(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(NestedRegions(Vec::new()))
            }
        }
        deserializer.deserialize_any(NestedVisitor)
    }
}

impl<'de> Deserialize<'de> for RegionItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = RegionItem;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a region code or an object with `regionCode`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RegionItem(vec![v.trim().to_owned()]))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let item = RegionItem::visit_entries(map)?;
                if item.0.is_empty() {
                    Err(de::Error::custom("a region entry without `regionCode`"))
                } else {
                    Ok(item)
                }
            }
        }
        deserializer.deserialize_any(ItemVisitor)
    }
}

/// A region code as text (in XML, `<regionCode>x</regionCode>`).
struct RegionCode(String);

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match opt_string(deserializer)? {
            Some(code) if !code.trim().is_empty() => Ok(RegionCode(code.trim().to_owned())),
            _ => Err(de::Error::custom("regionCode is empty")),
        }
    }
}

/// Any JSON or XML value, keeping repeated keys (XML repeats an element to make a list,
/// which a map type would collapse). Used for the QLists whose items are not regions
/// (modules, apps, tags); nesting is bounded by the check every body passes first.
pub(crate) enum Tree {
    Null,
    Scalar(String),
    List(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TreeVisitor;
        impl<'de> Visitor<'de> for TreeVisitor {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Tree, E> {
                Ok(Tree::Scalar(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Tree, E> {
                Ok(Tree::Scalar(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Tree, E> {
                Ok(Tree::Scalar(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Tree, E> {
                Ok(Tree::Scalar(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
                Ok(Tree::Scalar(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Tree, E> {
                Ok(Tree::Scalar(v))
            }
            fn visit_unit<E>(self) -> Result<Tree, E> {
                Ok(Tree::Null)
            }
            fn visit_none<E>(self) -> Result<Tree, E> {
                Ok(Tree::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
                Tree::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Tree::List(items))
            }
            // An XML element holding only text (`<x>VM</x>`, possibly with attributes) is
            // the text.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
                let mut entries = Vec::new();
                let mut text = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: Tree = map.next_value()?;
                    if key == "$text" || key == "$value" {
                        text = Some(value);
                    } else if !key.starts_with('@') {
                        entries.push((key, value));
                    }
                }
                Ok(match text {
                    Some(text) if entries.is_empty() => text,
                    _ => Tree::Map(entries),
                })
            }
        }
        deserializer.deserialize_any(TreeVisitor)
    }
}

impl Tree {
    /// Every value under a key named `name`, at any depth, with lists under it flattened:
    /// the items of a QList whatever its nesting (`list`/`set`, wrapped or bare, JSON or XML).
    pub(crate) fn named<'a>(&'a self, name: &str, out: &mut Vec<&'a Tree>) {
        match self {
            Tree::Map(entries) => {
                for (key, value) in entries {
                    if key == name {
                        match value {
                            Tree::List(items) => out.extend(items),
                            other => out.push(other),
                        }
                    } else {
                        value.named(name, out);
                    }
                }
            }
            Tree::List(items) => items.iter().for_each(|item| item.named(name, out)),
            Tree::Null | Tree::Scalar(_) => {}
        }
    }

    /// The text of a scalar, trimmed; `None` for anything else or blank text.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Tree::Scalar(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            _ => None,
        }
    }

    /// The value of a field of a map, first occurrence.
    pub(crate) fn field(&self, name: &str) -> Option<&Tree> {
        match self {
            Tree::Map(entries) => entries.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }
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

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "opt_u64")]
        number: Option<u64>,
        #[serde(default, deserialize_with = "opt_string")]
        text: Option<String>,
        #[serde(default, deserialize_with = "region_codes")]
        regions: Vec<String>,
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
    fn xml_scalars_regions_and_attributes() {
        let p: Probe = quick_xml::de::from_str(
            r#"<Probe><flag>true</flag><number>12</number><text xsi:nil="false">hello</text>
               <regions><CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple>
               <CspmRegionSimple><regionCode> eu-west-1 </regionCode></CspmRegionSimple></regions></Probe>"#,
        )
        .unwrap();
        assert_eq!(
            p,
            Probe {
                flag: Some(true),
                number: Some(12),
                text: Some("hello".into()),
                regions: vec!["us-east-1".into(), "eu-west-1".into()],
            }
        );
        let empty: Probe =
            quick_xml::de::from_str("<Probe><flag/><number></number><text/><regions/></Probe>")
                .unwrap();
        assert_eq!(empty.flag, None);
        assert_eq!(empty.number, None);
        assert_eq!(empty.text.as_deref(), Some(""));
        assert!(empty.regions.is_empty());
        let child: Result<Probe, _> =
            quick_xml::de::from_str("<Probe><flag><b>1</b></flag></Probe>");
        assert!(child.is_err());
    }

    #[test]
    fn region_entries_need_a_code() {
        assert!(json(r#"{"regions":[{"name":"no code"}]}"#).is_err());
        assert!(json(r#"{"regions":{"list":[{"CspmRegionSimple":{"regionCode":""}}]}}"#).is_err());
        assert!(json(r#"{"regions":{"weird":[]}}"#).is_err());
        assert!(json(r#"{"regions":"us-east-1"}"#).is_err());
        assert!(json(r#"{"regions":42}"#).is_err());
    }

    #[test]
    fn nesting_is_bounded_in_json_and_xml() {
        let json = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(check_json_nesting(json(MAX_NESTING).as_bytes()).is_ok());
        assert!(check_json_nesting(json(MAX_NESTING + 1).as_bytes()).is_err());
        assert!(check_json_nesting(json(100_000).as_bytes()).is_err());
        // Brackets inside strings, escaped quotes included, are text.
        let quoted = format!(r#"{{"a":"\"{}"}}"#, "[".repeat(1000));
        assert!(check_json_nesting(quoted.as_bytes()).is_ok());
        let xml = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(check_xml_nesting(&xml(MAX_NESTING)).is_ok());
        assert!(check_xml_nesting(&xml(MAX_NESTING + 1)).is_err());
        assert!(check_xml_nesting(&xml(100_000)).is_err());
        // Empty elements do not nest; comments and CDATA are text.
        let flat = format!(
            "<r>{}<!-- {} --></r>",
            "<e/>".repeat(1000),
            "<a>".repeat(1000)
        );
        assert!(check_xml_nesting(&flat).is_ok());
        assert!(check_xml_nesting("<a><b></a>").is_err());
    }

    #[test]
    fn excerpt_is_short_single_line_and_safe_on_multibyte() {
        assert_eq!(excerpt(b""), "(empty body)");
        assert_eq!(excerpt(b"a\nb"), "a b");
        let long = "é".repeat(1000);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(&[0xff, b'x']), "\u{fffd}x");
    }
}
