//! Adversarial property tests of every response decoder, through the public entry points
//! in `tfqualys::qualys::fuzzing`: deep nesting, huge numbers, invalid UTF-8, XML entities
//! and DTDs, values of the wrong type, and random damage to real answers. A decoder must
//! return for every input (a stack overflow aborts this whole test binary), and must never
//! turn a damaged answer into a plausible one.

use proptest::prelude::*;
use tfqualys::qualys::Error;
use tfqualys::qualys::fuzzing::{
    decode_cloudview_base_accounts, decode_cloudview_connector, decode_cloudview_list,
    decode_cloudview_sync_errors, decode_qps, decode_qps_base_accounts, decode_qps_sync_errors,
};

const V3_ONE: &str = r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"hasMoreRecords":"false","data":[{"AwsAssetDataConnector":{"id":2000001,"name":"n","arn":"arn:aws:iam::123456789012:role/R","externalId":"x-1","allRegions":"false","runFrequency":"240","cspmRegions":{"list":[{"CspmRegionSimple":{"regionCode":"us-east-1"}}]},"endpoints":{"list":[{"AwsEndpointSimple":{"regionCode":"us-east-1"}}]}}}]}}"#;

const V2_ONE: &str = r#"<?xml version="1.0" encoding="UTF-8"?><ServiceResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><responseCode>SUCCESS</responseCode><count>1</count><data><AwsAssetDataConnector><id>2000001</id><name>n</name><arn>arn:aws:iam::123456789012:role/R</arn><externalId>x-1</externalId><cspmRegions><set><CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple></set></cspmRegions><endpoints><set><AwsEndpointSimple><regionCode>us-east-1</regionCode></AwsEndpointSimple></set></endpoints></AwsAssetDataConnector></data></ServiceResponse>"#;

const CV_ONE: &str = r#"{"connectorId":"8889b18b-6f92-33d3-8afd-6d9d144177e8","name":"n","arn":"arn:aws:iam::123456789012:role/R","externalId":"USPOD01-4765-abcde","pollingFrequency":{"hours":4,"minutes":0},"isGovCloud":false}"#;

