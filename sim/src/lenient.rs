//! Lenient readers over JSON trees (and XML read into the same trees): booleans and numbers may
//! come as strings, a single object may stand where a list is expected, `null` means absent.

use serde_json::{Map, Value};

/// A field whose value has the wrong type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

impl FieldError {
    pub fn new(field: &str, problem: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_owned(),
            problem: problem.into(),
        }
    }
}

/// A string (or a number, taken as its text).
pub fn string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, FieldError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(FieldError::new(field, "expected a string")),
    }
}

/// A boolean, also `"true"`/`"false"` in any case.
pub fn boolean(obj: &Map<String, Value>, field: &str) -> Result<Option<bool>, FieldError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(FieldError::new(field, "expected true or false")),
    }
}

/// A non-negative integer, also as a decimal string.
pub fn unsigned(obj: &Map<String, Value>, field: &str) -> Result<Option<u64>, FieldError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "expected a non-negative integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| FieldError::new(field, "expected a non-negative integer")),
        Some(_) => Err(FieldError::new(field, "expected a non-negative integer")),
    }
}

/// The elements of a value that should be a list: an array's elements, a lone value as one
/// element, nothing for `null` or an empty string (what an empty XML element becomes).
pub fn items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Null => Vec::new(),
        Value::String(s) if s.trim().is_empty() => Vec::new(),
        Value::Array(values) => values.iter().collect(),
        other => vec![other],
    }
}

/// The object under `field`, if any; an empty string (empty XML element) counts as empty.
pub fn object<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a Map<String, Value>>, FieldError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(_) => Err(FieldError::new(field, "expected an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn booleans_as_strings() {
        let o = obj(json!({"a": "false", "b": true, "c": "TRUE", "d": 1, "e": null}));
        assert_eq!(boolean(&o, "a"), Ok(Some(false)));
        assert_eq!(boolean(&o, "b"), Ok(Some(true)));
        assert_eq!(boolean(&o, "c"), Ok(Some(true)));
        assert!(boolean(&o, "d").is_err());
        assert_eq!(boolean(&o, "e"), Ok(None));
        assert_eq!(boolean(&o, "missing"), Ok(None));
    }

    #[test]
    fn numbers_as_strings() {
        let o = obj(json!({"a": "240", "b": 60, "c": -1, "d": "x"}));
        assert_eq!(unsigned(&o, "a"), Ok(Some(240)));
        assert_eq!(unsigned(&o, "b"), Ok(Some(60)));
        assert!(unsigned(&o, "c").is_err());
        assert!(unsigned(&o, "d").is_err());
    }

    #[test]
    fn strings_accept_numbers() {
        let o = obj(json!({"a": 12, "b": "x", "c": [1]}));
        assert_eq!(string(&o, "a"), Ok(Some("12".into())));
        assert_eq!(string(&o, "b"), Ok(Some("x".into())));
        assert!(string(&o, "c").is_err());
    }

    #[test]
    fn items_of_every_shape() {
        assert_eq!(items(&json!([1, 2])).len(), 2);
        assert_eq!(items(&json!({"a": 1})).len(), 1);
        assert!(items(&json!(null)).is_empty());
        assert!(items(&json!("")).is_empty());
    }
}
