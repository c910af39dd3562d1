//! XML for QPS v2: requests are read into the same lenient JSON tree as v3 requests, so both
//! versions share one request model; responses are built as small element trees and written
//! as Qualys writes them (EVIDENCE 6, recorded answers): pretty-printed with two spaces per
//! level, free text in CDATA sections.
//!
//! Reading: an element with only text becomes a string, one with children or attributes an
//! object; repeated children become an array; attributes become fields and, next to them, the
//! text becomes `value` (so `<Criteria field="id" operator="EQUALS">5</Criteria>` reads like
//! v3's `{"field":"id","operator":"EQUALS","value":"5"}`).

use quick_xml::Reader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

/// XML that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML: {0}")]
    Syntax(#[from] quick_xml::Error),
    #[error("malformed XML: {0}")]
    Encoding(#[from] quick_xml::encoding::EncodingError),
    #[error("malformed XML attribute: {0}")]
    Attribute(#[from] quick_xml::events::attributes::AttrError),
    #[error("unknown entity &{0};")]
    Entity(String),
    #[error("malformed XML: no root element")]
    NoRoot,
}

struct Open {
    name: String,
    fields: Map<String, Value>,
    text: String,
}

/// Reads a document into `{root name: content}`.
pub fn parse(xml: &str) -> Result<Value, XmlError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Open> = Vec::new();
    loop {
        match reader.read_event()? {
            Event::Start(e) => stack.push(open(&e)?),
            Event::Empty(e) => {
                let element = open(&e)?;
                if let Some(done) = close(&mut stack, element) {
                    return Ok(done);
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or(XmlError::NoRoot)?;
                if let Some(done) = close(&mut stack, element) {
                    return Ok(done);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml_content()?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode()?);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref()? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode()?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(|| XmlError::Entity(name.to_string()))?
                            .to_owned()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => return Err(XmlError::NoRoot),
            _ => {}
        }
    }
}

fn open(e: &BytesStart<'_>) -> Result<Open, XmlError> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut fields = Map::new();
    for attr in e.attributes() {
        let attr = attr?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        fields.insert(key, Value::String(attr.unescape_value()?.into_owned()));
    }
    Ok(Open {
        name,
        fields,
        text: String::new(),
    })
}

/// Attaches a finished element to its parent; returns the document when it was the root.
fn close(stack: &mut [Open], element: Open) -> Option<Value> {
    let text = element.text.trim().to_owned();
    let value = if element.fields.is_empty() {
        Value::String(text)
    } else {
        let mut fields = element.fields;
        if !text.is_empty() {
            fields.insert("value".to_owned(), Value::String(text));
        }
        Value::Object(fields)
    };
    let Some(parent) = stack.last_mut() else {
        let mut root = Map::new();
        root.insert(element.name, value);
        return Some(Value::Object(root));
    };
    match parent.fields.get_mut(&element.name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            parent.fields.insert(element.name, value);
        }
    }
    None
}

/// An element to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    name: &'static str,
    attributes: Vec<(&'static str, String)>,
    text: Option<Text>,
    children: Vec<Element>,
}

/// An element's text: escaped (numbers, codes, dates, flags) or in CDATA (free text).
#[derive(Debug, Clone, PartialEq)]
enum Text {
    Plain(String),
    Cdata(String),
}

/// `text` as CDATA sections: a section cannot hold `]]>`, so that is split across two.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

impl Element {
    pub fn new(name: &'static str) -> Element {
        Element {
            name,
            attributes: Vec::new(),
            text: None,
            children: Vec::new(),
        }
    }

    /// `<name>text</name>`, for values that are not free text (ids, codes, dates, flags).
    pub fn leaf(name: &'static str, text: impl Into<String>) -> Element {
        Element {
            text: Some(Text::Plain(text.into())),
            ..Element::new(name)
        }
    }

    /// `<name><![CDATA[text]]></name>`, for free text (names, descriptions, ARNs, messages),
    /// as Qualys writes it (EVIDENCE 6).
    pub fn text(name: &'static str, text: impl Into<String>) -> Element {
        Element {
            text: Some(Text::Cdata(text.into())),
            ..Element::new(name)
        }
    }

    pub fn attribute(mut self, name: &'static str, value: impl Into<String>) -> Element {
        self.attributes.push((name, value.into()));
        self
    }

    pub fn child(mut self, child: Element) -> Element {
        self.children.push(child);
        self
    }

    /// Whether the element has neither text nor children.
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.children.is_empty()
    }

    /// The element as a document with an XML declaration, pretty-printed like Qualys's answers
    /// (EVIDENCE 6): one element a line, two spaces per level, no newline after the root.
    pub fn to_document(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        out.push('<');
        out.push_str(self.name);
        for (name, value) in &self.attributes {
            out.push_str(&format!(" {name}=\"{}\"", escape(value.as_str())));
        }
        if self.text.is_none() && self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        match &self.text {
            Some(Text::Plain(text)) => out.push_str(&escape(text.as_str())),
            Some(Text::Cdata(text)) => out.push_str(&cdata(text)),
            None => {}
        }
        for child in &self.children {
            newline(out, depth + 1);
            child.write(out, depth + 1);
        }
        if !self.children.is_empty() {
            newline(out, depth);
        }
        out.push_str("</");
        out.push_str(self.name);
        out.push('>');
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    out.push_str(&"  ".repeat(depth));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_seed_v2_request_shape() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ServiceRequest><data><AwsAssetDataConnector>
<name>aws-v2-api</name><allRegions>false</allRegions>
<cspmRegions><set>
<CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple>
<CspmRegionSimple><regionCode>us-west-2</regionCode></CspmRegionSimple>
</set></cspmRegions>
<endpoints><set><AwsEndpointSimple><regionCode>us-east-1</regionCode></AwsEndpointSimple></set></endpoints>
<description/>
</AwsAssetDataConnector></data></ServiceRequest>"#;
        let doc = parse(xml).expect("parses");
        let connector = &doc["ServiceRequest"]["data"]["AwsAssetDataConnector"];
        assert_eq!(connector["name"], "aws-v2-api");
        assert_eq!(connector["allRegions"], "false");
        assert_eq!(connector["description"], "");
        assert_eq!(
            connector["cspmRegions"]["set"]["CspmRegionSimple"],
            json!([{"regionCode": "us-east-1"}, {"regionCode": "us-west-2"}])
        );
        assert_eq!(
            connector["endpoints"]["set"]["AwsEndpointSimple"],
            json!({"regionCode": "us-east-1"})
        );
    }

    #[test]
    fn criteria_attributes_and_entities() {
        let xml = r#"<ServiceRequest xmlns:xsi="x"><filters>
<Criteria field="name" operator="CONTAINS">a &amp; b&#33;</Criteria>
</filters></ServiceRequest>"#;
        let doc = parse(xml).expect("parses");
        assert_eq!(
            doc["ServiceRequest"]["filters"]["Criteria"],
            json!({"field": "name", "operator": "CONTAINS", "value": "a & b!"})
        );
    }

    #[test]
    fn rejects_broken_documents() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<a>&bogus;</a>").is_err());
    }

    #[test]
    fn writes_escaped_elements_pretty() {
        let doc = Element::new("Root")
            .attribute("a", "x\"y")
            .child(Element::leaf("code", "a<b"))
            .child(Element::new("set"))
            .child(Element::new("data").child(Element::leaf("id", "1")))
            .to_document();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Root a=\"x&quot;y\">\n  <code>a&lt;b</code>\n  \
             <set/>\n  <data>\n    <id>1</id>\n  </data>\n</Root>"
        );
        let back = parse(&doc).expect("parses");
        assert_eq!(back["Root"]["code"], "a<b");
        assert_eq!(back["Root"]["data"]["id"], "1");
    }

    #[test]
    fn free_text_in_cdata_even_with_its_terminator() {
        let tricky = "a <b> & ]]> c ]]";
        let doc = Element::new("Root")
            .child(Element::text("name", "prod"))
            .child(Element::text("description", tricky))
            .to_document();
        assert!(doc.contains("<name><![CDATA[prod]]></name>"), "{doc}");
        assert!(
            doc.contains("<![CDATA[a <b> & ]]]]><![CDATA[> c ]]]]></description>"),
            "{doc}"
        );
        let back = parse(&doc).expect("parses");
        assert_eq!(back["Root"]["name"], "prod");
        assert_eq!(back["Root"]["description"], tricky);
    }
}
