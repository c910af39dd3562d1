//! A create or update request in API-neutral form, and how it is applied to a stored connector
//! with the seeds' rules checked on the result.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use crate::model::{
    ACTIVATION_MODULES, APPS, AppInfo, Connector, ConnectorState, Origin, generated_external_id,
};
use crate::regions::Partition;
use crate::validate::{
    Api, ValidationError, parse_arn, validate_external_id, validate_frequency, validate_name,
};

/// QList operations on a collection (EVIDENCE 7: `set`, `add`, `update`, `remove`), applied in
/// that order (DECISION): `set` replaces (an empty `set` clears), `add` adds, `update` changes
/// items matched by key and refuses an item that is not there (DECISION), `remove` drops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListOps<T = String> {
    pub set: Option<Vec<T>>,
    pub add: Vec<T>,
    pub update: Vec<T>,
    pub remove: Vec<T>,
}

impl<T> Default for ListOps<T> {
    fn default() -> ListOps<T> {
        ListOps {
            set: None,
            add: Vec::new(),
            update: Vec::new(),
            remove: Vec::new(),
        }
    }
}

impl<T> ListOps<T> {
    /// A plain replacement.
    pub fn replace(items: Vec<T>) -> ListOps<T> {
        ListOps {
            set: Some(items),
            ..ListOps::default()
        }
    }

    /// The items a `set`, `add` or `update` names (those that must be valid).
    fn named(&self) -> impl Iterator<Item = &T> {
        self.set
            .iter()
            .flatten()
            .chain(self.add.iter())
            .chain(self.update.iter())
    }
}

impl<T: Ord + Clone + ToString> ListOps<T> {
    /// For a collection whose items are their own key (region codes, module names, tag ids),
    /// `update` changes nothing but must name items that are there. `field` names the
    /// collection in errors.
    fn apply(&self, current: &mut BTreeSet<T>, field: &'static str) -> Result<(), ValidationError> {
        if let Some(items) = &self.set {
            *current = items.iter().cloned().collect();
        }
        current.extend(self.add.iter().cloned());
        if let Some(absent) = self.update.iter().find(|item| !current.contains(item)) {
            return Err(ValidationError::NotInCollection {
                field,
                item: absent.to_string(),
            });
        }
        for item in &self.remove {
            current.remove(item);
        }
        Ok(())
    }

    /// Whether the operations name any region to keep (an empty `set` or a `remove` does not).
    fn selects_any(&self) -> bool {
        self.set.as_ref().is_some_and(|s| !s.is_empty()) || !self.add.is_empty()
    }
}

/// A `ConnectorAppInfo` of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    pub name: String,
    /// Required by `set` and `add`; a `remove` needs only the name.
    pub identifier: Option<String>,
    pub tag_id: Option<u64>,
}

impl ListOps<App> {
    /// QList semantics keyed by app name: `set` replaces, `add` adds or replaces an app,
    /// `update` changes the `identifier` and `tagId` it gives of an app that is there (DECISION:
    /// fields it leaves out stay), `remove` drops apps by name.
    fn apply_apps(&self, current: &mut BTreeMap<String, AppInfo>) -> Result<(), ValidationError> {
        let info = |app: &App| -> Result<(String, AppInfo), ValidationError> {
            let identifier = app
                .identifier
                .clone()
                .filter(|i| !i.trim().is_empty())
                .ok_or(ValidationError::Missing("ConnectorAppInfo.identifier"))?;
            Ok((
                app.name.clone(),
                AppInfo {
                    identifier,
                    tag_id: app.tag_id,
                },
            ))
        };
        if let Some(apps) = &self.set {
            *current = apps.iter().map(info).collect::<Result<_, _>>()?;
        }
        for app in &self.add {
            let (name, app) = info(app)?;
            current.insert(name, app);
        }
        for app in &self.update {
            let stored =
                current
                    .get_mut(&app.name)
                    .ok_or_else(|| ValidationError::NotInCollection {
                        field: "connectorAppInfos",
                        item: app.name.clone(),
                    })?;
            if let Some(identifier) = app.identifier.clone().filter(|i| !i.trim().is_empty()) {
                stored.identifier = identifier;
            }
            if let Some(tag) = app.tag_id {
                stored.tag_id = Some(tag);
            }
        }
        for app in &self.remove {
            current.remove(&app.name);
        }
        Ok(())
    }
}

