//! Expand: a planned connector (a Terraform value) as the request each API family takes, one
//! per family (QPS, CloudView), from one typed reading of the plan ([`Desired`]).

use crate::plugin::diag::Diagnostic;
use crate::plugin::value::Value;
use crate::qualys::{cloudview, qps};

use super::validators::{error_at, validate_polling_frequency};
use super::{Api, DEFAULT_POLLING_MINUTES, api_of};

/// What a plan asks of Qualys: the planned configuration, wholly known.
pub struct Desired {
    pub api: Api,
    pub name: String,
    pub description: String,
    pub arn: String,
    pub external_id: String,
    pub is_gov_cloud: bool,
    pub is_china_region: bool,
    pub is_portal_connector: bool,
    pub polling_minutes: u32,
    pub all_regions: bool,
    pub cspm_regions: Option<Vec<String>>,
    pub inventory_regions: Option<Vec<String>>,
    pub disabled: bool,
    pub remediation_enabled: bool,
    pub connector_apps: Option<Vec<String>>,
    pub activation_modules: Option<Vec<String>>,
    pub default_tag_ids: Option<Vec<u64>>,
}

/// A set of strings, sorted; `None` when null or unknown.
fn sorted_strings(v: &Value) -> Option<Vec<String>> {
    v.elements().map(|items| {
        let mut out: Vec<String> = items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        out.sort();
        out
    })
}

impl Desired {
    /// The planned state as a request; Err only for a provider bug or a bad polling frequency.
    pub fn from_planned(planned: &Value) -> Result<Desired, Diagnostic> {
        let text = |name: &str| planned.get(name).as_str().unwrap_or_default().to_string();
        let flag = |name: &str| planned.get(name).as_bool().unwrap_or(false);
        let api = api_of(planned).ok_or_else(|| {
            Diagnostic::error("Provider bug: no api in the plan", "Please report this.")
        })?;
        let pf = planned.get("polling_frequency");
        let polling_minutes = match (pf.get("hours").as_i64(), pf.get("minutes").as_i64()) {
            (Some(h), Some(m)) => validate_polling_frequency(h, m)
                .map_err(|why| error_at("polling_frequency", "Invalid polling_frequency", why))?,
            _ => DEFAULT_POLLING_MINUTES,
        };
        Ok(Desired {
            api,
            name: text("name"),
            description: text("description"),
            arn: text("arn"),
            external_id: text("external_id"),
            is_gov_cloud: flag("is_gov_cloud"),
            is_china_region: flag("is_china_region"),
            is_portal_connector: flag("is_portal_connector"),
            polling_minutes,
            all_regions: planned.get("all_regions").as_bool().unwrap_or(true),
            cspm_regions: sorted_strings(planned.get("cspm_regions")),
            inventory_regions: sorted_strings(planned.get("inventory_regions")),
            disabled: flag("disabled"),
            remediation_enabled: flag("remediation_enabled"),
            connector_apps: sorted_strings(planned.get("connector_apps")),
            activation_modules: sorted_strings(planned.get("activation_modules")),
            default_tag_ids: planned.get("default_tag_ids").elements().map(|ids| {
                ids.iter()
                    .filter_map(|v| v.as_i64())
                    .filter_map(|n| u64::try_from(n).ok())
                    .collect()
            }),
        })
    }

    /// The QPS request; `prior` (for updates) says which region lists must be cleared.
    pub fn qps_spec(&self, prior: Option<&Value>) -> qps::ConnectorSpec {
        let had = |name: &str| {
            prior.is_some_and(|p| p.get(name).elements().is_some_and(|e| !e.is_empty()))
        };
        let (cspm_regions, endpoints) = if self.all_regions {
            (None, None)
        } else {
            (
                self.cspm_regions
                    .clone()
                    .or_else(|| had("cspm_regions").then(Vec::new)),
                self.inventory_regions
                    .clone()
                    .or_else(|| had("inventory_regions").then(Vec::new)),
            )
        };
        qps::ConnectorSpec {
            name: self.name.clone(),
            description: Some(self.description.clone()),
            arn: self.arn.clone(),
            external_id: self.external_id.clone(),
            is_gov_cloud: Some(self.is_gov_cloud),
            all_regions: Some(self.all_regions),
            cspm_regions,
            endpoints,
            disabled: Some(self.disabled),
            run_frequency: Some(self.polling_minutes),
            is_remediation_enabled: Some(self.remediation_enabled),
            connector_apps: self.connector_apps.clone(),
            activation_modules: self.activation_modules.clone(),
            default_tag_ids: self.default_tag_ids.clone(),
        }
    }

