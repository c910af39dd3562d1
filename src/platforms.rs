//! The Qualys platforms a subscription can live on: one table of their names, API URLs, and the
//! gateway URL and POD where those are public. Settings, the external-ID resource and the
//! functions all read it here.

/// One Qualys platform, named as Qualys writes it (`US1`, `EU2`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    pub name: &'static str,
    /// Base URL of the QPS (Connector) API.
    pub qps_url: &'static str,
    /// Base URL of the CloudView API.
    pub cloudview_url: &'static str,
    /// The API gateway, where a public source names it (qualysdk's platform picker, see
    /// qualys-api.md "Public evidence, third reading").
    pub gateway_url: Option<&'static str>,
    /// The POD that starts Qualys's external IDs, where a public source names it:
    /// - US1 = `USPOD01`: seed 000's own example external ID is `USPOD01-4765-9011278609223`,
    ///   and Qualys's docs call the `qualysapi.qualys.com` platform "US POD 1".
    /// - US3 = `USPOD03`: answers from `qualysapi.qg3.apps.qualys.com` carry
    ///   `X-Powered-By: Qualys:USPOD03:...` (JupiterOne/graph-qualys, `docs/jupiterone.md`).
    ///
    /// No public source gives the others (a 2026 EU2 tenant's `EU2-2792719` is an older,
    /// free-form ID): there the provider asks for the `pod` setting rather than guess, since
    /// Qualys refuses an ID with the wrong POD.
    pub pod: Option<&'static str>,
}

const fn platform(
    name: &'static str,
    qps_url: &'static str,
    cloudview_url: &'static str,
) -> Platform {
    Platform {
        name,
        qps_url,
        cloudview_url,
        gateway_url: None,
        pod: None,
    }
}

/// Every public platform, from Qualys's "Identify your Qualys platform" page; GOV1 from
/// qualys-api.md's public evidence.
pub const PLATFORMS: &[Platform] = &[
    Platform {
        gateway_url: Some("https://gateway.qg1.apps.qualys.com"),
        pod: Some("USPOD01"),
        ..platform(
            "US1",
            "https://qualysapi.qualys.com",
            "https://qualysguard.qualys.com",
        )
    },
    platform(
        "US2",
        "https://qualysapi.qg2.apps.qualys.com",
        "https://qualysguard.qg2.apps.qualys.com",
    ),
    Platform {
        pod: Some("USPOD03"),
        ..platform(
            "US3",
            "https://qualysapi.qg3.apps.qualys.com",
            "https://qualysguard.qg3.apps.qualys.com",
        )
    },
    platform(
        "US4",
        "https://qualysapi.qg4.apps.qualys.com",
        "https://qualysguard.qg4.apps.qualys.com",
    ),
    Platform {
        gateway_url: Some("https://gateway.qg1.apps.qualys.eu"),
        ..platform(
            "EU1",
            "https://qualysapi.qualys.eu",
            "https://qualysguard.qualys.eu",
        )
    },
    platform(
        "EU2",
        "https://qualysapi.qg2.apps.qualys.eu",
        "https://qualysguard.qg2.apps.qualys.eu",
    ),
    platform(
        "EU3",
        "https://qualysapi.qg3.apps.qualys.it",
        "https://qualysguard.qg3.apps.qualys.it",
    ),
    platform(
        "IN1",
        "https://qualysapi.qg1.apps.qualys.in",
        "https://qualysguard.qg1.apps.qualys.in",
    ),
    platform(
        "CA1",
        "https://qualysapi.qg1.apps.qualys.ca",
        "https://qualysguard.qg1.apps.qualys.ca",
    ),
    platform(
        "AE1",
        "https://qualysapi.qg1.apps.qualys.ae",
        "https://qualysguard.qg1.apps.qualys.ae",
    ),
    platform(
        "UK1",
        "https://qualysapi.qg1.apps.qualys.co.uk",
        "https://qualysguard.qg1.apps.qualys.co.uk",
    ),
    platform(
        "AU1",
        "https://qualysapi.qg1.apps.qualys.com.au",
        "https://qualysguard.qg1.apps.qualys.com.au",
    ),
    platform(
        "KSA1",
        "https://qualysapi.qg1.apps.qualysksa.com",
        "https://qualysguard.qg1.apps.qualysksa.com",
    ),
    platform(
        "GOV1",
        "https://qualysapi.gov1.qualys.us",
        "https://qualysguard.gov1.qualys.us",
    ),
];

/// The platform named exactly `name` (names are written in capitals).
pub fn find(name: &str) -> Option<&'static Platform> {
    PLATFORMS.iter().find(|p| p.name == name)
}

/// The platform `name` would be if it were written in capitals, to suggest it.
pub fn find_ignoring_case(name: &str) -> Option<&'static Platform> {
    PLATFORMS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Every platform's name, for messages: `US1, US2, ...`.
pub fn names() -> String {
    PLATFORMS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names of the platforms whose POD is public, for messages: `US1, US3`.
pub fn names_with_public_pod() -> String {
    PLATFORMS
        .iter()
        .filter(|p| p.pod.is_some())
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_written_in_capitals() {
        let mut seen = std::collections::HashSet::new();
        for p in PLATFORMS {
            assert!(seen.insert(p.name), "{} twice", p.name);
            assert_eq!(p.name, p.name.to_ascii_uppercase());
        }
    }

    #[test]
    fn every_url_is_https_and_pairs_qualysapi_with_qualysguard() {
        for p in PLATFORMS {
            for url in [p.qps_url, p.cloudview_url]
                .into_iter()
                .chain(p.gateway_url)
            {
                assert!(url.starts_with("https://") && !url.ends_with('/'), "{url}");
            }
            assert_eq!(
                p.qps_url.replacen("qualysapi.", "qualysguard.", 1),
                p.cloudview_url,
                "{}",
                p.name
            );
        }
    }

    #[test]
    fn only_public_pods_are_known() {
        assert_eq!(find("US1").and_then(|p| p.pod), Some("USPOD01"));
        assert_eq!(find("US3").and_then(|p| p.pod), Some("USPOD03"));
        assert_eq!(find("US2").and_then(|p| p.pod), None);
        assert_eq!(names_with_public_pod(), "US1, US3");
        assert_eq!(find("us1"), None);
        assert_eq!(find_ignoring_case("us1").map(|p| p.name), Some("US1"));
    }
}
