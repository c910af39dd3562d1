//! The DynamicValue codecs: msgpack both ways (what Terraform sends and what we answer) and
//! the state-file JSON that `UpgradeResourceState` carries. Both are type-directed: the schema
//! says how to read the bytes.
//!
//! Wire rules (Terraform's object wire format): an object is a map with every attribute present
//! (nil for null); unknown is a msgpack extension (we write type 0 and accept any type, since
//! newer Terraform sends refined unknowns as type 12); numbers may arrive as int, uint, float or
//! a decimal string, and we send decimal strings (see `encode_number`); a `dynamic` value is
//! the pair `[type JSON, value]`.

use std::collections::BTreeMap;

use rmpv::Value as Mp;

use super::value::{Number, Type, Value};

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{path}: {message}")]
pub struct CodecError {
    /// Where in the value the problem is, e.g. `.regions[2].code`.
    pub path: String,
    pub message: String,
}

fn err(path: &str, message: impl Into<String>) -> CodecError {
    CodecError {
        path: if path.is_empty() {
            "(root)".into()
        } else {
            path.into()
        },
        message: message.into(),
    }
}

/// Decodes msgpack bytes as a value of `ty`.
pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut rd = bytes;
    let mp = rmpv::decode::read_value(&mut rd).map_err(|e| err("", format!("msgpack: {e}")))?;
    if !rd.is_empty() {
        return Err(err(
            "",
            format!("{} trailing bytes after the value", rd.len()),
        ));
    }
    decode(&mp, ty, "")
}

/// Encodes a value of `ty` as msgpack.
pub fn to_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mp = encode(value, ty, "")?;
    let mut out = Vec::with_capacity(64);
    rmpv::encode::write_value(&mut out, &mp).map_err(|e| err("", format!("msgpack: {e}")))?;
    Ok(out)
}

fn unknown_marker() -> Mp {
    Mp::Ext(0, vec![0])
}

fn decode(mp: &Mp, ty: &Type, path: &str) -> Result<Value, CodecError> {
    match mp {
        Mp::Nil => return Ok(Value::Null),
        Mp::Ext(..) => return Ok(Value::Unknown),
        _ => {}
    }
    match ty {
        Type::String => match mp {
            Mp::String(s) => s
                .as_str()
                .map(Value::string)
                .ok_or_else(|| err(path, "string is not valid UTF-8")),
            _ => Err(err(path, format!("expected a string, got {mp}"))),
        },
        Type::Bool => match mp {
            Mp::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(err(path, format!("expected a bool, got {mp}"))),
        },
        Type::Number => decode_number(mp, path).map(Value::Number),
        Type::List(elem) | Type::Set(elem) => {
            let items = mp
                .as_array()
                .ok_or_else(|| err(path, format!("expected an array, got {mp}")))?;
            let values = items
                .iter()
                .enumerate()
                .map(|(i, item)| decode(item, elem, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(values)
            } else {
                Value::Set(values)
            })
        }
        Type::Tuple(elems) => {
            let items = mp
                .as_array()
                .ok_or_else(|| err(path, format!("expected an array, got {mp}")))?;
            if items.len() != elems.len() {
                return Err(err(
                    path,
                    format!("tuple of {} elements, got {}", elems.len(), items.len()),
                ));
            }
            items
                .iter()
                .zip(elems)
                .enumerate()
                .map(|(i, (item, t))| decode(item, t, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Tuple)
        }
        Type::Map(elem) => {
            let entries = decode_entries(mp, path)?;
            entries
                .into_iter()
                .map(|(k, v)| {
                    let child = format!("{path}[{k:?}]");
                    decode(v, elem, &child).map(|v| (k, v))
                })
                .collect::<Result<BTreeMap<_, _>, _>>()
                .map(Value::Map)
        }
        Type::Object(attrs) => {
            let entries: BTreeMap<String, &Mp> = decode_entries(mp, path)?.into_iter().collect();
            if let Some(extra) = entries.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(err(path, format!("unexpected attribute {extra:?}")));
            }
            attrs
                .iter()
                .map(|(name, t)| {
                    let v = match entries.get(name) {
                        Some(mp) => decode(mp, t, &format!("{path}.{name}"))?,
                        None => Value::Null,
                    };
                    Ok((name.clone(), v))
                })
                .collect::<Result<BTreeMap<_, _>, _>>()
                .map(Value::Object)
        }
        Type::Dynamic => {
            let pair = mp
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or_else(|| err(path, "dynamic value must be [type, value]"))?;
            let type_json: &[u8] = match &pair[0] {
                Mp::Binary(b) => b,
                Mp::String(s) => s.as_bytes(),
                other => {
                    return Err(err(
                        path,
                        format!("dynamic type must be bytes, got {other}"),
                    ));
                }
            };
            let concrete = Type::from_json_bytes(type_json).map_err(|m| err(path, m))?;
            let inner = decode(&pair[1], &concrete, path)?;
            Ok(Value::Dynamic(concrete, Box::new(inner)))
        }
    }
}