/// The fields a request gives; `None` leaves the stored value unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    pub name: Option<String>,
    pub description: Option<String>,
    pub arn: Option<String>,
    pub external_id: Option<String>,
    pub all_regions: Option<bool>,
    pub cspm_regions: Option<ListOps>,
    pub endpoints: Option<ListOps>,
    pub is_gov_cloud: Option<bool>,
    pub is_china: Option<bool>,
    pub disabled: Option<bool>,
    /// Minutes between syncs, not yet range-checked.
    pub run_frequency: Option<u64>,
    pub remediation_enabled: Option<bool>,
    /// QPS `activation` modules (EVIDENCE 2).
    pub activation: Option<ListOps>,
    /// QPS `connectorAppInfos` (EVIDENCE 2, 3).
    pub apps: Option<ListOps<App>>,
    /// QPS `defaultTags` tag ids (EVIDENCE 2).
    pub default_tags: Option<ListOps<u64>>,
}

/// What a request is checked against besides its own content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    pub api: Api,
    /// The subscription may select CSPM regions.
    pub region_selection: bool,
    /// The subscription may have China connectors: its own China base account and the region
    /// enabled by Qualys support (EVIDENCE 7).
    pub china_connectors: bool,
}

impl Change {
    /// Applies the change to `c` (a blank connector when `creating`) and checks the result.
    /// On error `c` is left half-changed: callers apply to a copy.
    pub fn apply_to(
        &self,
        c: &mut Connector,
        rules: Rules,
        creating: bool,
        now: OffsetDateTime,
    ) -> Result<(), ValidationError> {
        // Each API changes only the connectors it made (EVIDENCE, see ValidationError).
        match (creating, rules.api, c.origin) {
            (false, Api::CloudView, Origin::Qps) => return Err(ValidationError::NotMerged),
            (false, Api::Qps, Origin::Cloudview) => return Err(ValidationError::NotConnectorApp),
            _ => {}
        }
        if creating {
            if self.name.is_none() {
                return Err(ValidationError::Missing("name"));
            }
            if self.arn.is_none() {
                return Err(ValidationError::Missing("arn"));
            }
        }
        if !rules.region_selection && self.cspm_regions.as_ref().is_some_and(ListOps::selects_any) {
            return Err(ValidationError::RegionSelectionDisabled);
        }
        if let Some(name) = &self.name {
            validate_name(name)?;
            c.name.clone_from(name);
        }
        if let Some(description) = &self.description {
            c.description.clone_from(description);
        }
        if let Some(arn) = &self.arn {
            let role = parse_arn(arn)?;
            // A create or a move to China needs the region set up for the subscription
            // (EVIDENCE 7); out-of-band and earlier China connectors stay readable.
            if role.partition == Partition::China && !rules.china_connectors {
                return Err(ValidationError::ChinaRegionNotEnabled);
            }
            c.arn.clone_from(arn);
            c.aws_account_id = role.account;
            c.partition = role.partition;
        }
        self.check_partition_flags(c.partition, rules.api)?;
        self.apply_external_id(c, rules.api, creating)?;
        if let Some(minutes) = self.run_frequency {
            let field = match rules.api {
                Api::Qps => "runFrequency",
                Api::CloudView => "pollingFrequency",
            };
            c.run_frequency = validate_frequency(field, minutes)?;
        }
        self.apply_regions(c)?;
        if let Some(remediation) = self.remediation_enabled {
            c.remediation_enabled = remediation;
        }
        self.apply_modules_apps_tags(c)?;
        if let Some(disabled) = self.disabled {
            if disabled != c.disabled {
                c.state = if disabled {
                    ConnectorState::Disabled
                } else {
                    ConnectorState::Pending
                };
            }
            c.disabled = disabled;
        }
        c.reschedule(now);
        Ok(())
    }

