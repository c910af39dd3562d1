//! Import IDs: what `terraform import`, `import` blocks and the provider's import-ID functions
//! take for a connector (`123` or `v3:123`, `v2:123`, a CloudView UUID or `cloudview:<uuid>`),
//! parsed and written in one place.

use std::fmt;

use crate::plugin::diag::Diagnostic;

use super::Api;

/// A connector's import ID: the API that manages it and its id in that API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportId {
    pub api: Api,
    /// A number for the QPS APIs, a lower-case UUID for CloudView.
    pub id: String,
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl ImportId {
    /// `id` as an id of `api`: a number for the QPS APIs, a UUID (written in lower case) for
    /// CloudView; Err says what the API's ids look like.
    pub fn new(api: Api, id: &str) -> Result<ImportId, String> {
        match api {
            Api::V3 | Api::V2 if is_number(id) => Ok(ImportId {
                api,
                id: id.to_string(),
            }),
            Api::CloudView if is_uuid(id) => Ok(ImportId {
                api,
                id: id.to_lowercase(),
            }),
            Api::CloudView => Err(format!("a CloudView connector ID is a UUID; got {id:?}.")),
            Api::V3 | Api::V2 => Err(format!("a QPS connector ID is a number; got {id:?}.")),
        }
    }

    /// An import ID in any form the resource takes: without a prefix, a number is QPS v3 and a
    /// UUID CloudView.
    pub fn parse(text: &str) -> Result<ImportId, Diagnostic> {
        let parsed = match text.split_once(':') {
            Some((prefix, id)) => Api::parse(prefix).and_then(|api| ImportId::new(api, id).ok()),
            None if is_number(text) => ImportId::new(Api::V3, text).ok(),
            None => ImportId::new(Api::CloudView, text).ok(),
        };
        parsed.ok_or_else(|| {
            Diagnostic::error(
                "Invalid import ID",
                format!(
                    "{text:?} is not a connector ID. Use a QPS connector number (`123` or \
                     `v3:123`; `v2:123` to manage it through QPS v2) or a CloudView UUID \
                     (`<uuid>` or `cloudview:<uuid>`)."
                ),
            )
        })
    }
}

/// `<api>:<id>`, the form every import ID reads back as.
impl fmt::Display for ImportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.api.as_str(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Api, String) {
        let id = ImportId::parse(text).unwrap();
        (id.api, id.id)
    }

    #[test]
    fn every_form_the_resource_imports_parses() {
        assert_eq!(parsed("42"), (Api::V3, "42".into()));
        assert_eq!(parsed("v3:42"), (Api::V3, "42".into()));
        assert_eq!(parsed("v2:42"), (Api::V2, "42".into()));
        let uuid = "8889b18b-6f92-33d3-8afd-6d9d144177e8";
        assert_eq!(parsed(uuid), (Api::CloudView, uuid.into()));
        assert_eq!(
            parsed(&format!("cloudview:{}", uuid.to_uppercase())),
            (Api::CloudView, uuid.into())
        );
    }

    #[test]
    fn ids_of_the_wrong_form_are_refused() {
        for bad in ["", "v4:1", "v2:abc", "cloudview:42", "abc", "v3:1:2", "v3:"] {
            let d = ImportId::parse(bad).unwrap_err();
            assert!(d.detail.contains("is not a connector ID"), "{bad}: {d:?}");
        }
        assert_eq!(
            ImportId::new(Api::CloudView, "42").unwrap_err(),
            "a CloudView connector ID is a UUID; got \"42\"."
        );
        assert!(
            ImportId::new(Api::V2, "abc")
                .unwrap_err()
                .contains("number")
        );
    }

    #[test]
    fn an_import_id_reads_back_as_api_colon_id() {
        let id = ImportId::new(Api::CloudView, "8889B18B-6F92-43D3-8AFD-6D9D144177E8").unwrap();
        assert_eq!(
            id.to_string(),
            "cloudview:8889b18b-6f92-43d3-8afd-6d9d144177e8"
        );
        assert_eq!(ImportId::parse(&id.to_string()), Ok(id));
    }
}