fn decode_entries<'a>(mp: &'a Mp, path: &str) -> Result<Vec<(String, &'a Mp)>, CodecError> {
    let map = mp
        .as_map()
        .ok_or_else(|| err(path, format!("expected a map, got {mp}")))?;
    map.iter()
        .map(|(k, v)| match k.as_str() {
            Some(k) => Ok((k.to_string(), v)),
            None => Err(err(path, format!("map key must be a string, got {k}"))),
        })
        .collect()
}

fn decode_number(mp: &Mp, path: &str) -> Result<Number, CodecError> {
    match mp {
        Mp::Integer(i) => {
            if let Some(i) = i.as_i64() {
                Ok(Number::Int(i))
            } else {
                // A uint above i64::MAX.
                i.as_u64()
                    .map(|u| Number::Float(u as f64))
                    .ok_or_else(|| err(path, "integer out of range"))
            }
        }
        Mp::F32(f) => Ok(Number::Float(f64::from(*f))),
        Mp::F64(f) => Ok(Number::Float(*f)),
        Mp::String(s) => s
            .as_str()
            .and_then(Number::parse)
            .ok_or_else(|| err(path, format!("not a number: {mp}"))),
        _ => Err(err(path, format!("expected a number, got {mp}"))),
    }
}

/// Numbers go out as decimal strings. cty reads a msgpack int or float into a number of lower
/// precision than the one it parses from the state file's JSON, and Terraform 1.11's refresh
/// compares the two with a deep equality that sees the difference ("No changes", exit 2); a
/// string is parsed exactly as the state file is, so the value round-trips. cty has no
/// decimal form for infinity, which it reads only as a msgpack float.
fn encode_number(n: Number) -> Mp {
    match n {
        Number::Float(f) if !f.is_finite() => Mp::F64(f),
        n => Mp::from(n.to_string()),
    }
}

fn encode(value: &Value, ty: &Type, path: &str) -> Result<Mp, CodecError> {
    match value {
        Value::Null => return Ok(Mp::Nil),
        Value::Unknown => return Ok(unknown_marker()),
        _ => {}
    }
    let mismatch = || err(path, format!("value {value:?} does not fit type {ty}"));
    Ok(match (ty, value) {
        (Type::String, Value::String(s)) => Mp::from(s.as_str()),
        (Type::Bool, Value::Bool(b)) => Mp::Boolean(*b),
        (Type::Number, Value::Number(n)) => encode_number(*n),
        (Type::List(elem), Value::List(items)) | (Type::Set(elem), Value::Set(items)) => Mp::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| encode(v, elem, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Tuple(elems), Value::Tuple(items)) if elems.len() == items.len() => Mp::Array(
            items
                .iter()
                .zip(elems)
                .enumerate()
                .map(|(i, (v, t))| encode(v, t, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Map(elem), Value::Map(entries)) => Mp::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    Ok((
                        Mp::from(k.as_str()),
                        encode(v, elem, &format!("{path}[{k:?}]"))?,
                    ))
                })
                .collect::<Result<_, CodecError>>()?,
        ),
        (Type::Object(attrs), Value::Object(entries)) => {
            if let Some(extra) = entries.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(err(
                    path,
                    format!("attribute {extra:?} is not in the schema"),
                ));
            }
            Mp::Map(
                attrs
                    .iter()
                    .map(|(name, t)| {
                        let v = entries.get(name).unwrap_or(&Value::Null);
                        Ok((
                            Mp::from(name.as_str()),
                            encode(v, t, &format!("{path}.{name}"))?,
                        ))
                    })
                    .collect::<Result<_, CodecError>>()?,
            )
        }
        (Type::Dynamic, Value::Dynamic(concrete, inner)) => Mp::Array(vec![
            Mp::Binary(concrete.to_json_bytes()),
            encode(inner, concrete, path)?,
        ]),
        _ => return Err(mismatch()),
    })
}

