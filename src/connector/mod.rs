//! A Qualys AWS connector in Terraform's terms, apart from any one resource or data source:
//! the API that manages it, its one Terraform shape, import IDs, the rules a configuration
//! must follow, and the mapping to and from each API family's models. The resource, the data
//! sources and the functions all stand on this module.

pub mod expand;
pub mod flatten;
pub mod import_id;
pub mod listing;
pub mod model;
pub mod regions;
pub mod schema;
pub mod validators;

use crate::plugin::value::Value;
use crate::qualys::{self, QpsVersion};

/// How often Qualys syncs a connector when the configuration does not say: 4 hours.
pub const DEFAULT_POLLING_MINUTES: u32 = 240;

/// The Qualys API that manages a connector (the `api` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    V3,
    V2,
    CloudView,
}

impl Api {
    pub fn parse(s: &str) -> Option<Api> {
        match s {
            "v3" => Some(Api::V3),
            "v2" => Some(Api::V2),
            "cloudview" => Some(Api::CloudView),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Api::V3 => "v3",
            Api::V2 => "v2",
            Api::CloudView => "cloudview",
        }
    }

    /// The family whose connectors an existence check looks at.
    pub fn family(self) -> qualys::Family {
        match self.qps_version() {
            Some(version) => qualys::Family::Qps(version),
            None => qualys::Family::CloudView,
        }
    }

    pub fn qps_version(self) -> Option<QpsVersion> {
        match self {
            Api::V3 => Some(QpsVersion::V3),
            Api::V2 => Some(QpsVersion::V2),
            Api::CloudView => None,
        }
    }

    /// Arguments only the QPS APIs take.
    pub const QPS_ONLY: [&'static str; 6] = [
        "all_regions",
        "cspm_regions",
        "inventory_regions",
        "connector_apps",
        "activation_modules",
        "default_tag_ids",
    ];
}

/// The `api` of a configuration, plan or state: `v3` when left out, `None` while unknown or
/// not an API's name.
pub fn api_of(v: &Value) -> Option<Api> {
    match v.get("api") {
        Value::Null => Some(Api::V3),
        other => other.as_str().and_then(Api::parse),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_read_back_as_written() {
        for api in [Api::V3, Api::V2, Api::CloudView] {
            assert_eq!(Api::parse(api.as_str()), Some(api));
        }
        assert_eq!(Api::parse("V3"), None);
    }

    #[test]
    fn api_left_out_is_v3_and_unknown_is_none() {
        assert_eq!(
            api_of(&Value::object([("api", Value::Null)])),
            Some(Api::V3)
        );
        assert_eq!(
            api_of(&Value::object([("api", Value::string("cloudview"))])),
            Some(Api::CloudView)
        );
        assert_eq!(api_of(&Value::object([("api", Value::Unknown)])), None);
    }

    #[test]
    fn each_api_checks_existence_in_its_family() {
        assert_eq!(Api::V2.family(), qualys::Family::Qps(QpsVersion::V2));
        assert_eq!(Api::CloudView.family(), qualys::Family::CloudView);
        assert_eq!(Api::CloudView.qps_version(), None);
    }
}