fn cv_page(item: &str) -> String {
    format!(r#"{{"content":[{item}],"number":0,"totalPages":1,"totalElements":1,"last":true}}"#)
}

/// `depth` levels of `open`/`close` around `inner`.
fn nest(open: &str, close: &str, depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

fn is_decode(result: &Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(result, Err(Error::Decode { .. }))
}

/// The real answers decode, so the properties below test damage, not a broken baseline.
#[test]
fn baselines_decode() {
    assert_eq!(decode_qps(200, V3_ONE.as_bytes()).unwrap(), 1);
    assert_eq!(decode_qps(200, V2_ONE.as_bytes()).unwrap(), 1);
    assert_eq!(
        decode_cloudview_connector(200, CV_ONE.as_bytes()).unwrap(),
        "8889b18b-6f92-33d3-8afd-6d9d144177e8"
    );
    assert_eq!(
        decode_cloudview_list(200, cv_page(CV_ONE).as_bytes()).unwrap(),
        1
    );
}

/// The issue's crash: 5,000 nested `<set>` in `cspmRegions` or `endpoints` of a v2 get
/// aborted the provider with a stack overflow.
#[test]
fn five_thousand_nested_sets_are_an_error_not_a_crash() {
    for field in ["cspmRegions", "endpoints"] {
        let deep = nest("<set>", "</set>", 5000, "");
        let body = V2_ONE.replace(
            &format!("<{field}>"),
            &format!("<{field}>{deep}</{field}><{field}>"),
        );
        let result = decode_qps(200, body.as_bytes());
        assert!(is_decode(&result), "{field}: {result:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any depth of arrays or objects anywhere a value goes, in every JSON decoder and in
    /// error bodies: a clean result or a decode error, never a crash.
    #[test]
    fn deep_json_never_crashes(depth in 0usize..20_000, objects in any::<bool>(), spot in 0usize..4) {
        let (open, close) = if objects { (r#"{"a":"#, "}") } else { ("[", "]") };
        let deep = nest(open, close, depth, "1");
        let v3 = match spot {
            0 => V3_ONE.replace(r#""allRegions":"false""#, &format!(r#""allRegions":{deep}"#)),
            1 => V3_ONE.replace(r#""list":["#, &format!(r#""list":[{deep},"#)),
            2 => V3_ONE.replace(r#""count":1"#, &format!(r#""count":1,"x":{deep}"#)),
            _ => deep.clone(),
        };
        let result = decode_qps(200, v3.as_bytes());
        if depth > 40 {
            prop_assert!(is_decode(&result), "{:?}", result);
        }
        let cv = CV_ONE.replace(r#""isGovCloud":false"#, &format!(r#""isGovCloud":false,"x":{deep}"#));
        let connector = decode_cloudview_connector(200, cv.as_bytes());
        let list = decode_cloudview_list(200, cv_page(&cv).as_bytes());
        if depth > 40 {
            prop_assert!(is_decode(&connector), "{:?}", connector);
            prop_assert!(is_decode(&list), "{:?}", list);
        }
        // Error bodies are read for their message: a deep one still gives the status's error.
        let error = decode_cloudview_connector(404, cv.as_bytes());
        prop_assert!(error.is_err());
        let error = decode_qps(500, v3.as_bytes());
        prop_assert!(error.is_err());
    }

    /// Any depth of elements in a v2 answer, under any name.
    #[test]
    fn deep_xml_never_crashes(depth in 0usize..20_000, name in "[a-zA-Z]{1,8}", in_regions in any::<bool>()) {
        let deep = nest(&format!("<{name}>"), &format!("</{name}>"), depth, "x");
        let body = if in_regions {
            V2_ONE.replace("<set><CspmRegionSimple>", &format!("<set>{deep}<CspmRegionSimple>"))
        } else {
            V2_ONE.replace("<count>1</count>", &format!("<count>1</count>{deep}"))
        };
        let result = decode_qps(200, body.as_bytes());
        if depth > 40 {
            prop_assert!(is_decode(&result), "{:?}", result);
        }
    }

    /// Numbers of any size or form where counts and ids go: the id is read exactly or the
    /// answer is an error.
    #[test]
    fn huge_and_odd_numbers(digits in "-?[0-9]{1,400}(\\.[0-9]{1,5})?(e[+-]?[0-9]{1,4})?") {
        for body in [
            V3_ONE.replace(r#""count":1"#, &format!(r#""count":{digits}"#)),
            V3_ONE.replace(r#""id":2000001"#, &format!(r#""id":{digits}"#)),
            V3_ONE.replace(r#""runFrequency":"240""#, &format!(r#""runFrequency":"{digits}""#)),
            V2_ONE.replace("<id>2000001</id>", &format!("<id>{digits}</id>")),
        ] {
            let result = decode_qps(200, body.as_bytes());
            if let Ok(n) = result {
                prop_assert_eq!(n, 1);
            }
        }
        let list = format!(r#"{{"content":[{CV_ONE}],"totalElements":{digits},"totalPages":{digits},"number":{digits}}}"#);
        let _ = decode_cloudview_list(200, list.as_bytes());
    }

    /// Bytes that are not UTF-8 anywhere in a body: never a successful answer (nothing in
    /// it can be trusted).
    #[test]
    fn invalid_utf8_is_never_success(at in 0usize..400, junk in prop::collection::vec(0x80u8..=0xff, 1..4)) {
        prop_assume!(std::str::from_utf8(&junk).is_err());
        for base in [V3_ONE, V2_ONE] {
            let mut body = base.as_bytes().to_vec();
            let at = at.min(body.len());
            body.splice(at..at, junk.iter().copied());
            prop_assert!(std::str::from_utf8(&body).is_err());
            prop_assert!(decode_qps(200, &body).is_err());
        }
        let mut body = CV_ONE.as_bytes().to_vec();
        let at = at.min(body.len());
        body.splice(at..at, junk.iter().copied());
        if std::str::from_utf8(&body).is_err() {
            prop_assert!(decode_cloudview_connector(200, &body).is_err());
        }
    }

    /// Entities: predefined and numeric ones are text, anything else (unknown names, a
    /// DTD declaring entities, invalid code points) is an error or stays literal text;
    /// nothing is expanded without bound.
    #[test]
    fn xml_entities(entity in prop_oneof![
        Just("&lt;".to_owned()),
        Just("&amp;amp;".to_owned()),
        Just("&#0;".to_owned()),
        Just("&#x110000;".to_owned()),
        Just("&#xD800;".to_owned()),
        "&[a-z]{1,10};",
        "&#[0-9]{1,12};",
        "&#x[0-9a-fA-F]{1,12};",
    ], with_dtd in any::<bool>()) {
        let name = format!("n{entity}");
        let mut body = V2_ONE.replace("<name>n</name>", &format!("<name>{name}</name>"));
        if with_dtd {
            let laughs = r#"<!DOCTYPE ServiceResponse [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>"#;
            body = body.replacen("?>", &format!("?>{laughs}"), 1).replace("<name>n", "<name>&c;n");
        }
        let result = decode_qps(200, body.as_bytes());
        prop_assert!(result.is_ok() || is_decode(&result), "{:?}", result);
    }

    /// A field's value replaced by a value of any other JSON type: the answer is read
    /// or refused, and an id that is not a number never decodes.
    #[test]
    fn wrong_types(value in json_value(), field in prop::sample::select(vec![
        "id", "name", "allRegions", "runFrequency", "cspmRegions", "endpoints", "data", "count",
        "hasMoreRecords", "responseCode",
    ])) {
        let v: serde_json::Value = serde_json::from_str(V3_ONE).unwrap();
        let mut v = v;
        let response = &mut v["ServiceResponse"];
        let target = if ["data", "count", "hasMoreRecords", "responseCode"].contains(&field) {
            response
        } else {
            &mut response["data"][0]["AwsAssetDataConnector"]
        };
        target[field] = value.clone();
        let result = decode_qps(200, v.to_string().as_bytes());
        let id_is_number = value.as_u64().is_some()
            || value.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0)
            || value.as_str().is_some_and(|s| s.trim().parse::<u64>().is_ok());
        if field == "id" && !id_is_number && result.is_ok() {
            prop_assert!(false, "id {value} decoded: {result:?}");
        }
        let mut cv: serde_json::Value = serde_json::from_str(CV_ONE).unwrap();
        cv[field] = value;
        let _ = decode_cloudview_connector(200, cv.to_string().as_bytes());
        let _ = decode_cloudview_list(200, cv_page(&cv.to_string()).as_bytes());
    }

    /// Random damage to real answers (truncation, byte changes): any result but a crash,
    /// and a truncated body never decodes.
    #[test]
    fn damaged_answers(cut in 1usize..300, flips in prop::collection::vec((0usize..600, any::<u8>()), 0..6)) {
        for base in [V3_ONE, V2_ONE, CV_ONE] {
            let bytes = base.as_bytes();
            let truncated = &bytes[..bytes.len().saturating_sub(cut)];
            prop_assert!(decode_qps(200, truncated).is_err());
            let _ = decode_cloudview_connector(200, truncated);
            let mut flipped = bytes.to_vec();
            for (at, byte) in &flips {
                let at = at % flipped.len();
                flipped[at] = *byte;
            }
            let _ = decode_qps(200, &flipped);
            let _ = decode_qps(409, &flipped);
            let _ = decode_cloudview_connector(200, &flipped);
            let _ = decode_cloudview_connector(400, &flipped);
            let _ = decode_cloudview_list(200, &flipped);
        }
    }

    /// Arbitrary bytes under any status.
    #[test]
    fn arbitrary_bytes(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_qps(status, &body);
        let _ = decode_cloudview_connector(status, &body);
        let _ = decode_cloudview_list(status, &body);
    }
}

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The sync-error and base-account decoders: the answers the simulator gives decode, deep
/// nesting in them is a decode error (not a crash), and no error status decodes to success.
#[test]
fn sync_errors_and_base_accounts_decode_and_stay_bounded() {
    let qps_errors = r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":2,"data":[
        {"AssetDataConnectorErrors":{"connectorId":1,"region":"us-east-1","errorMessage":"denied"}},
        {"AssetDataConnectorErrors":{"connectorId":2,"region":"us-west-2","errorMessage":"other"}}]}}"#;
    assert_eq!(
        decode_qps_sync_errors(200, qps_errors.as_bytes()).unwrap(),
        1
    );
    let qps_base = r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[
        {"AwsBaseAccount":{"globalAccountId":"805950163170"}}]}}"#;
    assert!(decode_qps_base_accounts(200, qps_base.as_bytes()).unwrap());
    let cv_errors = r#"{"content":[{"error":"denied","region":"us-east-1"}],"last":true}"#;
    assert_eq!(
        decode_cloudview_sync_errors(200, cv_errors.as_bytes()).unwrap(),
        1
    );
    let cv_base = r#"{"globalAccountId":"805950163170"}"#;
    assert!(decode_cloudview_base_accounts(200, cv_base.as_bytes()).unwrap());
    // No account at all is an error, not "no accounts".
    assert!(is_decode(&decode_cloudview_base_accounts(200, b"{}")));

    let deep = nest("[", "]", 100_000, "1");
    let deep_json = format!(r#"{{"globalAccountId":{deep}}}"#);
    let deep_xml = nest("<a>", "</a>", 100_000, "1");
    for body in [deep_json.as_bytes(), deep_xml.as_bytes()] {
        assert!(decode_qps_sync_errors(200, body).is_err());
        assert!(decode_qps_base_accounts(200, body).is_err());
        assert!(decode_cloudview_sync_errors(200, body).is_err());
        assert!(decode_cloudview_base_accounts(200, body).is_err());
    }
    for status in [400, 401, 404, 409, 500] {
        for body in [qps_errors, qps_base, cv_errors, cv_base] {
            assert!(decode_qps_sync_errors(status, body.as_bytes()).is_err());
            assert!(decode_qps_base_accounts(status, body.as_bytes()).is_err());
            assert!(decode_cloudview_sync_errors(status, body.as_bytes()).is_err());
            assert!(decode_cloudview_base_accounts(status, body.as_bytes()).is_err());
        }
    }
}
