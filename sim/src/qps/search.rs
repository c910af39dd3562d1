//! QPS search: `filters.Criteria` (`id`, `name`, `awsAccountId` with `EQUALS`, `NOT EQUALS`,
//! `CONTAINS`, `GREATER`, `LESSER`, `IN`, all ANDed) and paging by `limitResults` with
//! `startFromOffset` (1-based) or `startFromId`, in ascending id order.

use serde_json::{Map, Value};

use crate::lenient::{self, FieldError};
use crate::model::{Connector, SyncError};
use crate::validate::ValidationError;

const DEFAULT_LIMIT: u64 = 100;
const MAX_LIMIT: u64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Id,
    Name,
    AwsAccountId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    Equals,
    NotEquals,
    Contains,
    Greater,
    Lesser,
    In,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Criterion {
    field: Field,
    operator: Operator,
    value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    Offset(u64),
    FromId(u64),
}

/// A parsed search request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    criteria: Vec<Criterion>,
    limit: u64,
    start: Start,
}

/// One page of results.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub items: Vec<Connector>,
    pub has_more: bool,
}

/// One sync error of a connector, as the errors search lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorItem {
    pub connector_id: u64,
    pub connector_name: String,
    pub error: SyncError,
}

/// The errors search's results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorPage {
    pub items: Vec<ErrorItem>,
    pub has_more: bool,
}

impl Search {
    /// Reads `filters` and `preferences` of a `ServiceRequest` (absent: everything, 100 a page).
    pub fn parse(request: Option<&Map<String, Value>>) -> Result<Search, ValidationError> {
        let empty = Map::new();
        let request = request.unwrap_or(&empty);
        let criteria = match lenient::object(request, "filters")? {
            Some(filters) => lenient::items(filters.get("Criteria").unwrap_or(&Value::Null))
                .into_iter()
                .map(criterion)
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let preferences = lenient::object(request, "preferences")?.unwrap_or(&empty);
        let limit = lenient::unsigned(preferences, "limitResults")?.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(FieldError::new("limitResults", "must be between 1 and 1000").into());
        }
        let offset = lenient::unsigned(preferences, "startFromOffset")?;
        let from_id = lenient::unsigned(preferences, "startFromId")?;
        let start = match (offset, from_id) {
            (Some(_), Some(_)) => {
                return Err(FieldError::new(
                    "startFromOffset",
                    "give startFromOffset or startFromId, not both",
                )
                .into());
            }
            (Some(0), None) => {
                return Err(FieldError::new("startFromOffset", "is 1-based").into());
            }
            (Some(offset), None) => Start::Offset(offset),
            (None, Some(id)) => Start::FromId(id),
            (None, None) => Start::Offset(1),
        };
        Ok(Search {
            criteria,
            limit,
            start,
        })
    }

    /// The same search without its paging: no start, no `id GREATER` criteria (the
    /// `qps_ignore_paging` quirk).
    pub fn without_paging(mut self) -> Search {
        self.start = Start::Offset(1);
        self.criteria
            .retain(|k| !(k.field == Field::Id && k.operator == Operator::Greater));
        self
    }

    /// The sync errors of the connectors the criteria select, up to the limit (the start
    /// preferences do not apply: DECISION, errors are few).
    pub fn errors(&self, connectors: Vec<Connector>) -> ErrorPage {
        let mut all = connectors
            .into_iter()
            .filter(|c| self.criteria.iter().all(|k| k.matches(c)))
            .flat_map(|c| {
                c.sync_errors.into_iter().map(move |error| ErrorItem {
                    connector_id: c.id,
                    connector_name: c.name.clone(),
                    error,
                })
            });
        let items = all
            .by_ref()
            .take(usize::try_from(self.limit).unwrap_or(usize::MAX))
            .collect();
        ErrorPage {
            items,
            has_more: all.next().is_some(),
        }
    }

    /// The page of `connectors` (ascending ids) this search selects.
    pub fn page(&self, connectors: Vec<Connector>) -> Page {
        let mut matching = connectors
            .into_iter()
            .filter(|c| self.criteria.iter().all(|k| k.matches(c)))
            .filter(|c| match self.start {
                Start::FromId(id) => c.id >= id,
                Start::Offset(_) => true,
            });
        let skip = match self.start {
            Start::Offset(offset) => offset.saturating_sub(1),
            Start::FromId(_) => 0,
        };
        let items: Vec<Connector> = matching
            .by_ref()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(self.limit).unwrap_or(usize::MAX))
            .collect();
        Page {
            items,
            has_more: matching.next().is_some(),
        }
    }
}