    pub fn cloudview_spec(&self) -> cloudview::ConnectorSpec {
        cloudview::ConnectorSpec {
            name: self.name.clone(),
            description: Some(self.description.clone()),
            arn: self.arn.clone(),
            external_id: self.external_id.clone(),
            is_gov_cloud: self.is_gov_cloud,
            is_china_region: self.is_china_region,
            is_portal_connector: self.is_portal_connector,
            polling_frequency: Some(cloudview::PollingFrequency {
                hours: self.polling_minutes / 60,
                minutes: self.polling_minutes % 60,
            }),
            remediation_enabled: Some(self.remediation_enabled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| Value::string(*s)).collect())
    }

    fn planned(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object([
            ("api", Value::string("v3")),
            ("name", Value::string("c1")),
            ("description", Value::string("made here")),
            ("arn", Value::string("arn:aws:iam::123456789012:role/Q")),
            ("external_id", Value::string("USPOD01-4765-abc12")),
            (
                "polling_frequency",
                Value::object([("hours", Value::int(1)), ("minutes", Value::int(30))]),
            ),
        ]);
        for (k, value) in pairs {
            v.set(k, value.clone());
        }
        v
    }

    #[test]
    fn a_qps_request_says_what_the_plan_says_with_sets_sorted() {
        let desired = Desired::from_planned(&planned(&[
            ("all_regions", Value::Bool(false)),
            ("cspm_regions", strings(&["us-west-2", "us-east-1"])),
            ("connector_apps", strings(&["CSA", "AI"])),
            (
                "default_tag_ids",
                Value::Set(vec![Value::int(7), Value::int(-1)]),
            ),
        ]))
        .unwrap();
        let spec = desired.qps_spec(None);
        assert_eq!(spec.name, "c1");
        assert_eq!(spec.description.as_deref(), Some("made here"));
        assert_eq!(spec.run_frequency, Some(90));
        assert_eq!(spec.all_regions, Some(false));
        assert_eq!(
            spec.cspm_regions,
            Some(vec!["us-east-1".to_string(), "us-west-2".to_string()])
        );
        assert_eq!(spec.endpoints, None, "no inventory list, none before");
        assert_eq!(
            spec.connector_apps,
            Some(vec!["AI".to_string(), "CSA".to_string()])
        );
        assert_eq!(spec.default_tag_ids, Some(vec![7]), "no negative tag ids");
    }

    #[test]
    fn a_region_list_removed_by_an_update_is_sent_empty() {
        let desired =
            Desired::from_planned(&planned(&[("all_regions", Value::Bool(false))])).unwrap();
        let prior = Value::object([("inventory_regions", strings(&["us-east-1"]))]);
        let spec = desired.qps_spec(Some(&prior));
        assert_eq!(spec.endpoints, Some(Vec::new()));
        assert_eq!(spec.cspm_regions, None);
        // With all_regions the lists do not apply: none is sent.
        let desired =
            Desired::from_planned(&planned(&[("all_regions", Value::Bool(true))])).unwrap();
        assert_eq!(desired.qps_spec(Some(&prior)).endpoints, None);
    }

    #[test]
    fn a_cloudview_request_splits_the_polling_frequency() {
        let desired = Desired::from_planned(&planned(&[
            ("api", Value::string("cloudview")),
            ("is_portal_connector", Value::Bool(true)),
        ]))
        .unwrap();
        assert_eq!(desired.api, Api::CloudView);
        let spec = desired.cloudview_spec();
        assert_eq!(
            spec.polling_frequency,
            Some(cloudview::PollingFrequency {
                hours: 1,
                minutes: 30
            })
        );
        assert!(spec.is_portal_connector);
        assert_eq!(spec.external_id, "USPOD01-4765-abc12");
    }

    #[test]
    fn an_unknown_polling_frequency_is_the_default_and_a_bad_one_an_error_at_it() {
        let desired =
            Desired::from_planned(&planned(&[("polling_frequency", Value::Unknown)])).unwrap();
        assert_eq!(desired.polling_minutes, DEFAULT_POLLING_MINUTES);
        let bad = planned(&[(
            "polling_frequency",
            Value::object([("hours", Value::int(25)), ("minutes", Value::int(0))]),
        )]);
        let Err(d) = Desired::from_planned(&bad) else {
            panic!("25 hours is out of range");
        };
        assert_eq!(
            d.path.map(|p| p.to_string()).as_deref(),
            Some("polling_frequency")
        );
    }

    #[test]
    fn a_plan_without_a_known_api_is_a_provider_bug() {
        let Err(d) = Desired::from_planned(&planned(&[("api", Value::Unknown)])) else {
            panic!("an unknown api cannot be expanded");
        };
        assert!(d.summary.starts_with("Provider bug"), "{}", d.summary);
    }
}