    fn apply_modules_apps_tags(&self, c: &mut Connector) -> Result<(), ValidationError> {
        if let Some(ops) = &self.activation {
            if let Some(bad) = ops
                .named()
                .find(|m| !ACTIVATION_MODULES.contains(&m.as_str()))
            {
                return Err(ValidationError::UnknownModule(bad.clone()));
            }
            ops.apply(&mut c.activation, "activation")?;
        }
        if let Some(ops) = &self.apps {
            if let Some(bad) = ops
                .named()
                .chain(ops.remove.iter())
                .find(|a| !APPS.contains(&a.name.as_str()))
            {
                return Err(ValidationError::UnknownApp(bad.name.clone()));
            }
            ops.apply_apps(&mut c.apps)?;
        }
        if let Some(ops) = &self.default_tags {
            ops.apply(&mut c.default_tags, "defaultTags")?;
        }
        Ok(())
    }

    fn check_partition_flags(&self, partition: Partition, api: Api) -> Result<(), ValidationError> {
        let (gov_flag, china_flag) = match api {
            Api::Qps => ("isGovCloudConfigured", "isChinaConfigured"),
            Api::CloudView => ("isGovCloud", "isChinaRegion"),
        };
        let checks = [
            (gov_flag, self.is_gov_cloud, Partition::GovCloud),
            (china_flag, self.is_china, Partition::China),
        ];
        for (flag, value, flagged_partition) in checks {
            if let Some(value) = value
                && value != (partition == flagged_partition)
            {
                return Err(ValidationError::PartitionMismatch {
                    flag,
                    value,
                    partition: partition.arn_name(),
                });
            }
        }
        Ok(())
    }

    fn apply_external_id(
        &self,
        c: &mut Connector,
        api: Api,
        creating: bool,
    ) -> Result<(), ValidationError> {
        match &self.external_id {
            Some(id) => {
                validate_external_id(api, id)?;
                c.external_id.clone_from(id);
            }
            None if creating => c.external_id = generated_external_id(),
            // CloudView: an updated connector must end up with a new-format ID (seed 000).
            None if api == Api::CloudView => validate_external_id(api, &c.external_id)?,
            None => {}
        }
        Ok(())
    }