fn criterion(value: &Value) -> Result<Criterion, ValidationError> {
    let Value::Object(map) = value else {
        return Err(FieldError::new("Criteria", "expected {field, operator, value}").into());
    };
    let field = match lenient::string(map, "field")?.as_deref() {
        Some("id") => Field::Id,
        Some("name") => Field::Name,
        Some("awsAccountId") => Field::AwsAccountId,
        other => {
            return Err(FieldError::new(
                "Criteria",
                format!("unsupported field {other:?}; use id, name or awsAccountId"),
            )
            .into());
        }
    };
    let operator = match lenient::string(map, "operator")?.as_deref() {
        Some("EQUALS") => Operator::Equals,
        Some("NOT EQUALS") => Operator::NotEquals,
        Some("CONTAINS") => Operator::Contains,
        Some("GREATER") => Operator::Greater,
        Some("LESSER") => Operator::Lesser,
        Some("IN") => Operator::In,
        other => {
            return Err(
                FieldError::new("Criteria", format!("unsupported operator {other:?}")).into(),
            );
        }
    };
    let value = lenient::string(map, "value")?
        .ok_or_else(|| FieldError::new("Criteria", "missing value"))?;
    if field == Field::Id {
        let numbers_ok = match operator {
            Operator::In => value.split(',').all(|v| v.trim().parse::<u64>().is_ok()),
            Operator::Contains => true,
            _ => value.trim().parse::<u64>().is_ok(),
        };
        if !numbers_ok {
            return Err(FieldError::new("Criteria", "id values must be integers").into());
        }
    }
    Ok(Criterion {
        field,
        operator,
        value,
    })
}

impl Criterion {
    fn matches(&self, c: &Connector) -> bool {
        let actual = match self.field {
            Field::Id => return self.matches_id(c.id),
            Field::Name => c.name.as_str(),
            Field::AwsAccountId => c.aws_account_id.as_str(),
        };
        let wanted = self.value.as_str();
        match self.operator {
            Operator::Equals => actual == wanted,
            Operator::NotEquals => actual != wanted,
            Operator::Contains => actual.to_lowercase().contains(&wanted.to_lowercase()),
            Operator::Greater => actual > wanted,
            Operator::Lesser => actual < wanted,
            Operator::In => wanted.split(',').any(|v| v.trim() == actual),
        }
    }

    fn matches_id(&self, id: u64) -> bool {
        let wanted = self.value.trim().parse::<u64>().unwrap_or_default();
        match self.operator {
            Operator::Equals => id == wanted,
            Operator::NotEquals => id != wanted,
            Operator::Contains => id.to_string().contains(self.value.trim()),
            Operator::Greater => id > wanted,
            Operator::Lesser => id < wanted,
            Operator::In => self
                .value
                .split(',')
                .any(|v| v.trim().parse::<u64>() == Ok(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;
    use serde_json::json;

    fn connectors() -> Vec<Connector> {
        let now = crate::dates::now();
        (0..5)
            .map(|i| {
                let mut c = Connector::blank(Origin::Qps, now);
                c.id = 10 + i;
                c.name = format!("conn-{i}");
                c.aws_account_id = if i % 2 == 0 {
                    "111111111111"
                } else {
                    "222222222222"
                }
                .into();
                c
            })
            .collect()
    }

    fn search(request: Value) -> Search {
        let Value::Object(map) = request else {
            panic!("object")
        };
        Search::parse(Some(&map)).expect("valid search")
    }

    fn ids(page: &Page) -> Vec<u64> {
        page.items.iter().map(|c| c.id).collect()
    }

    #[test]
    fn criteria_are_anded() {
        let s = search(json!({"filters": {"Criteria": [
            {"field": "awsAccountId", "operator": "EQUALS", "value": "111111111111"},
            {"field": "id", "operator": "GREATER", "value": "10"}
        ]}}));
        assert_eq!(ids(&s.page(connectors())), vec![12, 14]);
    }

    #[test]
    fn every_operator() {
        let cases = [
            (
                json!({"field": "name", "operator": "CONTAINS", "value": "CONN-3"}),
                vec![13],
            ),
            (
                json!({"field": "name", "operator": "NOT EQUALS", "value": "conn-0"}),
                vec![11, 12, 13, 14],
            ),
            (
                json!({"field": "id", "operator": "IN", "value": "11, 14"}),
                vec![11, 14],
            ),
            (
                json!({"field": "id", "operator": "LESSER", "value": "12"}),
                vec![10, 11],
            ),
            (
                json!({"field": "name", "operator": "IN", "value": "conn-1,conn-2"}),
                vec![11, 12],
            ),
        ];
        for (criterion, expected) in cases {
            let s = search(json!({"filters": {"Criteria": criterion}}));
            assert_eq!(ids(&s.page(connectors())), expected);
        }
    }

    #[test]
    fn paging_by_offset_and_id() {
        let s = search(json!({"preferences": {"limitResults": "2", "startFromOffset": 2}}));
        let page = s.page(connectors());
        assert_eq!(ids(&page), vec![11, 12]);
        assert!(page.has_more);
        let s = search(json!({"preferences": {"limitResults": 2, "startFromId": 13}}));
        let page = s.page(connectors());
        assert_eq!(ids(&page), vec![13, 14]);
        assert!(!page.has_more);
    }

    #[test]
    fn bad_searches() {
        for request in [
            json!({"filters": {"Criteria": {"field": "state", "operator": "EQUALS", "value": "x"}}}),
            json!({"filters": {"Criteria": {"field": "id", "operator": "LIKE", "value": "1"}}}),
            json!({"filters": {"Criteria": {"field": "id", "operator": "EQUALS", "value": "x"}}}),
            json!({"filters": {"Criteria": {"field": "id", "operator": "EQUALS"}}}),
            json!({"preferences": {"limitResults": 1001}}),
            json!({"preferences": {"startFromOffset": 0}}),
        ] {
            let Value::Object(map) = request else {
                panic!("object")
            };
            assert!(Search::parse(Some(&map)).is_err(), "{map:?}");
        }
    }
}