/// Decodes the state file's JSON form of a value (UpgradeResourceState's `raw_state.json`).
/// Attributes missing from the JSON are null; attributes the schema no longer has are dropped.
pub fn from_state_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let json: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| err("", format!("state JSON: {e}")))?;
    decode_json(&json, ty, "")
}

fn decode_json(json: &serde_json::Value, ty: &Type, path: &str) -> Result<Value, CodecError> {
    use serde_json::Value as J;
    if json.is_null() {
        return Ok(Value::Null);
    }
    let mismatch = || err(path, format!("expected {ty}, got {json}"));
    Ok(match ty {
        Type::String => match json {
            J::String(s) => Value::string(s.clone()),
            // Terraform converts primitives to strings where the schema says string.
            J::Number(n) => Value::string(n.to_string()),
            J::Bool(b) => Value::string(b.to_string()),
            _ => return Err(mismatch()),
        },
        Type::Bool => match json {
            J::Bool(b) => Value::Bool(*b),
            J::String(s) if s == "true" || s == "false" => Value::Bool(s == "true"),
            _ => return Err(mismatch()),
        },
        Type::Number => match json {
            J::Number(n) => Value::Number(match n.as_i64() {
                Some(i) => Number::Int(i),
                None => Number::Float(n.as_f64().ok_or_else(mismatch)?),
            }),
            J::String(s) => Value::Number(Number::parse(s).ok_or_else(mismatch)?),
            _ => return Err(mismatch()),
        },
        Type::List(elem) | Type::Set(elem) => {
            let items = json.as_array().ok_or_else(mismatch)?;
            let values = items
                .iter()
                .enumerate()
                .map(|(i, item)| decode_json(item, elem, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, Type::List(_)) {
                Value::List(values)
            } else {
                Value::Set(values)
            }
        }
        Type::Tuple(elems) => {
            let items = json
                .as_array()
                .filter(|a| a.len() == elems.len())
                .ok_or_else(mismatch)?;
            Value::Tuple(
                items
                    .iter()
                    .zip(elems)
                    .enumerate()
                    .map(|(i, (item, t))| decode_json(item, t, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Map(elem) => Value::Map(
            json.as_object()
                .ok_or_else(mismatch)?
                .iter()
                .map(|(k, v)| Ok((k.clone(), decode_json(v, elem, &format!("{path}[{k:?}]"))?)))
                .collect::<Result<_, CodecError>>()?,
        ),
        Type::Object(attrs) => {
            let entries = json.as_object().ok_or_else(mismatch)?;
            Value::Object(
                attrs
                    .iter()
                    .map(|(name, t)| {
                        let v = match entries.get(name) {
                            Some(j) => decode_json(j, t, &format!("{path}.{name}"))?,
                            None => Value::Null,
                        };
                        Ok((name.clone(), v))
                    })
                    .collect::<Result<_, CodecError>>()?,
            )
        }
        Type::Dynamic => {
            let obj = json.as_object().ok_or_else(mismatch)?;
            let (Some(t), Some(v)) = (obj.get("type"), obj.get("value")) else {
                return Err(err(path, "dynamic value must be {\"type\", \"value\"}"));
            };
            let concrete = Type::from_json(t).map_err(|m| err(path, m))?;
            let inner = decode_json(v, &concrete, path)?;
            Value::Dynamic(concrete, Box::new(inner))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample_type() -> Type {
        Type::object([
            ("name", Type::String),
            ("count", Type::Number),
            ("on", Type::Bool),
            ("tags", Type::set(Type::String)),
        ])
    }

    #[test]
    fn decodes_terraform_unknown_and_objects() {
        // {"count": 7, "name": <unknown>, "on": nil, "tags": ["a"]} as Terraform writes it.
        let mut bytes = vec![0x84];
        bytes.extend(b"\xa5count\x07");
        bytes.extend(b"\xa4name\xd4\x00\x00");
        bytes.extend(b"\xa2on\xc0");
        bytes.extend(b"\xa4tags\x91\xa1a");
        let v = from_msgpack(&bytes, &sample_type()).unwrap();
        assert_eq!(v.get("count"), &Value::int(7));
        assert!(v.get("name").is_unknown());
        assert!(v.get("on").is_null());
        assert_eq!(v.get("tags"), &Value::Set(vec![Value::string("a")]));
    }

    #[test]
    fn any_extension_type_is_unknown() {
        // Refined unknown (type 12) with a payload, as Terraform 1.6+ may send.
        let bytes = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        assert_eq!(from_msgpack(&bytes, &Type::String).unwrap(), Value::Unknown);
    }

    #[test]
    fn numbers_in_every_wire_form() {
        let cases: Vec<(Vec<u8>, Number)> = vec![
            (vec![0x05], Number::Int(5)),
            (vec![0xd0, 0xfb], Number::Int(-5)),
            (vec![0xcf, 0, 0, 0, 0, 0, 0, 1, 0], Number::Int(256)),
            (vec![0xca, 0x40, 0x20, 0, 0], Number::Float(2.5)),
            (b"\xa41.25".to_vec(), Number::Float(1.25)),
            (b"\xa3240".to_vec(), Number::Int(240)),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                from_msgpack(&bytes, &Type::Number).unwrap(),
                Value::Number(expected),
                "{bytes:x?}"
            );
        }
        assert!(from_msgpack(b"\xa3abc", &Type::Number).is_err());
    }

    #[test]
    fn numbers_are_written_as_decimal_strings() {
        assert_eq!(
            to_msgpack(&Value::int(150), &Type::Number).unwrap(),
            b"\xa3150"
        );
        assert_eq!(
            to_msgpack(&Value::Number(Number::Float(2.5)), &Type::Number).unwrap(),
            b"\xa32.5"
        );
        assert_eq!(
            to_msgpack(&Value::int(-7), &Type::Number).unwrap(),
            b"\xa2-7"
        );
        let big = Value::Number(Number::Float(1e300));
        let bytes = to_msgpack(&big, &Type::Number).unwrap();
        assert_eq!(bytes[0], 0xda, "a 301-character string");
        assert_eq!(from_msgpack(&bytes, &Type::Number).unwrap(), big);
    }

    #[test]
    fn objects_always_carry_every_attribute() {
        let v = Value::object([("name", Value::string("x"))]);
        let bytes = to_msgpack(&v, &sample_type()).unwrap();
        let Mp::Map(entries) = rmpv::decode::read_value(&mut &bytes[..]).unwrap() else {
            panic!("not a map")
        };
        assert_eq!(entries.len(), 4);
    }

    #[test]
    fn unknown_is_written_as_extension_zero() {
        assert_eq!(
            to_msgpack(&Value::Unknown, &Type::String).unwrap(),
            vec![0xd4, 0, 0]
        );
    }

    #[test]
    fn type_mismatch_names_the_path() {
        let v = Value::object([("tags", Value::Set(vec![Value::Bool(true)]))]);
        let e = to_msgpack(&v, &sample_type()).unwrap_err();
        assert_eq!(e.path, ".tags[0]");
        let e = from_msgpack(b"\x81\xa4name\x05", &sample_type()).unwrap_err();
        assert_eq!(e.path, ".name");
    }

    #[test]
    fn unexpected_attributes_are_rejected() {
        assert!(from_msgpack(b"\x81\xa5bogus\xc0", &sample_type()).is_err());
    }

    #[test]
    fn state_json_fills_missing_and_drops_removed_attributes() {
        let json = br#"{"name":"a","count":"12","tags":["x","y"],"removed":1}"#;
        let v = from_state_json(json, &sample_type()).unwrap();
        assert_eq!(v.get("name"), &Value::string("a"));
        assert_eq!(v.get("count"), &Value::int(12));
        assert!(v.get("on").is_null());
        assert_eq!(
            v.get("tags"),
            &Value::Set(vec![Value::string("y"), Value::string("x")])
        );
        assert!(v.get("removed").is_null());
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let v = Value::Dynamic(
            Type::list(Type::String),
            Box::new(Value::List(vec![Value::string("a")])),
        );
        let bytes = to_msgpack(&v, &Type::Dynamic).unwrap();
        assert_eq!(from_msgpack(&bytes, &Type::Dynamic).unwrap(), v);
        let json = br#"{"type":["list","string"],"value":["a"]}"#;
        assert_eq!(from_state_json(json, &Type::Dynamic).unwrap(), v);
    }

    fn arb_type() -> impl Strategy<Value = Type> {
        let leaf = prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(Type::list),
                inner.clone().prop_map(Type::set),
                inner.clone().prop_map(Type::map),
                prop::collection::btree_map("[a-z_]{1,8}", inner.clone(), 0..4)
                    .prop_map(Type::Object),
                prop::collection::vec(inner.clone(), 0..3).prop_map(Type::Tuple),
                inner.prop_map(|t| Type::object([("inner", t), ("dyn", Type::Dynamic)])),
            ]
        })
    }

    /// Any value of `ty`, with nulls and unknowns at any depth.
    fn arb_value(ty: Type) -> BoxedStrategy<Value> {
        let concrete: BoxedStrategy<Value> = match ty {
            Type::String => any::<String>().prop_map(Value::String).boxed(),
            Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Type::Number => prop_oneof![
                any::<i64>().prop_map(|i| Value::Number(Number::Int(i))),
                (-1e300f64..1e300).prop_map(|f| Value::Number(Number::Float(f))),
            ]
            .boxed(),
            Type::List(e) => prop::collection::vec(arb_value(*e), 0..4)
                .prop_map(Value::List)
                .boxed(),
            Type::Set(e) => prop::collection::vec(arb_value(*e), 0..4)
                .prop_map(Value::Set)
                .boxed(),
            Type::Map(e) => prop::collection::btree_map("[a-z]{0,5}", arb_value(*e), 0..4)
                .prop_map(Value::Map)
                .boxed(),
            Type::Tuple(elems) => elems
                .into_iter()
                .map(arb_value)
                .collect::<Vec<_>>()
                .prop_map(Value::Tuple)
                .boxed(),
            Type::Object(attrs) => attrs
                .into_iter()
                .map(|(k, t)| arb_value(t).prop_map(move |v| (k.clone(), v)))
                .collect::<Vec<_>>()
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
                .boxed(),
            Type::Dynamic => prop_oneof![
                any::<String>()
                    .prop_map(|s| Value::Dynamic(Type::String, Box::new(Value::String(s)))),
                prop::collection::vec(any::<bool>(), 0..3).prop_map(|bs| Value::Dynamic(
                    Type::list(Type::Bool),
                    Box::new(Value::List(bs.into_iter().map(Value::Bool).collect()))
                )),
            ]
            .boxed(),
        };
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => concrete].boxed()
    }

    fn arb_typed_value() -> impl Strategy<Value = (Type, Value)> {
        arb_type().prop_flat_map(|t| arb_value(t.clone()).prop_map(move |v| (t.clone(), v)))
    }

    /// Values with no unknowns, as a state file holds them.
    fn strip_unknowns(v: Value) -> Value {
        match v {
            Value::Unknown => Value::Null,
            Value::List(items) => Value::List(items.into_iter().map(strip_unknowns).collect()),
            Value::Set(items) => Value::Set(items.into_iter().map(strip_unknowns).collect()),
            Value::Tuple(items) => Value::Tuple(items.into_iter().map(strip_unknowns).collect()),
            Value::Map(m) => {
                Value::Map(m.into_iter().map(|(k, v)| (k, strip_unknowns(v))).collect())
            }
            Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, strip_unknowns(v))).collect())
            }
            Value::Dynamic(t, v) => Value::Dynamic(t, Box::new(strip_unknowns(*v))),
            other => other,
        }
    }

    fn to_json(v: &Value) -> serde_json::Value {
        use serde_json::json;
        match v {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::String(s) => json!(s),
            Value::Bool(b) => json!(b),
            Value::Number(Number::Int(i)) => json!(i),
            Value::Number(Number::Float(f)) => json!(f),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                serde_json::Value::Array(items.iter().map(to_json).collect())
            }
            Value::Map(m) | Value::Object(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
            }
            Value::Dynamic(t, inner) => json!({"type": t.to_json(), "value": to_json(inner)}),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn msgpack_round_trips((ty, value) in arb_typed_value()) {
            let bytes = to_msgpack(&value, &ty).unwrap();
            prop_assert_eq!(from_msgpack(&bytes, &ty).unwrap(), value);
        }

        #[test]
        fn state_json_reads_what_a_state_file_holds((ty, value) in arb_typed_value()) {
            let value = strip_unknowns(value);
            let json = to_json(&value).to_string();
            prop_assert_eq!(from_state_json(json.as_bytes(), &ty).unwrap(), value);
        }
    }
}
