//! QPS search: the fields and operators a search filters on, one page asked for
//! ([`Search`]) and answered ([`SearchPage`]), and the paging limits.

use super::model::Connector;
use crate::qualys::error::Error;

/// A field QPS search can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchField {
    Id,
    Name,
    AwsAccountId,
}

impl SearchField {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            SearchField::Id => "id",
            SearchField::Name => "name",
            SearchField::AwsAccountId => "awsAccountId",
        }
    }
}

/// A QPS search operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    Greater,
    Lesser,
    /// Comma-separated values.
    In,
}

impl Operator {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "EQUALS",
            Operator::NotEquals => "NOT EQUALS",
            Operator::Contains => "CONTAINS",
            Operator::Greater => "GREATER",
            Operator::Lesser => "LESSER",
            Operator::In => "IN",
        }
    }
}

/// One search condition; all conditions of a search must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub field: SearchField,
    pub operator: Operator,
    pub value: String,
}

impl Criterion {
    pub fn equals(field: SearchField, value: impl Into<String>) -> Self {
        Criterion {
            field,
            operator: Operator::Equals,
            value: value.into(),
        }
    }

    /// `id IN a,b,c`.
    pub fn id_in(ids: &[u64]) -> Self {
        let value = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        Criterion {
            field: SearchField::Id,
            operator: Operator::In,
            value,
        }
    }
}

/// Whether a search's failure is an answer that is not a list of connectors (a refused
/// criterion, an unreadable body, a search's OBJECT_NOT_FOUND, ...): it says nothing about
/// any one connector, so the caller reads another way rather than report anything missing.
/// Stops, deadlines, credentials, throttling and transport failures would repeat and are not.
pub(crate) fn search_says_nothing(err: &Error) -> bool {
    matches!(
        err,
        Error::InvalidRequest { .. }
            | Error::Decode { .. }
            | Error::Api { .. }
            | Error::ForeignNotFound { .. }
            | Error::NotFound { .. }
            | Error::Incomplete { .. }
    )
}

/// Most results QPS returns in one page.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Most pages [`Qps::search_all`](super::Qps::search_all) follows (100,000 connectors at 100
/// a page), against an answer that says `hasMoreRecords` forever.
pub(super) const MAX_SEARCH_PAGES: u32 = 1000;

/// One page of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub criteria: Vec<Criterion>,
    /// `limitResults`, 1 to [`MAX_PAGE_SIZE`].
    pub limit: u32,
    /// Only connectors with a larger id: sent as the criterion `id GREATER <after_id>`.
    pub after_id: Option<u64>,
}

impl Search {
    pub fn new(criteria: Vec<Criterion>) -> Self {
        Search {
            criteria,
            limit: 100,
            after_id: None,
        }
    }

    /// The criteria as sent, paging included.
    pub(super) fn sent_criteria(&self) -> Vec<Criterion> {
        let mut criteria = self.criteria.clone();
        if let Some(id) = self.after_id {
            criteria.push(Criterion {
                field: SearchField::Id,
                operator: Operator::Greater,
                value: id.to_string(),
            });
        }
        criteria
    }
}

/// The answer to one search page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub connectors: Vec<Connector>,
    pub count: u64,
    pub has_more: bool,
    pub last_id: Option<u64>,
}
