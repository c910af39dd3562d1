//! The lenient decoders only QPS needs: XML nesting, `data` that is one item or a list, and
//! the QLists (regions, modules, apps, tags) in every shape the v3 JSON and v2 XML answers take.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::qualys::lenient::{MAX_NESTING, opt_string, opt_u64, too_deep};

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

/// A required non-negative integer (ids), as a number or a string.
pub(crate) fn req_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    opt_u64(d)?.ok_or_else(|| de::Error::custom("expected an integer, found nothing"))
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
    use crate::qualys::lenient::opt_bool;

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
    fn nesting_is_bounded_in_xml() {
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
}
