//! Existence checks before create: "never two connectors for one resource".
//!
//! Terraform's state can lose a connector that Qualys made (a killed runner, a lost answer
//! that could not be recovered), and a create is not idempotent. So before every create the
//! caller asks [`Client::find_existing`] whether a connector with the same name already exists
//! in the same AWS account, and refuses to create a second one.
//!
//! Cost: the first check of an API family in a provider process lists the family once (every
//! page), and that snapshot answers every later check of the process. Terraform runs an apply
//! in one process, so an apply of N creates pays one listing, not N look-ups. Checks that
//! arrive while the listing is in flight wait for it (one listing, not several). The snapshot
//! follows this process's own creates, updates and deletes ([`Client::note_saved`],
//! [`Client::note_deleted`]), so a replacement that deletes a connector and creates one with
//! the same name is not refused. A listing that fails is not kept: the next check lists again.
//!
//! QPS v3 and v2 are two views of the same connectors and share one snapshot.

use std::collections::HashMap;

use tokio::sync::Mutex;

use super::{Client, Error, QpsVersion, aws_account_id_from_arn};

/// The API family whose connectors a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// The Connector app's QPS API, read through the given version.
    Qps(QpsVersion),
    CloudView,
}

/// A connector found by [`Client::find_existing`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// The QPS id (a number) or the CloudView UUID.
    pub id: String,
    pub name: String,
    pub aws_account_id: Option<String>,
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    aws_account_id: Option<String>,
}

type Snapshot = HashMap<String, Entry>;

/// The per-process snapshots, one per family.
#[derive(Default)]
pub(crate) struct Inventory {
    qps: Mutex<Option<Snapshot>>,
    cloudview: Mutex<Option<Snapshot>>,
}

impl Inventory {
    fn slot(&self, family: Family) -> &Mutex<Option<Snapshot>> {
        match family {
            Family::Qps(_) => &self.qps,
            Family::CloudView => &self.cloudview,
        }
    }
}

fn account_of(reported: Option<&str>, arn: Option<&str>) -> Option<String> {
    reported
        .filter(|a| !a.is_empty())
        .or_else(|| arn.and_then(aws_account_id_from_arn))
        .map(str::to_owned)
}

impl Client {
    /// The connectors of `family` named `name` in AWS account `aws_account_id` (any account
    /// when Qualys does not report one), as this process knows them: see the module docs.
    pub async fn find_existing(
        &self,
        family: Family,
        name: &str,
        aws_account_id: Option<&str>,
    ) -> Result<Vec<Existing>, Error> {
        let mut slot = self.shared.inventory.slot(family).lock().await;
        if slot.is_none() {
            *slot = Some(self.list_family(family).await?);
        }
        let Some(snapshot) = slot.as_ref() else {
            return Ok(Vec::new());
        };
        let mut found: Vec<Existing> = snapshot
            .iter()
            .filter(|(_, e)| e.name == name)
            .filter(
                |(_, e)| match (aws_account_id, e.aws_account_id.as_deref()) {
                    (Some(wanted), Some(have)) => wanted == have,
                    _ => true,
                },
            )
            .map(|(id, e)| Existing {
                id: id.clone(),
                name: e.name.clone(),
                aws_account_id: e.aws_account_id.clone(),
            })
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found)
    }

    /// Records a connector this process created or updated, so that later checks see it and
    /// later refresh reads ask Qualys for it.
    pub async fn note_saved(&self, family: Family, id: &str, name: &str, arn: &str) {
        self.forget_listed(family, id).await;
        let mut slot = self.shared.inventory.slot(family).lock().await;
        if let Some(snapshot) = slot.as_mut() {
            snapshot.insert(
                id.to_owned(),
                Entry {
                    name: name.to_owned(),
                    aws_account_id: account_of(None, Some(arn)),
                },
            );
        }
    }

    /// Records a connector this process deleted (or found already gone).
    pub async fn note_deleted(&self, family: Family, id: &str) {
        self.forget_listed(family, id).await;
        let mut slot = self.shared.inventory.slot(family).lock().await;
        if let Some(snapshot) = slot.as_mut() {
            snapshot.remove(id);
        }
    }

    async fn list_family(&self, family: Family) -> Result<Snapshot, Error> {
        let entries: Vec<(String, Entry)> = match family {
            Family::Qps(version) => self
                .qps(version)
                .search_all(&[])
                .await?
                .into_iter()
                .filter_map(|c| {
                    let account = account_of(c.aws_account_id.as_deref(), c.arn.as_deref());
                    Some((
                        c.id.to_string(),
                        Entry {
                            name: c.name?,
                            aws_account_id: account,
                        },
                    ))
                })
                .collect(),
            Family::CloudView => self
                .cloudview()
                .list_all()
                .await?
                .into_iter()
                .filter_map(|c| {
                    let account = account_of(c.aws_account_id.as_deref(), c.arn.as_deref());
                    Some((
                        c.connector_id,
                        Entry {
                            name: c.name?,
                            aws_account_id: account,
                        },
                    ))
                })
                .collect(),
        };
        tracing::debug!(
            ?family,
            connectors = entries.len(),
            "listed for existence checks"
        );
        Ok(entries.into_iter().collect())
    }
}