    fn apply_regions(&self, c: &mut Connector) -> Result<(), ValidationError> {
        if let Some(all) = self.all_regions {
            c.all_regions = all;
        }
        if let Some(ops) = &self.cspm_regions {
            ops.apply(&mut c.cspm_regions, "cspmRegions")?;
        }
        if let Some(ops) = &self.endpoints {
            ops.apply(&mut c.endpoints, "endpoints")?;
        }
        if c.all_regions {
            // Regions given together with allRegions are an error; regions kept from before
            // are dropped when allRegions is switched on.
            if self.cspm_regions.as_ref().is_some_and(ListOps::selects_any) {
                return Err(ValidationError::CspmRegionsWithAllRegions);
            }
            if self.endpoints.as_ref().is_some_and(ListOps::selects_any) {
                return Err(ValidationError::EndpointsWithAllRegions);
            }
            c.cspm_regions.clear();
            c.endpoints.clear();
            return Ok(());
        }
        for code in c.cspm_regions.iter().chain(c.endpoints.iter()) {
            if !c.partition.supports(code) {
                return Err(ValidationError::UnsupportedRegion {
                    code: code.clone(),
                    partition: c.partition.arn_name(),
                });
            }
        }
        if !c.cspm_regions.is_empty()
            && let Some(outside) = c.endpoints.difference(&c.cspm_regions).next()
        {
            return Err(ValidationError::EndpointOutsideCspm(outside.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    const QPS: Rules = Rules {
        api: Api::Qps,
        region_selection: true,
        china_connectors: true,
    };

    fn regions(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    fn create(change: &Change, rules: Rules) -> Result<Connector, ValidationError> {
        let now = crate::dates::now();
        let mut c = Connector::blank(Origin::Qps, now);
        change.apply_to(&mut c, rules, true, now)?;
        Ok(c)
    }

    fn base() -> Change {
        Change {
            name: Some("n".into()),
            arn: Some("arn:aws:iam::123456789012:role/R".into()),
            ..Change::default()
        }
    }

    #[test]
    fn create_derives_account_and_generates_external_id() {
        let c = create(&base(), QPS).expect("valid");
        assert_eq!(c.aws_account_id, "123456789012");
        assert!(crate::validate::is_new_external_id(&c.external_id));
        assert!(c.all_regions);
    }

    #[test]
    fn create_requires_name_and_arn() {
        let mut change = base();
        change.arn = None;
        assert_eq!(create(&change, QPS), Err(ValidationError::Missing("arn")));
        change = base();
        change.name = None;
        assert_eq!(create(&change, QPS), Err(ValidationError::Missing("name")));
    }

    #[test]
    fn cspm_regions_need_all_regions_false() {
        let mut change = base();
        change.cspm_regions = Some(ListOps::replace(regions(&["us-east-1"])));
        assert_eq!(
            create(&change, QPS),
            Err(ValidationError::CspmRegionsWithAllRegions)
        );
        change.all_regions = Some(false);
        let c = create(&change, QPS).expect("valid");
        assert_eq!(c.cspm_regions.len(), 1);
    }

    #[test]
    fn endpoints_must_be_among_cspm_regions() {
        let mut change = base();
        change.all_regions = Some(false);
        change.cspm_regions = Some(ListOps::replace(regions(&["us-east-1"])));
        change.endpoints = Some(ListOps::replace(regions(&["us-east-1", "us-west-2"])));
        assert_eq!(
            create(&change, QPS),
            Err(ValidationError::EndpointOutsideCspm("us-west-2".into()))
        );
    }

    #[test]
    fn region_codes_must_match_the_partition() {
        let mut change = base();
        change.all_regions = Some(false);
        change.cspm_regions = Some(ListOps::replace(regions(&["cn-north-1"])));
        assert!(matches!(
            create(&change, QPS),
            Err(ValidationError::UnsupportedRegion { .. })
        ));
        change.arn = Some("arn:aws-cn:iam::123456789012:role/R".into());
        assert!(create(&change, QPS).is_ok());
    }

    #[test]
    fn region_selection_switched_off() {
        let mut change = base();
        change.all_regions = Some(false);
        change.cspm_regions = Some(ListOps::replace(regions(&["us-east-1"])));
        let off = Rules {
            region_selection: false,
            ..QPS
        };
        assert_eq!(
            create(&change, off),
            Err(ValidationError::RegionSelectionDisabled)
        );
        change.cspm_regions = Some(ListOps::replace(Vec::new()));
        assert!(create(&change, off).is_ok());
    }

    #[test]
    fn gov_cloud_flag_must_agree_with_the_arn() {
        let mut change = base();
        change.is_gov_cloud = Some(true);
        assert!(matches!(
            create(&change, QPS),
            Err(ValidationError::PartitionMismatch {
                flag: "isGovCloudConfigured",
                ..
            })
        ));
        change.arn = Some("arn:aws-us-gov:iam::123456789012:role/R".into());
        assert!(create(&change, QPS).is_ok());
    }

    #[test]
    fn list_ops_set_add_remove() {
        let mut current: BTreeSet<String> = regions(&["a", "b"]).into_iter().collect();
        ListOps {
            set: None,
            add: regions(&["c"]),
            update: regions(&["b"]),
            remove: regions(&["a"]),
        }
        .apply(&mut current, "cspmRegions")
        .expect("valid");
        assert_eq!(current, regions(&["b", "c"]).into_iter().collect());
        ListOps::replace(Vec::new())
            .apply(&mut current, "cspmRegions")
            .expect("valid");
        assert!(current.is_empty());
    }

    #[test]
    fn list_ops_update_needs_the_item_and_comes_after_add() {
        let mut current: BTreeSet<String> = regions(&["a"]).into_iter().collect();
        let added_then_updated = ListOps {
            add: regions(&["b"]),
            update: regions(&["b"]),
            ..ListOps::default()
        };
        assert!(added_then_updated.apply(&mut current, "endpoints").is_ok());
        let absent = ListOps {
            update: regions(&["z"]),
            ..ListOps::default()
        };
        assert_eq!(
            absent.apply(&mut current, "endpoints"),
            Err(ValidationError::NotInCollection {
                field: "endpoints",
                item: "z".into()
            })
        );
    }

    #[test]
    fn apps_update_by_name_keeps_what_it_leaves_out() {
        let mut change = base();
        change.apps = Some(ListOps::replace(vec![App {
            tag_id: Some(7),
            ..app("AI", Some("arn:a"))
        }]));
        let mut c = create(&change, QPS).expect("valid");
        let edit = Change {
            apps: Some(ListOps {
                update: vec![app("AI", Some("arn:b"))],
                ..ListOps::default()
            }),
            ..Change::default()
        };
        edit.apply_to(&mut c, QPS, false, crate::dates::now())
            .expect("valid");
        assert_eq!(c.apps["AI"].identifier, "arn:b");
        assert_eq!(c.apps["AI"].tag_id, Some(7));
        let absent = Change {
            apps: Some(ListOps {
                update: vec![app("CI", Some("arn:c"))],
                ..ListOps::default()
            }),
            ..Change::default()
        };
        assert_eq!(
            absent.apply_to(&mut c, QPS, false, crate::dates::now()),
            Err(ValidationError::NotInCollection {
                field: "connectorAppInfos",
                item: "CI".into()
            })
        );
    }

    #[test]
    fn china_connectors_need_the_region_set_up() {
        let closed = Rules {
            china_connectors: false,
            ..QPS
        };
        let mut change = base();
        change.arn = Some("arn:aws-cn:iam::123456789012:role/R".into());
        assert_eq!(
            create(&change, closed),
            Err(ValidationError::ChinaRegionNotEnabled)
        );
        let mut c = create(&base(), closed).expect("global is fine");
        let moved = Change {
            arn: change.arn.clone(),
            ..Change::default()
        };
        assert_eq!(
            moved.apply_to(&mut c, closed, false, crate::dates::now()),
            Err(ValidationError::ChinaRegionNotEnabled)
        );
        assert!(create(&change, QPS).is_ok());
    }

    fn app(name: &str, identifier: Option<&str>) -> App {
        App {
            name: name.into(),
            identifier: identifier.map(str::to_owned),
            tag_id: None,
        }
    }

    #[test]
    fn modules_apps_and_tags_follow_qlist_semantics() {
        let mut change = base();
        change.activation = Some(ListOps::replace(regions(&["VM", "PC"])));
        change.apps = Some(ListOps::replace(vec![
            app("AI", Some("arn:a")),
            app("CSA", Some("arn:a")),
        ]));
        change.default_tags = Some(ListOps::replace(vec![7, 3]));
        let mut c = create(&change, QPS).expect("valid");
        assert_eq!(c.activation, regions(&["PC", "VM"]).into_iter().collect());
        assert_eq!(c.apps.keys().collect::<Vec<_>>(), ["AI", "CSA"]);
        assert_eq!(c.default_tags, [3, 7].into());
        let edit = Change {
            activation: Some(ListOps {
                add: regions(&["SCA"]),
                remove: regions(&["VM"]),
                ..ListOps::default()
            }),
            apps: Some(ListOps {
                add: vec![app("CI", Some("arn:b"))],
                remove: vec![app("CSA", None)],
                ..ListOps::default()
            }),
            default_tags: Some(ListOps::replace(Vec::new())),
            ..Change::default()
        };
        edit.apply_to(&mut c, QPS, false, crate::dates::now())
            .expect("valid");
        assert_eq!(c.activation, regions(&["PC", "SCA"]).into_iter().collect());
        assert_eq!(c.apps.keys().collect::<Vec<_>>(), ["AI", "CI"]);
        assert_eq!(c.apps["CI"].identifier, "arn:b");
        assert!(c.default_tags.is_empty());
    }

    #[test]
    fn unknown_modules_and_apps_and_apps_without_identifier() {
        let mut change = base();
        change.activation = Some(ListOps::replace(regions(&["VMX"])));
        assert_eq!(
            create(&change, QPS),
            Err(ValidationError::UnknownModule("VMX".into()))
        );
        let mut change = base();
        change.apps = Some(ListOps::replace(vec![app("XX", Some("a"))]));
        assert_eq!(
            create(&change, QPS),
            Err(ValidationError::UnknownApp("XX".into()))
        );
        change.apps = Some(ListOps::replace(vec![app("AI", None)]));
        assert_eq!(
            create(&change, QPS),
            Err(ValidationError::Missing("ConnectorAppInfo.identifier"))
        );
    }

    #[test]
    fn switching_all_regions_on_drops_kept_regions() {
        let mut change = base();
        change.all_regions = Some(false);
        change.cspm_regions = Some(ListOps::replace(regions(&["us-east-1"])));
        let mut c = create(&change, QPS).expect("valid");
        let on = Change {
            all_regions: Some(true),
            ..Change::default()
        };
        on.apply_to(&mut c, QPS, false, crate::dates::now())
            .expect("valid");
        assert!(c.cspm_regions.is_empty());
    }

    #[test]
    fn disabling_changes_the_state() {
        let mut c = create(&base(), QPS).expect("valid");
        let disable = Change {
            disabled: Some(true),
            ..Change::default()
        };
        disable
            .apply_to(&mut c, QPS, false, crate::dates::now())
            .expect("valid");
        assert_eq!(c.state, ConnectorState::Disabled);
    }

    const CLOUDVIEW: Rules = Rules {
        api: Api::CloudView,
        region_selection: true,
        china_connectors: true,
    };

    fn rename() -> Change {
        Change {
            name: Some("m".into()),
            ..Change::default()
        }
    }

    #[test]
    fn cloudview_update_requires_a_new_format_external_id() {
        let mut c = create(&base(), QPS).expect("valid");
        c.origin = Origin::Cloudview;
        c.external_id = "legacy_id".into();
        assert!(matches!(
            rename().apply_to(&mut c, CLOUDVIEW, false, crate::dates::now()),
            Err(ValidationError::ExternalIdFormat(_))
        ));
    }

    #[test]
    fn each_api_updates_only_what_it_made() {
        let now = crate::dates::now();
        let mut qps_made = create(&base(), QPS).expect("valid");
        assert_eq!(
            rename().apply_to(&mut qps_made.clone(), CLOUDVIEW, false, now),
            Err(ValidationError::NotMerged)
        );
        assert!(rename().apply_to(&mut qps_made, QPS, false, now).is_ok());
        let mut cv_made = create(&base(), QPS).expect("valid");
        cv_made.origin = Origin::Cloudview;
        assert_eq!(
            rename().apply_to(&mut cv_made.clone(), QPS, false, now),
            Err(ValidationError::NotConnectorApp)
        );
        assert!(
            rename()
                .apply_to(&mut cv_made, CLOUDVIEW, false, now)
                .is_ok()
        );
    }
}
