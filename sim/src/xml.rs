//! XML for QPS v2: requests are read into the same lenient JSON tree as v3 requests, so both
//! versions share one request model; responses are built as small element trees.
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
    text: Option<String>,
    children: Vec<Element>,
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

    /// `<name>text</name>`.
    pub fn leaf(name: &'static str, text: impl Into<String>) -> Element {
        Element {
            text: Some(text.into()),
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

    /// The element as a document with an XML declaration.
    pub fn to_document(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
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
        if let Some(text) = &self.text {
            out.push_str(&escape(text.as_str()));
        }
        for child in &self.children {
            child.write(out);
        }
        out.push_str("</");
        out.push_str(self.name);
        out.push('>');
    }
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
    fn writes_escaped_elements() {
        let doc = Element::new("Root")
            .attribute("a", "x\"y")
            .child(Element::leaf("name", "a<b"))
            .child(Element::new("set"))
            .to_document();
        assert!(doc.ends_with(r#"<Root a="x&quot;y"><name>a&lt;b</name><set/></Root>"#));
        let back = parse(&doc).expect("parses");
        assert_eq!(back["Root"]["name"], "a<b");
    }
}
